"""Access logs (DR085, PCI DSS v4.0 10.2): one log bucket per region, in the stack that owns
the region's network and key (primary, secondary base), receiving

- S3 server access logs of the region's data buckets (prefix `s3/<bucket>/`),
- the region's load balancer access logs (prefix `alb/`),
- the region's WAF web ACL logs (AWSLogs/, written by the log delivery service, DR086).

The bucket is versioned, fully blocked from public access, owner-enforced, TLS-only and
expires its logs after `monitoring.log_retention_days`. It is encrypted with SSE-S3, not the
region's customer key: "The only server-side encryption option that's supported is Amazon
S3-managed keys (SSE-S3)" for load balancer access logs
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html),
and S3 server access logging cannot deliver to a bucket with SSE-KMS default encryption
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
Its name starts with `aws-waf-logs-`, which WAF requires of a bucket it logs to
(https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    Principal,
    Statement,
    StringEquals,
)
from awacs.s3 import GetBucketAcl, PutObject
from troposphere import GetAtt, Output, Ref, Sub
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    LoggingConfiguration,
    NoncurrentVersionExpiration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import StackContext, sourced
from dr_compiler.model import Spec

LOG_BUCKET_OUTPUT = "LogBucketName"
LOG_BUCKET_POLICY = f"{ids.LOG_BUCKET}Policy"
LOG_BUCKET_EMPTIER = f"{ids.LOG_BUCKET}Emptier"
"""With force_destroy, the custom resource that empties the log bucket (bucket_emptier)."""
ALB_PREFIX = "alb"
NONCURRENT_LOG_DAYS = 7
ABORT_INCOMPLETE_UPLOADS_DAYS = 7
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
S3_LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com"
# WAF (like other vended logs) delivers through the CloudWatch Logs delivery service:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html#AWS-logs-infrastructure-S3
VENDED_LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"


def has_log_bucket(spec: Spec) -> bool:
    """Whether anything writes access logs: the load balancer and its web ACL (an API), or
    the data buckets' server access logging. A worker-only spec without buckets has none."""
    return spec.api is not None or bool(spec.buckets)


def build(ctx: StackContext) -> Iterator[Any]:
    if not ctx.in_regional_base or not has_log_bucket(ctx.spec):
        return
    yield from sourced([_log_bucket(ctx), _log_bucket_policy(ctx)], "monitoring")
    yield Output(
        LOG_BUCKET_OUTPUT,
        Value=Ref(ids.LOG_BUCKET),
        Description=f"Access log bucket of {ctx.region}",
    )


@cache
def elb_log_accounts() -> dict[str, str]:
    """Region -> the Elastic Load Balancing account that writes its access logs."""
    text = resources.files("dr_compiler").joinpath("data/elb_log_delivery_accounts.json")
    return dict(json.loads(text.read_text())["accounts"])


def server_access_logging(bucket: str) -> LoggingConfiguration:
    """The LoggingConfiguration of data bucket `bucket` (a spec bucket name)."""
    return LoggingConfiguration(
        DestinationBucketName=Ref(ids.LOG_BUCKET), LogFilePrefix=f"s3/{bucket}/"
    )


def load_balancer_attributes(ctx: StackContext) -> dict[str, Any]:
    """The access-log attributes of the region's load balancer: a Ref in the stack that holds
    the log bucket, else the computed name, so an attach stack needs nothing from its base
    stack's outputs."""
    bucket = (
        Ref(ids.LOG_BUCKET)
        if ctx.in_regional_base
        else naming.cfn(naming.log_bucket_name(ctx.spec, ctx.region))
    )
    return {
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": bucket,
        "access_logs.s3.prefix": ALB_PREFIX,
    }


def writers_wait_for(ctx: StackContext) -> list[str]:
    """What a resource writing logs into this stack's log bucket depends on: the bucket policy
    that lets it write, and with force_destroy the emptier, so that stack deletion removes
    the writer before the emptier empties the bucket."""
    return [LOG_BUCKET_POLICY, *([LOG_BUCKET_EMPTIER] if ctx.spec.force_destroy else [])]


def log_lifecycle(retention_days: int) -> LifecycleConfiguration:
    """Logs (and other audit records) expire after the spec's log retention; their old
    versions a week later, so versioning does not keep them forever."""
    return LifecycleConfiguration(
        Rules=[
            LifecycleRule(
                Id="expire-logs",
                Status="Enabled",
                ExpirationInDays=retention_days,
                NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                    NoncurrentDays=NONCURRENT_LOG_DAYS
                ),
                AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                    DaysAfterInitiation=ABORT_INCOMPLETE_UPLOADS_DAYS
                ),
            )
        ]
    )


def _log_bucket(ctx: StackContext) -> Bucket:
    retention = ctx.spec.monitoring.log_retention_days
    return Bucket(
        ids.LOG_BUCKET,
        BucketName=naming.cfn(naming.log_bucket_name(ctx.spec, ctx.region)),
        VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
        BucketEncryption=BucketEncryption(
            ServerSideEncryptionConfiguration=[
                ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                        SSEAlgorithm="AES256"
                    )
                )
            ]
        ),
        PublicAccessBlockConfiguration=PublicAccessBlockConfiguration(
            BlockPublicAcls=True,
            BlockPublicPolicy=True,
            IgnorePublicAcls=True,
            RestrictPublicBuckets=True,
        ),
        OwnershipControls=OwnershipControls(
            Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
        ),
        LifecycleConfiguration=log_lifecycle(retention),
        **ctx.data_policies(blocks.s3.BUCKET),
    )


def _log_bucket_policy(ctx: StackContext) -> BucketPolicy:
    bucket = GetAtt(ids.LOG_BUCKET, "Arn")
    account = Ref("AWS::AccountId")
    tls = iam.deny_insecure_transport("s3", [bucket, Sub(f"${{{ids.LOG_BUCKET}.Arn}}/*")])
    statements = [
        *tls.Statement,
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
        Statement(
            Sid="ServerAccessLogDelivery",
            Effect=Allow,
            Principal=Principal("Service", S3_LOG_DELIVERY_SERVICE),
            Action=[PutObject],
            Resource=[Sub(f"${{{ids.LOG_BUCKET}.Arn}}/s3/*")],
            Condition=Condition(
                [
                    StringEquals("aws:SourceAccount", account),
                    ArnLike(
                        "aws:SourceArn",
                        [naming.bucket_arn(ctx.spec, b.name, ctx.region) for b in ctx.spec.buckets],
                    ),
                ]
            ),
        ),
        _load_balancer_delivery(ctx),
        *_vended_log_delivery(ctx),
    ]
    return BucketPolicy(
        LOG_BUCKET_POLICY, Bucket=Ref(ids.LOG_BUCKET), PolicyDocument=iam.policy(statements)
    )


def _load_balancer_delivery(ctx: StackContext) -> Statement:
    """Elastic Load Balancing writes access logs as the region's ELB account in regions older
    than August 2022, as its log delivery service principal in newer ones (same page as the
    module docstring, "Step 2: Attach a policy to your S3 bucket")."""
    legacy = elb_log_accounts().get(ctx.region)
    principal = (
        Principal("AWS", Sub(f"arn:${{AWS::Partition}}:iam::{legacy}:root"))
        if legacy
        else Principal("Service", ELB_LOG_DELIVERY_SERVICE)
    )
    return Statement(
        Sid="LoadBalancerLogDelivery",
        Effect=Allow,
        Principal=principal,
        Action=[PutObject],
        Resource=[Sub(f"${{{ids.LOG_BUCKET}.Arn}}/{ALB_PREFIX}/AWSLogs/${{AWS::AccountId}}/*")],
    )


def _vended_log_delivery(ctx: StackContext) -> list[Statement]:
    """The log delivery service writes WAF logs under AWSLogs/<account>/, after checking the
    bucket's ACL; both scoped to this account's log deliveries in this region."""
    scoped = Condition(
        [
            StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
            ArnLike("aws:SourceArn", naming.arn("logs", ctx.region, "*")),
        ]
    )
    return [
        Statement(
            Sid="VendedLogDeliveryAclCheck",
            Effect=Allow,
            Principal=Principal("Service", VENDED_LOG_DELIVERY_SERVICE),
            Action=[GetBucketAcl],
            Resource=[GetAtt(ids.LOG_BUCKET, "Arn")],
            Condition=scoped,
        ),
        Statement(
            Sid="VendedLogDeliveryWrite",
            Effect=Allow,
            Principal=Principal("Service", VENDED_LOG_DELIVERY_SERVICE),
            Action=[PutObject],
            Resource=[Sub(f"${{{ids.LOG_BUCKET}.Arn}}/AWSLogs/${{AWS::AccountId}}/*")],
            Condition=Condition(
                [
                    StringEquals("s3:x-amz-acl", "bucket-owner-full-control"),
                    StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                    ArnLike("aws:SourceArn", naming.arn("logs", ctx.region, "*")),
                ]
            ),
        ),
    ]
