"""Small readers of CloudFormation JSON shared by the template-level rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler.policies.rule import TemplateDoc


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(value: Any) -> str | None:
    """A plain string, or the template string of an `Fn::Sub`; None for other intrinsics."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return None


def referenced_ids(value: Any) -> set[str]:
    """Logical ids that `value` reaches through Ref, Fn::GetAtt or ${Id} inside Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = inner if isinstance(inner, str) else inner[0]
                found |= {part.split("}")[0].split(".")[0] for part in text.split("${")[1:]}
                if isinstance(inner, list) and len(inner) > 1:
                    found |= referenced_ids(inner[1])
            else:
                found |= referenced_ids(inner)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item)
    return found


def imported_names(value: Any) -> set[str]:
    """Export names read through Fn::ImportValue."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Fn::ImportValue":
                name = text_of(inner)
                if name:
                    found.add(name)
            else:
                found |= imported_names(inner)
    elif isinstance(value, list):
        for item in value:
            found |= imported_names(item)
    return found


def iam_statements(
    template: TemplateDoc,
) -> Iterator[tuple[str, tuple[str | int, ...], Mapping[str, Any]]]:
    """(logical id, property path, statement) of every identity-policy statement in a template:
    inline role policies, AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents."""
    for logical_id, resource in template.resources(
        "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"
    ):
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for p_index, policy in enumerate(props.get("Policies", [])):
                base: tuple[str | int, ...] = ("Policies", p_index, "PolicyDocument", "Statement")
                for s_index, statement in enumerate(as_list(policy["PolicyDocument"]["Statement"])):
                    yield logical_id, (*base, s_index), statement
        else:
            for s_index, statement in enumerate(as_list(props["PolicyDocument"]["Statement"])):
                yield logical_id, ("PolicyDocument", "Statement", s_index), statement


def physical_names(template: TemplateDoc) -> Iterator[tuple[str, str, str, str]]:
    """(logical id, resource type, property, name text) of every explicit physical name."""
    for logical_id, resource in template.resources():
        props = resource.get("Properties", {})
        for prop in NAME_PROPERTIES.get(resource["Type"], ()):
            text = text_of(props.get(prop))
            if text is not None:
                yield logical_id, resource["Type"], prop, text


# Resource type -> properties that hold a physical name the compiler chose.
NAME_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName",),
    "AWS::RDS::DBCluster": ("DBClusterIdentifier",),
    "AWS::RDS::GlobalCluster": ("GlobalClusterIdentifier",),
    "AWS::RDS::DBInstance": ("DBInstanceIdentifier",),
    "AWS::RDS::DBSubnetGroup": ("DBSubnetGroupName",),
    "AWS::DynamoDB::GlobalTable": ("TableName",),
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("Name",),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("Name",),
    "AWS::Backup::BackupVault": ("BackupVaultName",),
    "AWS::Backup::BackupPlan": (),
    "AWS::Events::Rule": ("Name",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::CloudWatch::Dashboard": ("DashboardName",),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
}
