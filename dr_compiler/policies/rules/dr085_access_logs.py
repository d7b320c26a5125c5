"""DR085: access logs for data buckets and load balancers, to a log bucket that keeps them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import AUDIT_LOG_DAYS, Spec
from dr_compiler.policies.cfn import as_list, referenced_ids, text_of
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Scanner,
    ScannerCheck,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

BUCKET = blocks.s3.BUCKET.type
LOAD_BALANCER = blocks.alb.LOAD_BALANCER.type


def _attributes(balancer: Mapping[str, Any]) -> dict[str, Any]:
    return {
        a.get("Key"): a.get("Value")
        for a in as_list(balancer.get("Properties", {}).get("LoadBalancerAttributes"))
    }


def _destinations(templates: TemplateSet) -> tuple[set[tuple[str, str]], set[str]]:
    """Log buckets named anywhere: (template file, logical id) by Ref, and names by text."""
    by_id: set[tuple[str, str]] = set()
    by_name: set[str] = set()

    def add(template: TemplateDoc, value: Any) -> None:
        by_id.update((template.file, i) for i in referenced_ids(value))
        if text_of(value):
            by_name.add(text_of(value) or "")

    for template, _, bucket in templates.all_resources(BUCKET):
        logging = bucket.get("Properties", {}).get("LoggingConfiguration") or {}
        add(template, logging.get("DestinationBucketName"))
    for template, _, balancer in templates.all_resources(LOAD_BALANCER):
        add(template, _attributes(balancer).get("access_logs.s3.bucket"))
    return by_id, by_name


def _log_bucket_problems(props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    if (props.get("VersioningConfiguration") or {}).get("Status") != "Enabled":
        yield "VersioningConfiguration", "is not versioned: a deleted log stays recoverable"
    if not (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration"):
        yield "BucketEncryption", "states no default encryption"
    rules = as_list((props.get("LifecycleConfiguration") or {}).get("Rules"))
    if not any(r.get("ExpirationInDays") for r in rules if r.get("Status") == "Enabled"):
        yield (
            "LifecycleConfiguration",
            "has no enabled lifecycle rule that expires logs (ExpirationInDays): logs are "
            "kept for a stated retention, not for ever",
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    by_id, by_name = _destinations(templates)
    for template, logical_id, bucket in templates.all_resources(BUCKET):
        props = bucket.get("Properties", {})
        is_log_bucket = (template.file, logical_id) in by_id or text_of(
            props.get("BucketName")
        ) in by_name
        if is_log_bucket:
            for prop, problem in _log_bucket_problems(props):
                yield resource_violation(
                    template, logical_id, f"log bucket {logical_id} {problem}", prop
                )
        elif not (props.get("LoggingConfiguration") or {}).get("DestinationBucketName"):
            yield resource_violation(
                template,
                logical_id,
                f"bucket {logical_id} has no server access logging (LoggingConfiguration): "
                "requests to its data leave no audit trail",
                "LoggingConfiguration",
            )
    for template, logical_id, balancer in templates.all_resources(LOAD_BALANCER):
        attributes = _attributes(balancer)
        if str(attributes.get("access_logs.s3.enabled")).lower() != "true" or not attributes.get(
            "access_logs.s3.bucket"
        ):
            yield resource_violation(
                template,
                logical_id,
                f"load balancer {logical_id} does not write access logs to a bucket "
                "(access_logs.s3.enabled and access_logs.s3.bucket)",
                "LoadBalancerAttributes",
            )


def _checks(resource_type: str, *checks: tuple[Scanner, str]) -> tuple[ScannerCheck, ...]:
    return tuple(ScannerCheck(scanner, check, resource_type) for scanner, check in checks)


AUDIT_RETENTION_DAYS = AUDIT_LOG_DAYS
"""PCI DSS v4.0 10.5.1: audit log history is retained for at least twelve months (the AWS
Control Tower rule CT.CLOUDWATCH.PR.2 asks log groups for a year too)."""


def check_spec(spec: Spec) -> Iterator[Violation]:
    """A production spec keeps a year of function, load balancer, bucket and flow logs."""
    if not spec.metadata.production:
        return
    kept = {
        ("monitoring", "log_retention_days"): spec.monitoring.log_retention_days,
        ("network", "flow_logs_retention_days"): spec.network.flow_logs_retention_days,
    }
    for path, days in kept.items():
        if days < AUDIT_RETENTION_DAYS:
            yield Violation(
                f"{'.'.join(path)} is {days} days: a production environment keeps "
                f"{AUDIT_RETENTION_DAYS} days of logs (PCI DSS 10.5.1); set it to "
                f"{AUDIT_RETENTION_DAYS} or more",
                ".".join(path),
                path=path,
            )


RULE = Rule(
    id="DR085",
    title="access logs for data buckets and load balancers, to a log bucket that keeps them",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "PCI DSS v4.0 requirement 10 asks for an audit trail of every access to cardholder "
        "data and of the system components around it, kept for a year. The documents bucket "
        "and its replicas hold payment documents: S3 server access logging records every "
        "request to them. The load balancer is the public entry of the payment API: its "
        "access logs record every request. Both go to the region's log bucket, which is "
        "versioned (a deleted log stays recoverable), encrypted, and expires logs after the "
        "spec's retention (`monitoring.log_retention_days`, a year in production)."
    ),
    remediation=(
        "Compile through dr_compiler: every region gets a log bucket (aws-waf-logs-...), "
        "each spec bucket a LoggingConfiguration to it and the load balancer the "
        "access_logs.s3.* attributes; in production set monitoring.log_retention_days and "
        "network.flow_logs_retention_days to 365 or more. In a hand-written template set "
        "them, and give the log bucket versioning, default encryption (SSE-S3: the only one "
        "load balancer logs support) and a lifecycle rule with ExpirationInDays."
    ),
    docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",
    bad_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties: {}   # no LoggingConfiguration\n"
    ),
    good_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    LoggingConfiguration:\n      DestinationBucketName: !Ref LogBucket\n"
        "      LogFilePrefix: s3/documents/\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    pci_dss=("10.2.1", "10.5.1"),
    tags=("storage", "logging"),
    scanner_checks=(
        *_checks(
            BUCKET,
            (Scanner.CHECKOV, "CKV_AWS_18"),
            (Scanner.GUARD, "s3_bucket_logging_enabled_check"),
            (Scanner.CDK_NAG, "AwsSolutions-S1"),
        ),
        *_checks(
            LOAD_BALANCER,
            (Scanner.CHECKOV, "CKV_AWS_91"),
            (Scanner.GUARD, "elbv2_logging_enabled_check"),
            (Scanner.CDK_NAG, "AwsSolutions-ELB2"),
        ),
    ),
)
