"""DR068: a Region switch plan writes execution reports to a protected log bucket.

Every plan has a ReportConfiguration with an S3 output whose BucketPath (its bucket part)
names a bucket of the template set, and that bucket is encrypted with a KMS key, versioned,
blocks public access in all four settings and has a bucket policy in its template denying
requests without TLS (aws:SecureTransport false). Region switch then writes a report after
every execution: the events, the plan's configuration and the alarm states
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-arcregionswitch-plan-reportconfiguration.html).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, is_true, text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_names import name_text
from dr_compiler.policies.cfn_plans import plans, report_bucket_path
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

PUBLIC_ACCESS_SETTINGS = (
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
)


def _bucket(templates: TemplateSet, path: Any) -> tuple[TemplateDoc, str] | None:
    wanted = (text_of(path) or "").removeprefix("s3://").split("/")[0]
    for template, logical_id, resource in templates.all_resources(blocks.s3.BUCKET.type):
        if wanted and name_text(resource.get("Properties", {}).get("BucketName")) == wanted:
            return template, logical_id
    return None


def _denies_plain_http(template: TemplateDoc, bucket_id: str) -> bool:
    for _, resource in template.resources(blocks.s3.BUCKET_POLICY.type):
        props = resource.get("Properties", {})
        if local_target(template, props.get("Bucket")) != bucket_id:
            continue
        for statement in as_list((props.get("PolicyDocument") or {}).get("Statement")):
            condition = (statement.get("Condition") or {}).get("Bool") or {}
            if (
                statement.get("Effect") == "Deny"
                and str(condition.get("aws:SecureTransport")).lower() == "false"
            ):
                return True
    return False


def _bucket_problems(template: TemplateDoc, bucket_id: str) -> Iterator[str]:
    props: Mapping[str, Any] = template.properties(bucket_id)
    rules = as_list((props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration"))
    algorithms = {(r.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") for r in rules}
    if not algorithms & {"aws:kms", "aws:kms:dsse"}:
        yield "is not encrypted with a KMS key"
    if (props.get("VersioningConfiguration") or {}).get("Status") != "Enabled":
        yield "is not versioned"
    block = props.get("PublicAccessBlockConfiguration") or {}
    if not all(is_true(block.get(setting)) for setting in PUBLIC_ACCESS_SETTINGS):
        yield "does not block public access in all four settings"
    if not _denies_plain_http(template, bucket_id):
        yield "has no bucket policy denying requests without TLS"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, props in plans(templates):
        path = report_bucket_path(props)
        if path is None:
            yield resource_violation(
                template,
                logical_id,
                f"plan {logical_id} writes no execution reports: set ReportConfiguration "
                "with an S3 output",
                "ReportConfiguration",
            )
            continue
        found = _bucket(templates, path)
        if found is None:
            yield resource_violation(
                template,
                logical_id,
                f"plan {logical_id} reports to {text_of(path) or path}, which is no bucket of "
                "this build",
                "ReportConfiguration",
            )
            continue
        bucket_template, bucket_id = found
        for problem in _bucket_problems(bucket_template, bucket_id):
            yield resource_violation(
                bucket_template,
                bucket_id,
                f"report bucket {bucket_id} of plan {logical_id} {problem}",
            )


RULE = Rule(
    id="DR068",
    title="A Region switch plan writes execution reports to a protected log bucket",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "After a regional failover, auditors and the post-incident review ask what ran, in "
        "which order, who approved it and what the alarms said. Region switch writes exactly "
        "that as a report after each execution, but only when the plan names a report "
        "location. The reports describe the recovery of a payments system, so they belong "
        "in an encrypted, versioned bucket that refuses plain HTTP and public access."
    ),
    remediation=(
        "Compile with failover.orchestrator: region_switch: dr_compiler adds a report bucket "
        "(KMS, versioning, TLS-only policy, Block Public Access) in the base stack of the "
        "region the plan fails over to. In a hand-written template, set ReportConfiguration "
        "and protect its bucket the same way."
    ),
    docs="https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_reports.html",
    bad_example=(
        "RegionSwitchPlan:\n  Type: AWS::ARCRegionSwitch::Plan\n  Properties:\n"
        "    Name: payments-failover-prod   # no ReportConfiguration: no record of executions\n"
    ),
    good_example=(
        "ReportConfiguration:\n  ReportOutput:\n    - S3Configuration:\n"
        "        BucketOwner: !Ref AWS::AccountId\n"
        "        BucketPath: !Sub payments-plan-reports-${AWS::AccountId}-us-west-2-prod\n"
    ),
    check_templates=check_templates,
    pci_dss=("12.10.1",),
    tags=("failover", "logging"),
)
