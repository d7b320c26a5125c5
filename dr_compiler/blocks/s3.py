"""S3 buckets: the spec's buckets and their replicas, log buckets, report buckets."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import BackupTarget, Block, CloudWatchMetric, Keeps, ResourceKind

BUCKET = ResourceKind(
    "AWS::S3::Bucket",
    "bucket",
    name_properties=("BucketName",),
    keeps=Keeps.DATA,
    # S3 bucket ARN: arn:aws:s3:::name, no region or account
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
    backup=BackupTarget("Arn", "BucketName", "s3", "{}"),
)
BUCKET_POLICY = ResourceKind("AWS::S3::BucketPolicy", "bucket policy")
REVERSE_REPLICATION = ResourceKind("Custom::BucketReplication", "reverse bucket replication")
"""A secondary's bucket replicating back to the primary's, written by a function from the
secondary's attach stack (compiler/services/reverse_replication.py)."""

# Replication metrics, published per replication rule with exactly these dimensions
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html#s3-cloudwatch-replication-metrics).
REPLICATION_DIMENSIONS = ("SourceBucket", "DestinationBucket", "RuleId")
REPLICATION_FAILURES = CloudWatchMetric(
    "AWS/S3", "OperationsFailedReplication", REPLICATION_DIMENSIONS
)
REPLICATION_LATENCY = CloudWatchMetric("AWS/S3", "ReplicationLatency", REPLICATION_DIMENSIONS)

BLOCK = Block(
    "bucket",
    (BUCKET, BUCKET_POLICY, REVERSE_REPLICATION),
    spec_collection="buckets",
    component="buckets",
)
