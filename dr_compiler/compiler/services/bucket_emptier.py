"""Bucket emptier: with `force_destroy`, a custom resource empties each bucket before deletion.

CloudFormation cannot delete a non-empty bucket (DR020). In every stack that holds buckets
(the primary stack and each secondary's base stack), one `Custom::BucketEmptier` per bucket
depends on its bucket, so on stack deletion CloudFormation deletes the custom resource first
— the function removes every object version and delete marker — and then the bucket.

The region's access log bucket (services/access_logs.py) is emptied the same way.

Only specs with `force_destroy` get this; production cannot set it (DR021).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awacs.aws import Condition, Policy
from awacs.kms import Decrypt, GenerateDataKey
from awacs.s3 import DeleteObject, DeleteObjectVersion, ListBucketVersions
from awacs.sqs import SendMessage
from troposphere import AWSObject, GetAtt
from troposphere.cloudformation import CustomResource

from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import StackContext, deletion_policies, sourced
from dr_compiler.compiler.services import access_logs, lambda_functions
from dr_compiler.model import Bucket

FUNCTION = "bucket-emptier"
HANDLER = "handler.main"
RUNTIME = "python3.14"  # the latest, as model.DEFAULT_RUNTIME
TIMEOUT_SECONDS = 900
MEMORY_MB = 128
"""Lambda's maximum: a large bucket takes many DeleteObjects batches of 1000."""
SERVICE_TIMEOUT_SECONDS = TIMEOUT_SECONDS + 60
"""CloudFormation gives up on a custom resource after this (default 1 h); the function
always answers before its own timeout, so this only bounds a crashed invocation."""

FAILURE_QUEUE = ids.function_dead_letter_queue(FUNCTION)
BUCKET_ACTIONS = (ListBucketVersions,)
OBJECT_ACTIONS = (DeleteObject, DeleteObjectVersion)


class BucketEmptier(CustomResource):
    resource_type = "Custom::BucketEmptier"


def emptier_id(bucket: str) -> str:
    return f"{ids.bucket(bucket)}Emptier"


def deployed_in(ctx: StackContext) -> bool:
    """The emptier lives beside the buckets, and only when the spec is force-destroyable."""
    return ctx.spec.force_destroy and ctx.in_regional_base


def build(ctx: StackContext) -> Iterator[Any]:
    if not deployed_in(ctx):
        return
    yield from sourced(_function_resources(ctx), "lifecycle", "force_destroy")
    for bucket in ctx.spec.buckets:
        yield from sourced([_emptier(ctx, bucket)], "storage", "buckets", bucket.index)
    yield from sourced([_log_bucket_emptier(ctx)], "lifecycle", "force_destroy")


def artifact_key(ctx: StackContext) -> str:
    """The content-addressed S3 key `deploy` uploads the function under (from the pipeline)."""
    return ctx.artifact_keys[FUNCTION]


def _function_resources(ctx: StackContext) -> Iterator[AWSObject]:
    # Nothing here holds data worth keeping: all of it goes with the stack.
    policies = deletion_policies("Delete")
    yield lambda_functions.log_group(ctx, FUNCTION, policies)
    # CloudFormation invokes custom-resource functions asynchronously, so an invocation
    # that fails outright (crash, out of memory) lands here instead of vanishing (DR071).
    yield from lambda_functions.failure_queue(ctx, FUNCTION, policies)
    yield lambda_functions.execution_role(
        ctx,
        FUNCTION,
        [lambda_functions.BASIC_EXECUTION],
        "empty-buckets",
        emptier_policy(ctx),
        Description=f"Bucket emptier of {ctx.spec.app} {ctx.spec.environment} in {ctx.region}",
    )
    # Not attached to the VPC: it must reach S3 and CloudFormation's presigned response URL
    # (public S3) from any stack, including a base stack whose egress is endpoints only, and it
    # touches no data path (it only lists and deletes object versions).
    yield lambda_functions.lambda_function(
        ctx,
        FUNCTION,
        Description="Empties versioned buckets before CloudFormation deletes them",
        Handler=HANDLER,
        Runtime=RUNTIME,
        Timeout=TIMEOUT_SECONDS,
        # Lambda's default, stated: it lists and deletes in batches and holds nothing large.
        MemorySize=MEMORY_MB,
    )


def emptier_policy(ctx: StackContext) -> Policy:
    """Delete every version in exactly this stack's buckets; report failures to its queue.

    Bucket ARNs are computed so the role (and the function) does not depend on the buckets:
    the custom resources alone carry that ordering.
    """
    spec, region = ctx.spec, ctx.region
    names = [
        naming.log_bucket_name(spec, region),
        *(naming.bucket_name(spec, b.name, region) for b in spec.buckets),
    ]
    return iam.policy(
        [
            iam.allow(
                "ListBucketVersions",
                BUCKET_ACTIONS,
                [naming.arn("s3", "", name, account=False) for name in names],
            ),
            iam.allow(
                "DeleteObjectVersions",
                OBJECT_ACTIONS,
                [naming.arn("s3", "", f"{name}/*", account=False) for name in names],
            ),
            iam.allow("SendFailures", [SendMessage], [GetAtt(FAILURE_QUEUE, "Arn")]),
            # Sending to a KMS-encrypted queue needs the key: data key for the message, and
            # Decrypt to reuse a cached data key.
            iam.allow(
                "EncryptFailures",
                [GenerateDataKey, Decrypt],
                [ctx.key_arn],
                Condition=Condition(iam.via_service("sqs", region)),
            ),
        ]
    )


def _log_bucket_emptier(ctx: StackContext) -> BucketEmptier:
    return BucketEmptier(
        access_logs.LOG_BUCKET_EMPTIER,
        ServiceToken=GetAtt(ids.BUCKET_EMPTIER, "Arn"),
        ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
        BucketName=naming.cfn(naming.log_bucket_name(ctx.spec, ctx.region)),
        DependsOn=[ids.LOG_BUCKET],
    )


def _emptier(ctx: StackContext, bucket: Bucket) -> BucketEmptier:
    # BucketName is the computed name, not a Ref: the explicit DependsOn is the ordering.
    return BucketEmptier(
        emptier_id(bucket.name),
        ServiceToken=GetAtt(ids.BUCKET_EMPTIER, "Arn"),
        ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
        BucketName=naming.cfn(naming.bucket_name(ctx.spec, bucket.name, ctx.region)),
        DependsOn=[ids.bucket(bucket.name)],
    )
