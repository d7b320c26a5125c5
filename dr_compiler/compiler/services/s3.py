"""S3: every spec bucket in every region, replicated from the primary to each secondary.

The primary stack holds the source buckets and their replication role; each secondary's base
stack holds the replica (destination) buckets, so they and the secondary's KMS key exist
before the primary's replication configuration names them (DR040). Bucket names carry the
account and region (DR003), which makes every bucket ARN computable across stacks.

Every bucket is versioned (replication requires it on both sides), encrypted with its
region's customer key using an S3 Bucket Key, fully blocked from public access (DR083),
owner-enforced (no ACLs), TLS-only by bucket policy (DR082), and expires noncurrent versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awacs.aws import (
    Condition,
    ForAnyValueStringEquals,
    Statement,
    StringLike,
)
from awacs.kms import Decrypt, Encrypt
from awacs.s3 import (
    GetObjectVersionAcl,
    GetObjectVersionForReplication,
    GetObjectVersionTagging,
    GetReplicationConfiguration,
    ListBucket,
    ReplicateDelete,
    ReplicateObject,
    ReplicateTags,
)
from troposphere import AWSObject, GetAtt, Output, Ref, Sub
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    DeleteMarkerReplication,
    EncryptionConfiguration,
    LifecycleConfiguration,
    LifecycleRule,
    Metrics,
    NoncurrentVersionExpiration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ReplicaModifications,
    ReplicationConfiguration,
    ReplicationConfigurationRules,
    ReplicationConfigurationRulesDestination,
    ReplicationRuleFilter,
    ReplicationTime,
    ReplicationTimeValue,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    SourceSelectionCriteria,
    SseKmsEncryptedObjects,
    VersioningConfiguration,
)

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import Phase, Requires, StackContext, StackId, sourced
from dr_compiler.compiler.naming import bucket_arn
from dr_compiler.compiler.services import access_logs, kms
from dr_compiler.model import Bucket as SpecBucket
from dr_compiler.model import Spec

ENABLED = "Enabled"
RTC_MINUTES = 15
"""S3 Replication Time Control has exactly one setting: 15 minutes (also the metrics threshold)."""
ABORT_INCOMPLETE_UPLOADS_DAYS = 7

REPLICATION_SOURCE_BUCKET_ACTIONS = (GetReplicationConfiguration, ListBucket)
REPLICATION_SOURCE_OBJECT_ACTIONS = (
    GetObjectVersionForReplication,
    GetObjectVersionAcl,
    GetObjectVersionTagging,
)
REPLICATION_DESTINATION_OBJECT_ACTIONS = (ReplicateObject, ReplicateDelete, ReplicateTags)
# Replicas are written with the destination key (Encrypt). Because the destination bucket uses
# an S3 Bucket Key, S3 also calls Decrypt on that key as the replication role to verify the
# Bucket Key before use ("S3 Bucket Keys and replication", Amazon S3 User Guide:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
REPLICATION_SOURCE_KEY_ACTIONS = (Decrypt,)
REPLICATION_DESTINATION_KEY_ACTIONS = (Encrypt, Decrypt)


def build(ctx: StackContext) -> Iterator[Any]:
    if not (ctx.in_regional_base and ctx.spec.buckets):
        return
    for bucket in ctx.spec.buckets:
        yield from sourced(_bucket_resources(ctx, bucket), "storage", "buckets", bucket.index)
    if ctx.phase is Phase.PRIMARY and _replicated(ctx):
        yield from sourced(_replication_role(ctx), "storage", "buckets")
        for region in ctx.spec.regions.secondaries:
            yield Requires(StackId(Phase.BASE, region), "replication destination bucket and key")
    if ctx.phase is Phase.BASE and _replicated(ctx):
        # The role that replicates this region's buckets back to the primary (DR064). S3
        # checks that a destination bucket exists and this stack deploys before the
        # primary's, so the configuration is written from the attach stack in production
        # (services/reverse_replication.py) and by the runbook elsewhere.
        yield from sourced(_replication_role(ctx), "storage", "buckets")


def _replicated(ctx: StackContext) -> list[SpecBucket]:
    """Buckets the primary replicates (none when there is no secondary to replicate to)."""
    if not ctx.spec.regions.secondaries:
        return []
    return [b for b in ctx.spec.buckets if b.replicated]


def _bucket_resources(ctx: StackContext, bucket: SpecBucket) -> Iterator[AWSObject | Output]:
    logical_id = ids.bucket(bucket.name)
    replication = (
        {"ReplicationConfiguration": _replication_configuration(ctx, bucket)}
        if ctx.phase is Phase.PRIMARY and bucket in _replicated(ctx)
        else {}
    )
    yield Bucket(
        logical_id,
        BucketName=naming.cfn(naming.bucket_name(ctx.spec, bucket.name, ctx.region)),
        **protected_bucket(ctx),
        LifecycleConfiguration=LifecycleConfiguration(
            Rules=[
                LifecycleRule(
                    Id="expire-noncurrent-versions",
                    Status=ENABLED,
                    NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                        NoncurrentDays=bucket.noncurrent_version_expiration_days
                    ),
                    AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                        DaysAfterInitiation=ABORT_INCOMPLETE_UPLOADS_DAYS
                    ),
                )
            ]
        ),
        # PCI DSS 10.2: every request to the bucket is logged to the region's log bucket (DR085).
        LoggingConfiguration=access_logs.server_access_logging(bucket.name),
        **ctx.data_policies(blocks.s3.BUCKET),
        **replication,
    )
    yield tls_only(logical_id)
    yield Output(
        f"{logical_id}Name",
        Value=Ref(logical_id),
        Description=f"Bucket {bucket.name} in {ctx.region}",
    )


def protected_bucket(ctx: StackContext) -> dict[str, Any]:
    """What every bucket the compiler emits has: versioning, the region's customer key
    (DR080), Block Public Access on (DR083), object ownership enforced (no ACLs)."""
    return bucket_protection(ctx.key_arn)


def bucket_protection(key_arn: Any) -> dict[str, Any]:
    """protected_bucket with the customer key `key_arn` (the bootstrap's own key)."""
    return {
        "VersioningConfiguration": VersioningConfiguration(Status=ENABLED),
        "BucketEncryption": BucketEncryption(
            ServerSideEncryptionConfiguration=[
                ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                        SSEAlgorithm="aws:kms", KMSMasterKeyID=key_arn
                    ),
                    BucketKeyEnabled=True,
                )
            ]
        ),
        "PublicAccessBlockConfiguration": PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        "OwnershipControls": OwnershipControls(
            Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
    }


def tls_only(logical_id: str) -> BucketPolicy:
    """The bucket's policy: deny every request that does not arrive over TLS (DR082)."""
    return BucketPolicy(
        f"{logical_id}Policy",
        Bucket=Ref(logical_id),
        PolicyDocument=iam.deny_insecure_transport(
            "s3", [GetAtt(logical_id, "Arn"), Sub(f"${{{logical_id}.Arn}}/*")]
        ),
    )


def _replication_configuration(ctx: StackContext, bucket: SpecBucket) -> ReplicationConfiguration:
    return ReplicationConfiguration(
        Role=GetAtt(ids.REPLICATION_ROLE, "Arn"),
        Rules=[
            _replication_rule(ctx, bucket, region, priority)
            for priority, region in enumerate(ctx.spec.regions.secondaries, start=1)
        ],
    )


def _replication_rule(
    ctx: StackContext, bucket: SpecBucket, region: str, priority: int
) -> ReplicationConfigurationRules:
    # Replication metrics are on for every rule: the replication-failure alarm reads them, and
    # S3 allows them without RTC. The missed-threshold event exists only with RTC.
    rtc = (
        {
            "ReplicationTime": ReplicationTime(
                Status=ENABLED, Time=ReplicationTimeValue(Minutes=RTC_MINUTES)
            ),
            "Metrics": Metrics(
                Status=ENABLED, EventThreshold=ReplicationTimeValue(Minutes=RTC_MINUTES)
            ),
        }
        if bucket.rtc
        else {"Metrics": Metrics(Status=ENABLED)}
    )
    # With the reverse replication, metadata changes made to either copy reach the other;
    # replica modification sync must be on in both directions
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-for-metadata-changes.html).
    replica_sync = (
        {"ReplicaModifications": ReplicaModifications(Status=ENABLED)}
        if bucket in ctx.spec.reverse_replicated_buckets
        else {}
    )
    return ReplicationConfigurationRules(
        Id=ids.replication_rule(region),
        Priority=priority,
        Status=ENABLED,
        Filter=ReplicationRuleFilter(Prefix=""),
        DeleteMarkerReplication=DeleteMarkerReplication(Status=ENABLED),
        SourceSelectionCriteria=SourceSelectionCriteria(
            SseKmsEncryptedObjects=SseKmsEncryptedObjects(Status=ENABLED), **replica_sync
        ),
        Destination=ReplicationConfigurationRulesDestination(
            Bucket=bucket_arn(ctx.spec, bucket.name, region),
            # An alias ARN is accepted here; source and destination share one account, so
            # the alias resolves to the destination region's own key.
            EncryptionConfiguration=EncryptionConfiguration(
                ReplicaKmsKeyID=kms.key_alias_arn(ctx, region)
            ),
            **rtc,
        ),
    )


def replication_destinations(ctx: StackContext) -> tuple[str, ...]:
    """Where this region's buckets replicate: the primary's to every secondary; a
    secondary's back to the primary (compiled in production, by the runbook elsewhere)."""
    if ctx.phase is Phase.PRIMARY:
        return ctx.spec.regions.secondaries
    return (ctx.spec.regions.primary,)


def _replication_role(ctx: StackContext) -> list[AWSObject]:
    return iam.role_with_policy(
        ids.REPLICATION_ROLE,
        replication_statements(ctx),
        RoleName=ctx.name("replication", regional=True),
        Description=f"S3 replication of {ctx.spec.app} {ctx.spec.environment} buckets "
        f"from {ctx.region}",
        AssumeRolePolicyDocument=iam.service_trust("s3.amazonaws.com"),
    )


def replication_statements(ctx: StackContext) -> list[Statement]:
    """Exactly what S3 replication of SSE-KMS objects with Bucket Keys needs, and no more,
    from this region's buckets to `replication_destinations`.

    Bucket ARNs are computed, not referenced: the source bucket's replication configuration
    already references this role, so a reference back would be a cycle.
    """
    spec, source = ctx.spec, ctx.region
    names = [b.name for b in _replicated(ctx)]
    destinations = replication_destinations(ctx)
    statements = [
        iam.allow(
            "ReadSourceBuckets",
            REPLICATION_SOURCE_BUCKET_ACTIONS,
            [bucket_arn(spec, name, source) for name in names],
        ),
        iam.allow(
            "ReadSourceObjects",
            REPLICATION_SOURCE_OBJECT_ACTIONS,
            [bucket_arn(spec, name, source, objects=True) for name in names],
        ),
        iam.allow(
            "WriteReplicas",
            REPLICATION_DESTINATION_OBJECT_ACTIONS,
            [
                bucket_arn(spec, name, region, objects=True)
                for region in destinations
                for name in names
            ],
        ),
        iam.allow(
            "DecryptSourceObjects",
            REPLICATION_SOURCE_KEY_ACTIONS,
            [ctx.key_arn],
            Condition=_key_use_condition(spec, names, source),
        ),
    ]
    statements.extend(_destination_key_statement(ctx, names, region) for region in destinations)
    return statements


def _destination_key_statement(ctx: StackContext, names: list[str], region: str) -> Statement:
    """Use of a secondary's key, which this stack cannot reference by ARN.

    IAM matches KMS keys only by key ARN, never by alias ARN, and a key's id is random. So the
    resource is "any key of that region in this account", narrowed to the one key carrying
    the region's alias (kms:ResourceAliases), used by S3 in that region, for these buckets.
    """
    return iam.allow(
        f"EncryptReplicasIn{ids.pascal(region)}",
        REPLICATION_DESTINATION_KEY_ACTIONS,
        [naming.arn("kms", region, "key/*")],
        Condition=_key_use_condition(
            ctx.spec,
            names,
            region,
            ForAnyValueStringEquals("kms:ResourceAliases", [kms.key_alias(ctx, region)]),
        ),
    )


def _key_use_condition(spec: Spec, names: list[str], region: str, *extra: Any) -> Condition:
    """KMS use only through S3 in `region`, only for these buckets.

    With an S3 Bucket Key the encryption context is the bucket ARN; an object written with
    the Bucket Key turned off per request carries its object ARN, hence both patterns.
    """
    contexts = [
        arn
        for name in names
        for arn in (bucket_arn(spec, name, region), bucket_arn(spec, name, region, objects=True))
    ]
    return Condition(
        [
            iam.via_service("s3", region),
            StringLike("kms:EncryptionContext:aws:s3:arn", contexts),
            *extra,
        ]
    )
