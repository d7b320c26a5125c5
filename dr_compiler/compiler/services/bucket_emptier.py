"""Bucket emptier: with `force_destroy`, a custom resource empties each bucket before deletion.

CloudFormation cannot delete a non-empty bucket (DR020). In every stack that holds buckets
(the primary stack and each secondary's base stack), one `Custom::BucketEmptier` per bucket
depends on its bucket, so on stack deletion CloudFormation deletes the custom resource first
— the function removes every object version and delete marker — and then the bucket.

Only specs with `force_destroy` get this; production cannot set it (DR021).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awacs.aws import Allow, Condition, Policy, Statement, StringEquals
from awacs.kms import Decrypt, GenerateDataKey
from awacs.s3 import DeleteObject, DeleteObjectVersion, ListBucketVersions
from awacs.sqs import SendMessage
from troposphere import AWSObject, GetAtt, Ref, Sub
from troposphere.awslambda import Code, DeadLetterConfig, Function, LoggingConfig
from troposphere.cloudformation import CustomResource
from troposphere.iam import Policy as RolePolicy
from troposphere.iam import Role
from troposphere.logs import LogGroup
from troposphere.sqs import Queue

from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import StackContext, sourced
from dr_compiler.compiler.services import s3, sqs
from dr_compiler.model import Bucket

FUNCTION = "bucket-emptier"
HANDLER = "handler.main"
RUNTIME = "python3.12"
TIMEOUT_SECONDS = 900
"""Lambda's maximum: a large bucket takes many DeleteObjects batches of 1000."""
SERVICE_TIMEOUT_SECONDS = TIMEOUT_SECONDS + 60
"""CloudFormation gives up on a custom resource after this (default 1 h); the function
always answers before its own timeout, so this only bounds a crashed invocation."""
FAILURE_RETENTION_SECONDS = 1_209_600

FAILURE_QUEUE = ids.function_dead_letter_queue(FUNCTION)
FAILURE_QUEUE_POLICY = f"{FAILURE_QUEUE}Policy"
LOG_GROUP = ids.function_log_group(FUNCTION)
BUCKET_ACTIONS = (ListBucketVersions,)
OBJECT_ACTIONS = (DeleteObject, DeleteObjectVersion)
_BASIC_EXECUTION = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


class BucketEmptier(CustomResource):
    resource_type = "Custom::BucketEmptier"


def emptier_id(bucket: str) -> str:
    return f"{ids.bucket(bucket)}Emptier"


def deployed_in(ctx: StackContext) -> bool:
    """The emptier lives beside the buckets, and only when the spec is force-destroyable."""
    return ctx.spec.force_destroy and ctx.in_regional_base and bool(ctx.spec.buckets)


def build(ctx: StackContext) -> Iterator[Any]:
    if not deployed_in(ctx):
        return
    yield from sourced(_function_resources(ctx), "lifecycle", "force_destroy")
    for bucket in ctx.spec.buckets:
        yield from sourced([_emptier(ctx, bucket)], "storage", "buckets", bucket.index)


def artifact_key(ctx: StackContext) -> str:
    """The content-addressed S3 key `deploy` uploads the function under (from the pipeline)."""
    return ctx.artifact_keys[FUNCTION]


def _function_resources(ctx: StackContext) -> Iterator[AWSObject]:
    spec = ctx.spec
    function_name = naming.function_name(spec, FUNCTION)
    key = ctx.get_att(ids.KMS_KEY, "Arn")
    yield LogGroup(
        LOG_GROUP,
        LogGroupName=f"/aws/lambda/{function_name}",
        RetentionInDays=spec.monitoring.log_retention_days,
        KmsKeyId=key,
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
    )
    # CloudFormation invokes custom-resource functions asynchronously, so an invocation
    # that fails outright (crash, out of memory) lands here instead of vanishing (DR071).
    yield Queue(
        FAILURE_QUEUE,
        QueueName=ctx.name(FUNCTION, "failures"),
        KmsMasterKeyId=key,
        MessageRetentionPeriod=FAILURE_RETENTION_SECONDS,
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
    )
    yield sqs.tls_only_policy(FAILURE_QUEUE_POLICY, [FAILURE_QUEUE])
    yield _role(ctx)
    # Not attached to the VPC: it must reach S3 and CloudFormation's presigned response URL
    # (public S3) from any stack, including a base stack whose egress is endpoints only, and it
    # touches no data path (it only lists and deletes object versions).
    yield Function(
        ids.BUCKET_EMPTIER,
        FunctionName=function_name,
        Description="Empties versioned buckets before CloudFormation deletes them",
        Code=Code(
            S3Bucket=naming.cfn(naming.artifact_bucket(spec, ctx.region)), S3Key=artifact_key(ctx)
        ),
        Handler=HANDLER,
        Runtime=RUNTIME,
        Timeout=TIMEOUT_SECONDS,
        Role=GetAtt(ids.BUCKET_EMPTIER_ROLE, "Arn"),
        DeadLetterConfig=DeadLetterConfig(TargetArn=GetAtt(FAILURE_QUEUE, "Arn")),
        LoggingConfig=LoggingConfig(LogGroup=Ref(LOG_GROUP)),
    )


def _role(ctx: StackContext) -> Role:
    return Role(
        ids.BUCKET_EMPTIER_ROLE,
        # IAM role names are global: the region keeps each region's role distinct.
        RoleName=ctx.name(FUNCTION, regional=True),
        Description=f"Bucket emptier of {ctx.spec.app} {ctx.spec.environment} in {ctx.region}",
        AssumeRolePolicyDocument=iam.service_trust("lambda.amazonaws.com"),
        ManagedPolicyArns=[Sub(_BASIC_EXECUTION)],
        Policies=[RolePolicy(PolicyName="empty-buckets", PolicyDocument=emptier_policy(ctx))],
    )


def emptier_policy(ctx: StackContext) -> Policy:
    """Delete every version in exactly this stack's buckets; report failures to its queue.

    Bucket ARNs are computed so the role (and the function) does not depend on the buckets:
    the custom resources alone carry that ordering.
    """
    spec, region = ctx.spec, ctx.region
    names = [b.name for b in spec.buckets]
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="ListBucketVersions",
                Effect=Allow,
                Action=list(BUCKET_ACTIONS),
                Resource=[s3.bucket_arn(spec, name, region) for name in names],
            ),
            Statement(
                Sid="DeleteObjectVersions",
                Effect=Allow,
                Action=list(OBJECT_ACTIONS),
                Resource=[s3.bucket_arn(spec, name, region, objects=True) for name in names],
            ),
            Statement(
                Sid="SendFailures",
                Effect=Allow,
                Action=[SendMessage],
                Resource=[GetAtt(FAILURE_QUEUE, "Arn")],
            ),
            # Sending to a KMS-encrypted queue needs the key: data key for the message, and
            # Decrypt to reuse a cached data key.
            Statement(
                Sid="EncryptFailures",
                Effect=Allow,
                Action=[GenerateDataKey, Decrypt],
                Resource=[ctx.get_att(ids.KMS_KEY, "Arn")],
                Condition=Condition(StringEquals("kms:ViaService", f"sqs.{region}.amazonaws.com")),
            ),
        ],
    )


def _emptier(ctx: StackContext, bucket: Bucket) -> BucketEmptier:
    # BucketName is the computed name, not a Ref: the explicit DependsOn is the ordering.
    return BucketEmptier(
        emptier_id(bucket.name),
        ServiceToken=GetAtt(ids.BUCKET_EMPTIER, "Arn"),
        ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
        BucketName=naming.cfn(s3.bucket_name(ctx.spec, bucket.name, ctx.region)),
        DependsOn=[ids.bucket(bucket.name)],
    )
