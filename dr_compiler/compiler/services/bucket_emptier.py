"""Bucket emptier: with `force_destroy`, a custom resource empties each bucket before deletion.

CloudFormation cannot delete a non-empty bucket (DR020). In every stack that holds buckets
(the primary stack and each secondary's base stack, which may also hold the Region switch
plan's report bucket), one `Custom::BucketEmptier` per bucket
depends on its bucket, so on stack deletion CloudFormation deletes the custom resource first
— the function removes every object version and delete marker — and then the bucket.

The region's access log bucket (services/access_logs.py) is emptied the same way.

Only specs with `force_destroy` get this; production cannot set it (DR021).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from awacs.aws import Statement
from awacs.s3 import DeleteObject, DeleteObjectVersion, ListBucketVersions
from troposphere import AWSObject, GetAtt
from troposphere.cloudformation import CustomResource

from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import StackContext, deletion_policies, sourced
from dr_compiler.compiler.services import access_logs, lambda_functions, region_switch
from dr_compiler.paths import BUCKET_EMPTIER_FUNCTION, BUCKET_EMPTIER_HANDLER

FUNCTION = BUCKET_EMPTIER_FUNCTION
HANDLER = BUCKET_EMPTIER_HANDLER
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


@dataclass(frozen=True)
class StackBucket:
    """A bucket this stack creates: its logical id, its name text and the spec path of it."""

    logical_id: str
    name: str
    path: tuple[str | int, ...]


def stack_buckets(ctx: StackContext) -> list[StackBucket]:
    """The buckets of a regional base stack: its access-log bucket, the spec's, and the Region
    switch plan's report bucket in the base stack of the Region the plan fails over to."""
    spec = ctx.spec
    if not ctx.in_regional_base:
        return []
    found = [
        StackBucket(
            ids.bucket(b.name),
            naming.bucket_name(spec, b.name, ctx.region),
            ("storage", "buckets", b.index),
        )
        for b in spec.buckets
    ]
    if access_logs.has_log_bucket(spec):
        # The region's access-log bucket (DR085) is emptied like the data buckets.
        found.insert(
            0,
            StackBucket(
                ids.LOG_BUCKET,
                naming.log_bucket_name(spec, ctx.region),
                ("lifecycle", "force_destroy"),
            ),
        )
    if region_switch.has_report_bucket(ctx):
        found.append(
            StackBucket(
                region_switch.REPORT_BUCKET,
                region_switch.report_bucket_name(spec, ctx.region),
                ("failover", "orchestrator"),
            )
        )
    return found


def deployed_in(ctx: StackContext) -> bool:
    """The emptier lives beside the buckets, and only when the spec is force-destroyable."""
    return ctx.spec.force_destroy and bool(stack_buckets(ctx))


def build(ctx: StackContext) -> Iterator[Any]:
    if not deployed_in(ctx):
        return
    yield from sourced(_function_resources(ctx), "lifecycle", "force_destroy")
    for bucket in stack_buckets(ctx):
        yield from sourced([_emptier(bucket)], *bucket.path)


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
    yield from lambda_functions.execution_role(
        ctx,
        FUNCTION,
        emptier_statements(ctx),
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


def emptier_statements(ctx: StackContext) -> list[Statement]:
    """Delete every version in exactly this stack's buckets; report failures to its queue.

    Bucket ARNs are computed so the role (and the function) does not depend on the buckets:
    the custom resources alone carry that ordering.
    """
    names = [bucket.name for bucket in stack_buckets(ctx)]
    return [
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
        *lambda_functions.failure_statements(ctx, FUNCTION),
    ]


def _emptier(bucket: StackBucket) -> BucketEmptier:
    # BucketName is the computed name, not a Ref: the explicit DependsOn is the ordering.
    return BucketEmptier(
        f"{bucket.logical_id}Emptier",
        ServiceToken=GetAtt(ids.BUCKET_EMPTIER, "Arn"),
        ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
        BucketName=naming.cfn(bucket.name),
        DependsOn=[bucket.logical_id],
    )
