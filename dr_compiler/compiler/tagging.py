"""Tags on every taggable resource: Environment, CostCenter, Criticality and the spec's own."""

from __future__ import annotations

from collections.abc import Mapping

from troposphere import AWSObject, Tags

from dr_compiler import blocks
from dr_compiler.model import Spec

# Resource types whose tags are a plain key-value map rather than a list of Key/Value.
_MAP_TAG_PROPERTIES = {
    blocks.backup.BACKUP_VAULT.type: "BackupVaultTags",
    blocks.backup.BACKUP_PLAN.type: "BackupPlanTags",
    "AWS::SSM::Parameter": "Tags",
    # cfn-lint's provider schema: Tags is an object of key -> value (200 at most).
    blocks.region_switch.PLAN.type: "Tags",
}
# Resource types whose tags live under another list-valued property name.
_LIST_TAG_PROPERTIES = {
    blocks.route53.HOSTED_ZONE.type: "HostedZoneTags",
    blocks.route53.HEALTH_CHECK.type: "HealthCheckTags",
}


def spec_tags(spec: Spec) -> dict[str, str]:
    """Environment comes from metadata; CostCenter and Criticality are required spec tags."""
    return {**spec.metadata.tags, "Environment": spec.environment}


def sorted_tags(tags: Mapping[str, str]) -> Tags:
    """A Key/Value tag list in key order, so templates do not depend on insertion order."""
    return Tags(**{key: tags[key] for key in sorted(tags)})


def apply_tags(resource: AWSObject, spec: Spec) -> None:
    """Set the spec's tags on `resource` if its type is taggable; builder tags win on conflict."""
    wanted = spec_tags(spec)
    kind = resource.resource_type
    if kind in _MAP_TAG_PROPERTIES:
        prop = _MAP_TAG_PROPERTIES[kind]
        existing = resource.properties.get(prop, {})
        resource.properties[prop] = {**wanted, **existing}
        return
    prop = _LIST_TAG_PROPERTIES.get(kind, "Tags")
    if prop not in resource.props or kind == blocks.dynamodb.GLOBAL_TABLE.type:
        return
    existing = resource.properties.get(prop)
    own = {t["Key"]: t["Value"] for t in existing.to_dict()} if isinstance(existing, Tags) else {}
    merged = {**wanted, **own}
    if kind in _LIST_TAG_PROPERTIES:
        resource.properties[prop] = [{"Key": k, "Value": merged[k]} for k in sorted(merged)]
    else:
        resource.properties[prop] = sorted_tags(merged)
