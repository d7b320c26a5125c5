"""The backup builder: every data store selected, each recovery point copied to secondaries."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from troposphere import AWSObject

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, Requires, Sourced, StackContext, StackId
from dr_compiler.compiler.services import backup
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.model import Regions, Spec

PRIMARY = "us-east-1"
BASE = "us-west-2-base"


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def rule(compiled: CompiledSpec) -> dict[str, Any]:
    plan = resources(compiled, PRIMARY)[ids.BACKUP_PLAN]["Properties"]["BackupPlan"]
    (only,) = plan["BackupPlanRule"]
    return only


def primary_build(spec: Spec) -> list[Any]:
    ctx = StackContext(spec, StackId(Phase.PRIMARY, spec.regions.primary))
    return [i.item if isinstance(i, Sourced) else i for i in backup.build(ctx)]


def plan_rule(spec: Spec) -> dict[str, Any]:
    plan = next(
        o for o in primary_build(spec) if isinstance(o, AWSObject) and o.title == ids.BACKUP_PLAN
    )
    return plan.to_dict()["Properties"]["BackupPlan"]["BackupPlanRule"][0]


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_primary_and_each_base_have_a_vault_encrypted_with_the_region_key(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    for key, region in ((PRIMARY, "us-east-1"), (BASE, "us-west-2")):
        vault = resources(compiled, key)[ids.BACKUP_VAULT]
        assert vault["Type"] == "AWS::Backup::BackupVault"
        assert vault["Properties"]["BackupVaultName"] == f"payments-vault-{region}-{env}"
        assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
        assert compiled.stack(key).template["Outputs"][backup.VAULT_OUTPUT]["Value"] == {
            "Fn::GetAtt": [ids.BACKUP_VAULT, "BackupVaultArn"]
        }
    kinds = {r["Type"] for r in resources(compiled, "global").values()}
    assert not {k for k in kinds if k.startswith("AWS::Backup::")}
    # The secondary's plan and selection, without a vault of its own (the base stack's).
    kinds = {r["Type"] for r in resources(compiled, "us-west-2-attach").values()}
    assert {k for k in kinds if k.startswith("AWS::Backup::")} == {
        "AWS::Backup::BackupPlan",
        "AWS::Backup::BackupSelection",
    }


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_each_secondary_backs_up_its_own_data_stores_back_to_the_other_regions(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    attach = resources(compiled, "us-west-2-attach")
    chosen = attach[backup.BACKUP_SELECTION]["Properties"]["BackupSelection"]
    assert chosen["Resources"] == [
        {"Fn::GetAtt": [ids.DB_CLUSTER, "DBClusterArn"]},
        *(
            {
                "Fn::Sub": "arn:${AWS::Partition}:dynamodb:us-west-2:${AWS::AccountId}:"
                f"table/payments-{t.name}-{env}"
            }
            for t in compiled.spec.tables
        ),
        *(
            {
                "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::payments-{b.name}-${{AWS::AccountId}}"
                f"-us-west-2-{env}"
            }
            for b in compiled.spec.buckets
        ),
        # The access log bucket: audit logs backed up (PCI DSS 10.3.3).
        {
            "Fn::Sub": "arn:${AWS::Partition}:s3:::aws-waf-logs-payments-"
            f"${{AWS::AccountId}}-us-west-2-{env}"
        },
    ]
    (scheduled,) = attach[ids.BACKUP_PLAN]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert scheduled["TargetBackupVault"] == f"payments-vault-us-west-2-{env}"
    assert [c["DestinationBackupVaultArn"] for c in scheduled["CopyActions"]] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:backup:us-east-1:${AWS::AccountId}:"
            f"backup-vault:payments-vault-us-east-1-{env}"
        }
    ]


@pytest.mark.parametrize(
    ("fixture", "policies"),
    [("compiled_prod", ("RetainExceptOnCreate", "Retain")), ("compiled_dev", ("Delete", "Delete"))],
)
def test_vaults_are_retained_only_when_data_is_retained(
    request: pytest.FixtureRequest, fixture: str, policies: tuple[str, str]
) -> None:
    compiled = request.getfixturevalue(fixture)
    for key in (PRIMARY, BASE):
        vault = resources(compiled, key)[ids.BACKUP_VAULT]
        assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == policies


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_selection_covers_exactly_the_cluster_every_table_and_every_bucket(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    primary = resources(compiled, PRIMARY)
    selection = primary[backup.BACKUP_SELECTION]["Properties"]
    assert selection["BackupPlanId"] == {"Ref": ids.BACKUP_PLAN}
    chosen = selection["BackupSelection"]
    assert chosen["IamRoleArn"] == {"Fn::GetAtt": [ids.BACKUP_ROLE, "Arn"]}
    bucket_names = [
        primary[ids.bucket(b.name)]["Properties"]["BucketName"]["Fn::Sub"]
        for b in compiled.spec.buckets
    ]
    assert chosen["Resources"] == [
        {"Fn::GetAtt": [ids.DB_CLUSTER, "DBClusterArn"]},
        *({"Fn::GetAtt": [ids.table(t.name), "Arn"]} for t in compiled.spec.tables),
        *({"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{name}"} for name in bucket_names),
        {
            "Fn::Sub": "arn:${AWS::Partition}:s3:::"
            + primary[ids.LOG_BUCKET]["Properties"]["BucketName"]["Fn::Sub"]
        },
    ]
    assert primary[ids.DB_CLUSTER]["Type"] == "AWS::RDS::DBCluster"
    assert {primary[ids.table(t.name)]["Type"] for t in compiled.spec.tables} == {
        "AWS::DynamoDB::GlobalTable"
    }
    assert len(chosen["Resources"]) == 2 + len(compiled.spec.tables) + len(compiled.spec.buckets)


def test_copy_actions_target_each_secondary_vault(compiled_prod: CompiledSpec) -> None:
    base_vault = resources(compiled_prod, BASE)[ids.BACKUP_VAULT]["Properties"]["BackupVaultName"]
    assert rule(compiled_prod)["CopyActions"] == [
        {
            "DestinationBackupVaultArn": {
                "Fn::Sub": "arn:${AWS::Partition}:backup:us-west-2:${AWS::AccountId}:"
                f"backup-vault:{base_vault}"
            },
            "Lifecycle": {"DeleteAfterDays": 35},
        }
    ]
    assert StackId(Phase.BASE, "us-west-2") in {
        r.source for r in compiled_prod.stack(PRIMARY).requires
    }


@pytest.mark.parametrize(("fixture", "days"), [("compiled_prod", 35), ("compiled_dev", 7)])
def test_rule_backs_up_to_the_primary_vault_on_the_spec_schedule(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    compiled = request.getfixturevalue(fixture)
    scheduled = rule(compiled)
    assert scheduled["ScheduleExpression"] == "cron(0 * * * ? *)"
    assert scheduled["TargetBackupVault"] == {"Ref": ids.BACKUP_VAULT}
    assert scheduled["Lifecycle"] == {"DeleteAfterDays": days}
    assert scheduled["StartWindowMinutes"] == 60
    assert {a["Lifecycle"]["DeleteAfterDays"] for a in scheduled["CopyActions"]} == {days}


def test_role_trusts_aws_backup_with_the_backup_restore_and_s3_managed_policies(
    compiled_prod: CompiledSpec,
) -> None:
    role = resources(compiled_prod, PRIMARY)[ids.BACKUP_ROLE]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }
    ]
    assert [p["Fn::Sub"] for p in role["ManagedPolicyArns"]] == [
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        "arn:${AWS::Partition}:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:${AWS::Partition}:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
    ]
    assert "Policies" not in role
    assert role["RoleName"] == "payments-backup-us-east-1-prod"


def test_base_stacks_have_only_the_vault(compiled_prod: CompiledSpec) -> None:
    base = resources(compiled_prod, BASE)
    for logical_id in (ids.BACKUP_ROLE, ids.BACKUP_PLAN, backup.BACKUP_SELECTION):
        assert logical_id not in base


def test_copying_disabled_means_no_copy_actions_and_no_ordering(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    spec = dataclasses.replace(
        spec, backup=dataclasses.replace(spec.backup, copy_to_secondaries=False)
    )
    assert "CopyActions" not in plan_rule(spec)
    assert not [r for r in primary_build(spec) if isinstance(r, Requires)]


def test_every_secondary_receives_a_copy(compiled_prod: CompiledSpec) -> None:
    spec = dataclasses.replace(
        compiled_prod.spec, regions=Regions("us-east-1", ("us-west-2", "us-east-2"))
    )
    arns = [a["DestinationBackupVaultArn"]["Fn::Sub"] for a in plan_rule(spec)["CopyActions"]]
    assert arns == [
        "arn:${AWS::Partition}:backup:us-west-2:${AWS::AccountId}:backup-vault:payments-vault-us-west-2-prod",
        "arn:${AWS::Partition}:backup:us-east-2:${AWS::AccountId}:backup-vault:payments-vault-us-east-2-prod",
    ]
    required = [r.source.key for r in primary_build(spec) if isinstance(r, Requires)]
    assert required == ["us-west-2-base", "us-east-2-base"]


def isolated(spec: Spec, vault: str) -> Spec:
    return dataclasses.replace(
        spec,
        backup=dataclasses.replace(
            spec.backup,
            isolated_account="555555555555",
            isolated_vault=vault,
            isolated_retention_days=90,
        ),
    )


def test_an_isolated_copy_goes_to_the_backup_account_in_the_plans_region(
    compiled_prod: CompiledSpec,
) -> None:
    copies = plan_rule(isolated(compiled_prod.spec, "locked"))["CopyActions"]
    assert copies[1:] == [
        {
            "DestinationBackupVaultArn": {
                "Fn::Sub": "arn:${AWS::Partition}:backup:us-east-1:555555555555:"
                "backup-vault:payments-isolated-us-east-1-prod"
            },
            "Lifecycle": {"DeleteAfterDays": 90},
        }
    ]


def test_the_backup_accounts_vault_is_air_gapped_or_locked_and_only_takes_copies_in(
    compiled_prod: CompiledSpec,
) -> None:
    air_gapped = backup.isolated_vault_template(
        isolated(compiled_prod.spec, "logically_air_gapped"), "us-east-1", date.today()
    )["Resources"]
    vault = air_gapped["IsolatedVault"]
    assert vault["Type"] == "AWS::Backup::LogicallyAirGappedBackupVault"
    assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == ("Retain", "Retain")
    properties = vault["Properties"]
    assert (properties["MinRetentionDays"], properties["MaxRetentionDays"]) == (90, 90)
    assert properties["EncryptionKeyArn"] == {"Fn::GetAtt": ["IsolatedVaultKey", "Arn"]}
    assert air_gapped["IsolatedVaultKey"]["Properties"]["EnableKeyRotation"] is True
    copy_in, deny = properties["AccessPolicy"]["Statement"]
    # Self-managed prod: exactly its target accounts may copy in.
    assert copy_in == {
        "Sid": "ProtectedAccountsCopyIn",
        "Effect": "Allow",
        "Principal": {"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:root"}]},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    assert deny["Effect"] == "Deny" and "backup:DeleteRecoveryPoint" in deny["Action"]

    locked = backup.isolated_vault_template(
        isolated(compiled_prod.spec, "locked"), "us-east-1", date.today()
    )
    vault = locked["Resources"]["IsolatedVault"]
    assert vault["Type"] == "AWS::Backup::BackupVault"
    assert vault["Properties"]["LockConfiguration"] == {
        "MinRetentionDays": 90,
        "MaxRetentionDays": 90,
        "ChangeableForDays": 3,
    }


def test_only_regions_with_a_backup_plan_get_an_isolated_vault(
    compiled_prod: CompiledSpec,
) -> None:
    templates = [(s.stack.region, s.template) for s in compiled_prod.stacks]
    assert backup.isolated_vault_regions(compiled_prod.spec, templates) == []
    spec = isolated(compiled_prod.spec, "locked")
    # Every region backs up its own stores after a failover (DR064), so each copies out too.
    assert backup.isolated_vault_regions(spec, templates) == ["us-east-1", "us-west-2"]
