"""DR087: database credentials rotate."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import referenced_ids
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Scanner,
    ScannerCheck,
    Severity,
    TemplateSet,
    Violation,
    resource_violation,
)

SECRET = blocks.aurora.SECRET.type
ATTACHMENT = blocks.aurora.SECRET_TARGET_ATTACHMENT.type
SCHEDULE = blocks.aurora.ROTATION_SCHEDULE.type
DATABASE_TARGETS = (blocks.aurora.DB_CLUSTER.type, blocks.aurora.DB_INSTANCE.type)
# HostedRotationLambda: "You must specify Transform: AWS::SecretsManager-2024-09-16 at the
# beginning of the CloudFormation template" (the 2020-07-23 version is still accepted),
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-rotationschedule-hostedrotationlambda.html
HOSTED_TRANSFORM = "AWS::SecretsManager-"
# PCI DSS v4.0 8.3.9: passwords that are the only factor change at least once every 90 days.
MAX_ROTATION_DAYS = 90
UNSCHEDULED = (
    "has no rotation schedule (AWS::SecretsManager::RotationSchedule with a rotation "
    "function and RotationRules): the password never changes"
)
_RATE_IN_DAYS = re.compile(r"rate\((\d+) days?\)")


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        database_secrets = {
            secret
            for _, attachment in template.resources(ATTACHMENT)
            if attachment.get("Properties", {}).get("TargetType") in DATABASE_TARGETS
            for secret in referenced_ids(attachment.get("Properties", {}).get("SecretId"))
        }
        problems: dict[str, list[str]] = {secret: [] for secret in database_secrets}
        for _, schedule in template.resources(SCHEDULE):
            props = schedule.get("Properties", {})
            for secret in referenced_ids(props.get("SecretId")) & database_secrets:
                problems[secret].append(_schedule_problem(template.body, props) or "")
        for logical_id, _ in template.resources(SECRET):
            if logical_id not in database_secrets or "" in problems[logical_id]:
                continue
            found = problems[logical_id]
            yield resource_violation(
                template,
                logical_id,
                f"database secret {logical_id} {found[0] if found else UNSCHEDULED}",
            )


def _schedule_problem(body: Mapping[str, Any], props: Mapping[str, Any]) -> str | None:
    """Why a rotation schedule of the secret does not rotate it as asked, or None."""
    hosted = props.get("HostedRotationLambda")
    rules = props.get("RotationRules")
    if not rules or not (hosted or props.get("RotationLambdaARN")):
        return (
            "has a rotation schedule without a rotation function or RotationRules: the "
            "password never changes"
        )
    transforms = body.get("Transform", [])
    transforms = [transforms] if isinstance(transforms, str) else transforms
    if hosted and not any(str(t).startswith(HOSTED_TRANSFORM) for t in transforms):
        return (
            "has a HostedRotationLambda schedule in a template without Transform "
            "AWS::SecretsManager-2024-09-16: CloudFormation creates no rotation function"
        )
    days = _interval_days(rules)
    if days is not None and days > MAX_ROTATION_DAYS:
        return f"rotates every {days} days, past the {MAX_ROTATION_DAYS} days of PCI DSS 8.3.9"
    return None


def _interval_days(rules: Mapping[str, Any]) -> int | None:
    """Days between rotations, when the rules say so in days (a cron schedule is not read)."""
    if isinstance(rules.get("AutomaticallyAfterDays"), int):
        return int(rules["AutomaticallyAfterDays"])
    match = _RATE_IN_DAYS.fullmatch(str(rules.get("ScheduleExpression", "")).strip())
    return int(match[1]) if match else None


RULE = Rule(
    id="DR087",
    title="database credentials rotate",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "PCI DSS v4.0 8.3.9 and 8.6.3 ask that passwords of accounts, system accounts "
        "included, change periodically or when compromise is suspected. The Aurora master "
        "credentials live in a Secrets Manager secret replicated to every secondary; a "
        "rotation schedule changes the password in the database and the secret together, "
        "and the replicas follow the primary secret."
    ),
    remediation=(
        "Set database.rotation_days (1 to 90; production defaults to 30): the compiler "
        "attaches an AWS::SecretsManager::RotationSchedule with HostedRotationLambda "
        "(Secrets Manager's own function, through the template's Transform "
        "AWS::SecretsManager-2024-09-16) and RotationRules to the database secret. "
        "Service-managed StackSets cannot deploy that transform: there, a spec waiver of "
        "DR087 records the exception with its reason and expiry."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-secretsmanager.html",
    bad_example=(
        "DatabaseSecretAttachment:\n  Type: AWS::SecretsManager::SecretTargetAttachment\n"
        "  Properties: {SecretId: !Ref DatabaseSecret, TargetType: AWS::RDS::DBCluster}\n"
        "# and no RotationSchedule for DatabaseSecret, or one every 365 days\n"
    ),
    good_example=(
        "Transform: AWS::SecretsManager-2024-09-16\n"
        "DatabaseSecretRotation:\n  Type: AWS::SecretsManager::RotationSchedule\n"
        "  Properties:\n    SecretId: !Ref DatabaseSecret\n"
        "    HostedRotationLambda: {RotationType: PostgreSQLSingleUser}\n"
        "    RotationRules: {AutomaticallyAfterDays: 30}\n"
    ),
    check_templates=check_templates,
    pci_dss=("8.3.9", "8.6.3"),
    tags=("database", "secrets"),
    scanner_checks=(ScannerCheck(Scanner.CDK_NAG, "AwsSolutions-SMG4", SECRET),),
)
