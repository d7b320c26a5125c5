"""The building-block registry: fixed order, one definition per resource type, every type
real (cfn-lint's CloudFormation resource schemas), every compiled type described, and every
resource that holds data compiled with the policy its descriptor says."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import cfnlint
import pytest

from dr_compiler.blocks import (
    BACKUP_TARGETS,
    BLOCKS,
    DATA_STORES,
    NAME_PROPERTIES,
    RESOURCE_KINDS,
)
from dr_compiler.blocks.descriptor import Keeps, ResourceKind
from dr_compiler.model import Spec
from tests.test_templates_out import SHIPPED

REPO = Path(__file__).parents[2]
SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"


def provider_schema(resource_type: str) -> dict[str, Any]:
    """cfn-lint's copy of the CloudFormation registry schema of a type, as us-east-1 has it."""
    hashes = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
    return json.loads((SCHEMAS / "resources" / f"{hashes[resource_type]}.json").read_text())


def stack_templates() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(output folder, manifest, template) of every StackSet template under templates_out/."""
    found = []
    for manifest_file in sorted((REPO / "templates_out").glob("**/manifest.json")):
        manifest = json.loads(manifest_file.read_text())
        folder = manifest_file.parent.relative_to(REPO / "templates_out").as_posix()
        for stack_set in manifest["stack_sets"]:
            template = json.loads((manifest_file.parent / stack_set["template"]).read_text())
            found.append((folder, manifest, template))
    return found


def test_blocks_are_listed_in_a_fixed_order() -> None:
    assert [block.name for block in BLOCKS] == [
        "network",
        "VPC peering",
        "KMS key",
        "log group",
        "IAM",
        "Aurora global database",
        "DynamoDB table",
        "bucket",
        "queue",
        "topic",
        "function",
        "API load balancer",
        "web ACL",
        "DNS",
        "backup",
        "alarm",
        "dashboard",
        "Region switch plan",
        "bucket emptier",
        "StackSet",
    ]


def test_each_resource_type_is_described_once() -> None:
    described = [kind.type for block in BLOCKS for kind in block.resources]
    assert len(described) == len(set(described)) == len(RESOURCE_KINDS)


def test_every_aws_type_is_in_the_cloudformation_resource_schemas() -> None:
    """A typo in a type string fails here instead of silently matching nothing."""
    hashes = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
    custom = {t for t in RESOURCE_KINDS if not t.startswith("AWS::")}
    assert custom == {"Custom::BucketEmptier", "Custom::BucketReplication"}
    assert sorted(t for t in RESOURCE_KINDS if t not in hashes and t not in custom) == []


def test_name_and_arn_properties_are_in_the_schemas() -> None:
    for resource_type, names in NAME_PROPERTIES.items():
        properties = provider_schema(resource_type)["properties"]
        assert set(names) <= set(properties), resource_type
    for resource_type, target in BACKUP_TARGETS.items():
        schema = provider_schema(resource_type)
        assert f"/properties/{target.arn_attribute}" in schema["readOnlyProperties"]
        assert target.name_property in NAME_PROPERTIES[resource_type]


def test_the_data_stores_are_the_kinds_whose_loss_loses_data() -> None:
    assert {t: kind.kept_policy for t, kind in DATA_STORES.items()} == {
        "AWS::KMS::Key": "Retain",
        "AWS::Logs::LogGroup": "Retain",
        "AWS::RDS::DBCluster": "Snapshot",
        "AWS::SecretsManager::Secret": "Retain",
        "AWS::DynamoDB::GlobalTable": "Retain",
        "AWS::DynamoDB::Table": "Retain",
        "AWS::S3::Bucket": "Retain",
        "AWS::Backup::BackupVault": "Retain",
        "AWS::Backup::LogicallyAirGappedBackupVault": "Retain",
    }
    assert set(BACKUP_TARGETS) == {
        "AWS::RDS::DBCluster",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
    }


def test_collections_and_components_name_the_spec() -> None:
    fields = {field.name for field in dataclasses.fields(Spec)}
    schema = json.loads((REPO / "schemas" / "dr-spec.schema.json").read_text())
    components = set(schema["properties"]["objectives"]["properties"]["components"]["properties"])
    for block in BLOCKS:
        assert block.spec_collection is None or block.spec_collection in fields, block.name
        assert block.component is None or block.component in components, block.name


def test_every_compiled_resource_type_is_described() -> None:
    """A builder that emits a new type without a descriptor fails here."""
    folders = {folder for folder, _, _ in stack_templates()}
    assert folders == set(SHIPPED)
    compiled = {
        resource["Type"]
        for _, _, template in stack_templates()
        for resource in template["Resources"].values()
    }
    assert sorted(compiled - set(RESOURCE_KINDS)) == []


def expected_policies(kind: ResourceKind, keeps_data: bool) -> tuple[str, str]:
    if kind.keeps not in (Keeps.DATA, Keeps.SNAPSHOT, Keeps.MESSAGES) or not keeps_data:
        return ("Delete", "Delete")
    if kind.kept_policy == "Snapshot":
        return ("Snapshot", "Snapshot")
    return ("RetainExceptOnCreate", "Retain")


@pytest.mark.parametrize("folder", sorted(SHIPPED))
def test_compiled_resources_carry_their_kinds_policy(folder: str) -> None:
    """Kept: RetainExceptOnCreate then Retain (Snapshot on both for Aurora clusters) when the
    build keeps its data, Delete on both with force_destroy. Kinds holding nothing have no
    policy or Delete; nothing else is kept."""
    checked, astray = set(), set()
    for found_in, manifest, template in stack_templates():
        if found_in != folder:
            continue
        keeps_data = manifest["production"] or not manifest["force_destroy"]
        for logical_id, resource in template["Resources"].items():
            kind = RESOURCE_KINDS[resource["Type"]]
            policies = (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
            expected = expected_policies(kind, keeps_data)
            if kind.keeps in (Keeps.NOTHING, Keeps.MEMBERS):
                assert policies in ((None, None), expected), (folder, logical_id)
                continue
            checked.add(kind.type)
            if policies != expected:
                astray.add(logical_id)
    assert {"AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup"} <= checked
    assert astray == set()
