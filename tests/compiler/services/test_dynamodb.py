"""The DynamoDB builder: one global table per spec table, a protected replica per region."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from troposphere import AWSObject

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, Requires, Sourced, StackContext, StackId
from dr_compiler.compiler.services import dynamodb
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.model import Key, Regions, Spec

PRIMARY = "us-east-1"
TABLES = ("TransactionsTable", "FailoverEventsTable")


def tables(compiled: CompiledSpec, key: str) -> dict[str, dict[str, Any]]:
    return {
        k: v
        for k, v in compiled.stack(key).template["Resources"].items()
        if v["Type"].startswith("AWS::DynamoDB::")
    }


def replicas(compiled: CompiledSpec, table: str) -> dict[str, dict[str, Any]]:
    properties = tables(compiled, PRIMARY)[table]["Properties"]
    return {r["Region"]: r for r in properties["Replicas"]}


def alias_arn(env: str) -> dict[str, str]:
    """The us-west-2 key's alias ARN, as kms.py names the alias."""
    prefix = "arn:${AWS::Partition}:kms:us-west-2:${AWS::AccountId}"
    return {"Fn::Sub": f"{prefix}:alias/payments-us-west-2-{env}"}


def primary_build(spec: Spec) -> list[Any]:
    ctx = StackContext(spec, StackId(Phase.PRIMARY, spec.regions.primary))
    return [i.item if isinstance(i, Sourced) else i for i in dynamodb.build(ctx)]


def table_dict(spec: Spec, logical_id: str) -> dict[str, Any]:
    return next(
        o.to_dict()
        for o in primary_build(spec)
        if isinstance(o, AWSObject) and o.title == logical_id
    )


def test_primary_has_one_global_table_per_spec_table_and_no_other_stack_has_any(
    compiled_prod: CompiledSpec,
) -> None:
    primary = tables(compiled_prod, PRIMARY)
    assert sorted(primary) == sorted(TABLES)
    assert {t["Type"] for t in primary.values()} == {"AWS::DynamoDB::GlobalTable"}
    names = {k: t["Properties"]["TableName"] for k, t in primary.items()}
    assert names == {
        "TransactionsTable": "payments-transactions-prod",
        "FailoverEventsTable": "payments-failover-events-prod",
    }
    for key in ("us-west-2-base", "us-west-2-attach", "global"):
        assert tables(compiled_prod, key) == {}


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
@pytest.mark.parametrize("table", TABLES)
def test_each_replica_has_pitr_and_its_own_region_key(
    request: pytest.FixtureRequest, fixture: str, table: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    by_region = replicas(compiled, table)
    assert list(by_region) == ["us-east-1", "us-west-2"]
    for replica in by_region.values():
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert by_region["us-east-1"]["SSESpecification"] == {
        "KMSMasterKeyId": {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
    }
    assert by_region["us-west-2"]["SSESpecification"] == {
        "KMSMasterKeyId": alias_arn(compiled.spec.environment)
    }
    properties = tables(compiled, PRIMARY)[table]["Properties"]
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}


def test_replica_key_alias_is_the_one_the_secondary_base_stack_creates(
    compiled_prod: CompiledSpec,
) -> None:
    alias = compiled_prod.stack("us-west-2-base").template["Resources"][ids.KMS_ALIAS]
    west = replicas(compiled_prod, "TransactionsTable")["us-west-2"]
    assert west["SSESpecification"]["KMSMasterKeyId"]["Fn::Sub"].endswith(
        ":" + alias["Properties"]["AliasName"]
    )
    assert StackId(Phase.BASE, "us-west-2") in {
        r.source for r in compiled_prod.stack(PRIMARY).requires
    }
    assert compiled_prod.stack(PRIMARY).wave > compiled_prod.stack("us-west-2-base").wave


@pytest.mark.parametrize(
    ("fixture", "policies", "protected"),
    [
        ("compiled_prod", ("RetainExceptOnCreate", "Retain"), True),
        ("compiled_dev", ("Delete", "Delete"), False),
    ],
)
def test_tables_are_retained_and_protected_only_when_data_is_retained(
    request: pytest.FixtureRequest, fixture: str, policies: tuple[str, str], protected: bool
) -> None:
    compiled = request.getfixturevalue(fixture)
    for name, table in tables(compiled, PRIMARY).items():
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == policies
        assert {r["DeletionProtectionEnabled"] for r in replicas(compiled, name).values()} == {
            protected
        }


def test_every_replica_carries_the_spec_tags(compiled_prod: CompiledSpec) -> None:
    expected = [
        {"Key": "CostCenter", "Value": "Operations"},
        {"Key": "Criticality", "Value": "High"},
        {"Key": "Environment", "Value": "prod"},
        {"Key": "Owner", "Value": "payments-platform"},
    ]
    for name in TABLES:
        for replica in replicas(compiled_prod, name).values():
            assert replica["Tags"] == expected
        assert "Tags" not in tables(compiled_prod, PRIMARY)[name]["Properties"]


def test_table_keys_billing_and_streams(compiled_prod: CompiledSpec) -> None:
    properties = tables(compiled_prod, PRIMARY)["TransactionsTable"]["Properties"]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "transaction_id", "AttributeType": "S"}
    ]
    assert properties["KeySchema"] == [{"AttributeName": "transaction_id", "KeyType": "HASH"}]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert "MultiRegionConsistency" not in properties


def test_sort_key_becomes_the_range_key(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    table = dataclasses.replace(spec.tables[0], sort_key=Key("created_at", "N"))
    properties = table_dict(dataclasses.replace(spec, tables=(table,)), "TransactionsTable")[
        "Properties"
    ]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "transaction_id", "AttributeType": "S"},
        {"AttributeName": "created_at", "AttributeType": "N"},
    ]
    assert properties["KeySchema"] == [
        {"AttributeName": "transaction_id", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]


def test_strong_consistency_sets_multi_region_strong_mode_across_three_regions(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    table = dataclasses.replace(spec.tables[0], consistency="strong")
    spec = dataclasses.replace(
        spec,
        tables=(table, spec.tables[1]),
        regions=Regions("us-east-1", ("us-west-2", "us-east-2")),
    )
    strong = table_dict(spec, "TransactionsTable")["Properties"]
    assert strong["MultiRegionConsistency"] == "STRONG"
    assert [r["Region"] for r in strong["Replicas"]] == ["us-east-1", "us-west-2", "us-east-2"]
    assert "MultiRegionConsistency" not in table_dict(spec, "FailoverEventsTable")["Properties"]
    required = [r.source.key for r in primary_build(spec) if isinstance(r, Requires)]
    assert required == ["us-west-2-base", "us-east-2-base"]


def test_no_tables_means_no_resources_and_no_ordering(compiled_prod: CompiledSpec) -> None:
    assert primary_build(dataclasses.replace(compiled_prod.spec, tables=())) == []


def test_primary_outputs_each_table_name_and_arn(compiled_prod: CompiledSpec) -> None:
    outputs = compiled_prod.stack(PRIMARY).template["Outputs"]
    for table in TABLES:
        assert outputs[f"{table}Name"]["Value"] == {"Ref": table}
        assert outputs[f"{table}Arn"]["Value"] == {"Fn::GetAtt": [table, "Arn"]}
