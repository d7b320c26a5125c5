"""Reverse replication: in production, each secondary's buckets replicate back to the primary.

Writes made in a secondary while it serves after a failover must reach the primary at
failback. S3 replication is configured on the source bucket and S3 checks the destination
when the configuration is written (PutBucketReplication: "The destination bucket must have
versioning enabled",
https://docs.aws.amazon.com/AmazonS3/latest/API/example_s3_PutBucketReplication_section.html).
The secondary's bucket lives in its base stack, which deploys before the primary's stack
(the primary's own replication names it), so the base stack's Bucket cannot name the
primary's bucket. Each secondary's attach stack, which deploys after the primary, holds one
`Custom::BucketReplication` per replicated bucket instead: a function calls
PutBucketReplication on the secondary's bucket with the base stack's reverse replication
role (services/s3.py), and DeleteBucketReplication when the stack goes.

The base stack's Bucket has no ReplicationConfiguration property. CloudFormation updates
only the resources whose template changed ("Resources that haven't changed run without
disruption", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html),
so base stack updates that leave the bucket alone keep what the custom resource wrote. No
source found says whether the S3 bucket handler, updating other properties of the bucket,
removes a replication configuration the template never set (the handler is not public); if
it did, nothing here would rewrite it until this resource's properties change. The
runbook's check after a failover (get-bucket-replication) is what catches that.

S3 documents two-way replication as exactly this pair of rules, one per direction, with
replica modification sync on each so metadata changes made to either copy reach the other
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/mrap-create-two-way-replication-rules.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-for-metadata-changes.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awacs.aws import Condition, Statement, StringEquals
from awacs.iam import PassRole
from awacs.s3 import GetReplicationConfiguration, PutReplicationConfiguration
from troposphere import AWSObject, GetAtt
from troposphere.cloudformation import CustomResource

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import Phase, Requires, StackContext, StackId, sourced
from dr_compiler.compiler.services import kms
from dr_compiler.compiler.services.bucket_emptier import RUNTIME
from dr_compiler.compiler.services.lambda_functions import (
    execution_role,
    failure_queue,
    failure_statements,
    lambda_function,
    log_group,
)
from dr_compiler.compiler.services.s3 import RTC_MINUTES
from dr_compiler.model import Bucket
from dr_compiler.paths import REVERSE_REPLICATION_FUNCTION, REVERSE_REPLICATION_HANDLER

FUNCTION = REVERSE_REPLICATION_FUNCTION
TIMEOUT_SECONDS = 120
"""One S3 call, with up to 5 attempts of at most 30 s reads (the handler's client config)."""
MEMORY_MB = 128
SERVICE_TIMEOUT_SECONDS = TIMEOUT_SECONDS + 60
"""CloudFormation gives up on the custom resource after this (default 1 h); the function
answers before its own timeout, so this only bounds a crashed invocation."""
# DeleteBucketReplication is authorised by s3:PutReplicationConfiguration too
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketReplication.html).
BUCKET_ACTIONS = (PutReplicationConfiguration, GetReplicationConfiguration)


class BucketReplication(CustomResource):
    resource_type = blocks.s3.REVERSE_REPLICATION.type


def deployed_in(ctx: StackContext) -> bool:
    """A secondary's attach stack, when the spec's buckets replicate back (production)."""
    return ctx.phase is Phase.ATTACH and bool(ctx.spec.reverse_replicated_buckets)


def build(ctx: StackContext) -> Iterator[Any]:
    if not deployed_in(ctx):
        return
    # The primary's buckets and key must exist before S3 accepts them as the destination.
    yield Requires(
        StackId(Phase.PRIMARY, ctx.spec.regions.primary), "reverse replication destination"
    )
    yield from sourced(_function_resources(ctx), "storage", "buckets")
    for bucket in ctx.spec.reverse_replicated_buckets:
        yield from sourced(
            [_replication(ctx, bucket)], "storage", "buckets", bucket.index, "replication"
        )


def custom_resource_id(bucket: str) -> str:
    return f"{ids.bucket(bucket)}ReverseReplication"


def role_arn(ctx: StackContext) -> Any:
    """The base stack's reverse replication role, by its computed name (services/s3.py)."""
    return naming.arn("iam", "", f"role/{ctx.name('replication', regional=True)}")


def _function_resources(ctx: StackContext) -> Iterator[AWSObject]:
    yield log_group(ctx, FUNCTION, ctx.data_policies(blocks.logs.LOG_GROUP))
    # CloudFormation invokes custom-resource functions asynchronously: an invocation that
    # fails outright lands in this queue instead of vanishing (DR071).
    yield from failure_queue(ctx, FUNCTION, ctx.data_policies(blocks.sqs.QUEUE))
    yield from execution_role(
        ctx,
        FUNCTION,
        replication_statements(ctx),
        Description=f"Reverse bucket replication of {ctx.spec.app} {ctx.spec.environment} "
        f"in {ctx.region}",
    )
    # Not attached to the VPC: it must reach S3 and CloudFormation's presigned response URL
    # (public S3) and touches no data (it only writes bucket replication configurations).
    yield lambda_function(
        ctx,
        FUNCTION,
        Description="Replicates this region's buckets back to the primary region",
        Handler=REVERSE_REPLICATION_HANDLER,
        Runtime=RUNTIME,
        Timeout=TIMEOUT_SECONDS,
        MemorySize=MEMORY_MB,
    )


def replication_statements(ctx: StackContext) -> list[Statement]:
    """Write the replication configuration of exactly this region's replicated buckets,
    handing S3 exactly the reverse replication role; report failures to its queue."""
    spec = ctx.spec
    return [
        iam.allow(
            "ConfigureReplication",
            BUCKET_ACTIONS,
            [naming.bucket_arn(spec, b.name, ctx.region) for b in spec.reverse_replicated_buckets],
        ),
        # Writing a replication configuration passes its role to S3 ("Setting up
        # permissions for live replication", step 1,
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).
        iam.allow(
            "PassReplicationRole",
            [PassRole],
            [role_arn(ctx)],
            Condition=Condition(StringEquals("iam:PassedToService", "s3.amazonaws.com")),
        ),
        *failure_statements(ctx, FUNCTION),
    ]


def _replication(ctx: StackContext, bucket: Bucket) -> BucketReplication:
    """The reverse rule of `bucket`, the forward rule's mirror (the handler builds it)."""
    spec, primary = ctx.spec, ctx.spec.regions.primary
    rtc = {"ReplicationTimeMinutes": RTC_MINUTES} if bucket.rtc else {}
    return BucketReplication(
        custom_resource_id(bucket.name),
        ServiceToken=GetAtt(ids.function(FUNCTION), "Arn"),
        ServiceTimeout=SERVICE_TIMEOUT_SECONDS,
        BucketName=naming.cfn(naming.bucket_name(spec, bucket.name, ctx.region)),
        Role=role_arn(ctx),
        DestinationBucket=naming.bucket_arn(spec, bucket.name, primary),
        # As in the forward rule: an alias ARN, resolving to the primary region's own key.
        ReplicaKmsKeyId=kms.key_alias_arn(ctx, primary),
        RuleId=ids.replication_rule(primary),
        **rtc,
    )
