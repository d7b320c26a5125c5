"""DR087: database credentials rotate."""

from __future__ import annotations

from collections.abc import Iterator

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


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        database_secrets = {
            secret
            for _, attachment in template.resources(ATTACHMENT)
            if attachment.get("Properties", {}).get("TargetType") in DATABASE_TARGETS
            for secret in referenced_ids(attachment.get("Properties", {}).get("SecretId"))
        }
        rotating = set()
        for _, schedule in template.resources(SCHEDULE):
            props = schedule.get("Properties", {})
            if props.get("RotationRules") and (
                props.get("HostedRotationLambda") or props.get("RotationLambdaARN")
            ):
                rotating |= referenced_ids(props.get("SecretId"))
        for logical_id, _ in template.resources(SECRET):
            if logical_id in database_secrets and logical_id not in rotating:
                yield resource_violation(
                    template,
                    logical_id,
                    f"database secret {logical_id} has no rotation schedule "
                    "(AWS::SecretsManager::RotationSchedule with a rotation function and "
                    "RotationRules): the password never changes",
                )


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
        "Attach an AWS::SecretsManager::RotationSchedule to the database secret with "
        "RotationRules and either HostedRotationLambda (Secrets Manager's own function, "
        "through the AWS::SecretsManager transform) or RotationLambdaARN. Until then, a spec "
        "waiver of DR087 records the exception with its reason and expiry."
    ),
    docs="https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_managed.html",
    bad_example=(
        "DatabaseSecretAttachment:\n  Type: AWS::SecretsManager::SecretTargetAttachment\n"
        "  Properties: {SecretId: !Ref DatabaseSecret, TargetType: AWS::RDS::DBCluster}\n"
        "# and no RotationSchedule for DatabaseSecret\n"
    ),
    good_example=(
        "DatabaseSecretRotation:\n  Type: AWS::SecretsManager::RotationSchedule\n"
        "  Properties:\n    SecretId: !Ref DatabaseSecret\n"
        "    HostedRotationLambda: {RotationType: PostgreSQLSingleUser}\n"
        "    RotationRules: {ScheduleExpression: rate(30 days)}\n"
    ),
    check_templates=check_templates,
    pci_dss=("8.3.9", "8.6.3"),
    tags=("database", "secrets"),
    scanner_checks=(ScannerCheck(Scanner.CDK_NAG, "AwsSolutions-SMG4", SECRET),),
)
