"""AWS Backup: every data store of the primary region, copied to each secondary (DR043), and
the same from every secondary, so backups keep running after a failover (DR064).

PRIMARY and each secondary BASE get a vault encrypted with the region's key; BASE deploys
before the primary, so copy destinations exist when the plan is created. PRIMARY also gets the
backup role, a plan with one scheduled rule (copying each recovery point to every secondary's
vault, by its computable ARN, when `copy_to_secondaries`) and one selection naming every data
store: the Aurora primary cluster, each global table's primary replica and each bucket.

Each secondary's ATTACH stack (after its cluster exists and after the primary's vault) gets
the same role, plan and selection for its own region: its cluster, its table replicas and its
replica buckets, copied to the other regions. Before a failover these are extra recovery
points of replicas; after one they are the backups of the new primary, with nothing to do by
hand, and copies flow back to the old primary's vault once that region is reachable again.

Operational facts (AWS Backup developer guide):
- A vault that still holds recovery points cannot be deleted, so a `force_destroy` stack whose
  vault has recovery points fails to delete until they are removed (they expire after
  `retention_days`, or are deleted through the API first).
- Resources selected by ARN are backed up whatever the Region's service opt-in says, but a
  cross-Region copy of a DynamoDB backup needs AWS Backup's advanced DynamoDB features turned
  on for the account (UpdateRegionSettings ResourceTypeManagementPreference DynamoDB=true);
  CloudFormation has no resource for that setting.
- S3 backups need versioning on the bucket; the role needs the S3 managed policies, which are
  not under service-role/ unlike the general backup and restore policies.

Isolated copies (backup.isolated_copy): every rule also copies its recovery point to a vault
of a backup account in the same region, and `isolated_vault_template` is that account's
template, deployed with that account's own credentials (`dr-compiler bootstrap
--backup-vault`) so that no deployment role of the protected accounts can reach it. AWS facts:
- AWS Backup copies recovery points to other accounts of the organization for Aurora, DynamoDB
  (with advanced DynamoDB backup, see above) and S3; for Aurora and RDS it automates a
  cross-account or a cross-Region copy, not both in one sequence, so the isolated copy stays
  in the recovery point's region (https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html).
- cross-account copy must be turned on in the organization's management account (AWS Backup
  settings, cross-account backup), and the destination vault's access policy must allow
  backup:CopyIntoBackupVault from the source accounts
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
- a logically air-gapped vault is locked in compliance mode and keeps its backups in an AWS
  Backup service account; which resource types it accepts is listed per resource in
  https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html#features-by-resource
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html). A
  locked vault is a standard vault whose Vault Lock becomes immutable (compliance mode) after
  ChangeableForDays, at least 3 (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from troposphere import AWSHelperFn, AWSObject, GetAtt, Output, Ref, Template
from troposphere.backup import (
    BackupPlan,
    BackupPlanResourceType,
    BackupRuleResourceType,
    BackupSelection,
    BackupSelectionResourceType,
    BackupVault,
    CopyActionResourceType,
    LifecycleResourceType,
    LockConfigurationType,
    LogicallyAirGappedBackupVault,
)
from troposphere.iam import Role
from troposphere.kms import Key

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import Phase, Requires, Sourced, StackContext, StackId, sourced
from dr_compiler.compiler.naming import (
    arn,
    backup_vault_name,
    bucket_arn,
    isolated_vault_arn,
    isolated_vault_name,
    log_bucket_arn,
    table_name,
)
from dr_compiler.compiler.services import access_logs
from dr_compiler.compiler.suppressions import suppressions, write_metadata
from dr_compiler.compiler.tagging import apply_tags, spec_tags
from dr_compiler.model import Bucket, Database, Spec, Table

BACKUP_SELECTION = "BackupSelection"
VAULT_OUTPUT = "BackupVaultArn"
PLAN_OUTPUT = "BackupPlanId"

MANAGED_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
)
# The job must start within an hour of its schedule (60 is AWS Backup's minimum), so the
# achieved RPO stays the schedule's period instead of the default 8-hour start window.
START_WINDOW_MINUTES = 60
_SPEC_PATH = ("backup",)


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Requires | Sourced]:
    if ctx.in_regional_base:
        yield from sourced([_vault(ctx)], *_SPEC_PATH)
        yield Output(VAULT_OUTPUT, Value=GetAtt(ids.BACKUP_VAULT, "BackupVaultArn"))
    if ctx.in_regional_workload:
        yield from _plan_resources(ctx)


def _vault(ctx: StackContext) -> BackupVault:
    return BackupVault(
        ids.BACKUP_VAULT,
        BackupVaultName=backup_vault_name(ctx.spec, ctx.region),
        EncryptionKeyArn=ctx.key_arn,
        **ctx.data_policies(blocks.backup.BACKUP_VAULT),
    )


def _plan_resources(ctx: StackContext) -> Iterator[AWSObject | Output | Requires | Sourced]:
    destinations = _copy_destinations(ctx)
    for region in destinations:
        yield Requires(_vault_stack(ctx, region), "copy destination vaults exist")
    yield from sourced([_role(ctx), _plan(ctx, destinations), _selection(ctx)], *_SPEC_PATH)
    yield Output(PLAN_OUTPUT, Value=Ref(ids.BACKUP_PLAN))


def _vault_stack(ctx: StackContext, region: str) -> StackId:
    """The stack holding `region`'s vault: the primary's own, or a secondary's base."""
    if region == ctx.spec.regions.primary:
        return StackId(Phase.PRIMARY, region)
    return StackId(Phase.BASE, region)


def _copy_destinations(ctx: StackContext) -> tuple[str, ...]:
    """Every other region, when copies are asked for."""
    if not ctx.spec.backup.copy_to_secondaries:
        return ()
    return tuple(region for region in ctx.spec.regions.all if region != ctx.region)


def _role(ctx: StackContext) -> Role:
    return Role(
        ids.BACKUP_ROLE,
        RoleName=ctx.name("backup", regional=True),
        Description=f"AWS Backup for {ctx.spec.app} {ctx.spec.environment}",
        AssumeRolePolicyDocument=iam.service_trust("backup.amazonaws.com"),
        ManagedPolicyArns=[iam.managed_policy_arn(name) for name in MANAGED_POLICIES],
    )


def _plan(ctx: StackContext, destinations: tuple[str, ...]) -> BackupPlan:
    backup = ctx.spec.backup
    rule = BackupRuleResourceType(
        RuleName=ctx.name("scheduled"),
        ScheduleExpression=backup.schedule,
        StartWindowMinutes=START_WINDOW_MINUTES,
        TargetBackupVault=_own_vault(ctx),
        Lifecycle=_lifecycle(ctx),
        **(
            {"CopyActions": [*(_copy_action(ctx, r) for r in destinations), *_isolated(ctx)]}
            if destinations or ctx.spec.backup.isolated_account
            else {}
        ),
    )
    return BackupPlan(
        ids.BACKUP_PLAN,
        BackupPlan=BackupPlanResourceType(
            BackupPlanName=ctx.name("backup", regional=True), BackupPlanRule=[rule]
        ),
    )


def _own_vault(ctx: StackContext) -> AWSHelperFn | str:
    """The region's vault: a Ref in the primary stack; by name from an attach stack, whose
    base stack (deployed before it) holds the vault."""
    if ctx.phase is Phase.PRIMARY:
        return Ref(ids.BACKUP_VAULT)
    return backup_vault_name(ctx.spec, ctx.region)


def _lifecycle(ctx: StackContext) -> LifecycleResourceType:
    return LifecycleResourceType(DeleteAfterDays=ctx.spec.backup.retention_days)


def _copy_action(ctx: StackContext, region: str) -> CopyActionResourceType:
    vault = backup_vault_name(ctx.spec, region)
    return CopyActionResourceType(
        DestinationBackupVaultArn=arn("backup", region, f"backup-vault:{vault}"),
        Lifecycle=_lifecycle(ctx),
    )


def _isolated(ctx: StackContext) -> list[CopyActionResourceType]:
    """The copy to the backup account's vault in this region, when the spec asks for one."""
    backup = ctx.spec.backup
    if not backup.isolated_account:
        return []
    return [
        CopyActionResourceType(
            DestinationBackupVaultArn=isolated_vault_arn(ctx.spec, ctx.region),
            Lifecycle=LifecycleResourceType(DeleteAfterDays=backup.isolated_retention_days),
        )
    ]


def _selection(ctx: StackContext) -> BackupSelection:
    return BackupSelection(
        BACKUP_SELECTION,
        BackupPlanId=Ref(ids.BACKUP_PLAN),
        BackupSelection=BackupSelectionResourceType(
            SelectionName=ctx.name("data-stores"),
            IamRoleArn=GetAtt(ids.BACKUP_ROLE, "Arn"),
            Resources=_data_store_arns(ctx),
        ),
    )


def _data_store_arns(ctx: StackContext) -> list[AWSHelperFn]:
    """Every data store of this region AWS Backup selects (blocks.BACKED_UP): its cluster,
    each table (replica), each bucket; and the access-log bucket."""
    spec = ctx.spec
    return [
        *(
            STORE_ARNS[block.name](ctx, store)
            for block in blocks.BACKED_UP
            for store in block.instances(spec)
        ),
        # Audit logs are backed up promptly to media that is difficult to modify (PCI DSS
        # v4.0 10.3.3): the vault's recovery points.
        *((log_bucket_arn(spec, ctx.region),) if access_logs.has_log_bucket(spec) else ()),
    ]


def _cluster_arn(ctx: StackContext, database: Database) -> AWSHelperFn:
    return GetAtt(ids.DB_CLUSTER, blocks.aurora.DB_CLUSTER_BACKUP.arn_attribute)


def _table_arn(ctx: StackContext, table: Table) -> AWSHelperFn:
    """In a secondary the global table that owns the replica lives in the primary stack: its
    ARN is computed."""
    target = blocks.dynamodb.GLOBAL_TABLE_BACKUP
    if ctx.phase is Phase.PRIMARY:
        return GetAtt(ids.table(table.name), target.arn_attribute)
    name = table_name(ctx.spec, table.name)
    return arn(target.service, ctx.region, target.resource.format(name))


def _bucket_arn(ctx: StackContext, bucket: Bucket) -> AWSHelperFn:
    """Computed: the buckets live in the base stack."""
    return bucket_arn(ctx.spec, bucket.name, ctx.region)


STORE_ARNS: Mapping[str, Callable[[StackContext, Any], AWSHelperFn]] = {
    blocks.aurora.BLOCK.name: _cluster_arn,
    blocks.dynamodb.BLOCK.name: _table_arn,
    blocks.s3.BLOCK.name: _bucket_arn,
}
"""The ARN the selection names a store of each backed-up block by."""


# The backup account's template (backup.isolated_copy)

ISOLATED_VAULT = "IsolatedVault"
ISOLATED_KEY = "IsolatedVaultKey"
# Vault Lock's shortest grace period before compliance mode makes the lock immutable.
LOCK_CHANGEABLE_DAYS = 3


def isolated_vault_file(region: str) -> str:
    return f"isolated-vault-{region}.json"


def isolated_vault_regions(
    spec: Spec, templates: Iterable[tuple[str, Mapping[str, Any]]]
) -> list[str]:
    """The regions whose templates hold a backup plan, each copying to a vault of its own
    region in the backup account; none without backup.isolated_copy."""
    if not spec.backup.isolated_account:
        return []
    return sorted(
        {
            region
            for region, template in templates
            if any(
                r.get("Type") == blocks.backup.BACKUP_PLAN.type
                for r in template.get("Resources", {}).values()
            )
        }
    )


def isolated_vault_template(spec: Spec, region: str, today: date) -> dict[str, Any]:
    """The vault that receives the isolated copies made in `region`, with its key and policy,
    and the scanner suppressions every compiled template carries (compiler/suppressions.py)."""
    template = Template(
        Description=f"dr_compiler: {spec.app} {spec.environment} isolated backup vault in "
        f"{region}, account {spec.backup.isolated_account}"
    )
    template.set_version("2010-09-09")
    retained = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    key = Key(
        ISOLATED_KEY,
        Description=f"{spec.app} {spec.environment} {region}: isolated recovery points",
        EnableKeyRotation=True,
        KeyPolicy=_isolated_key_policy(),
        **retained,
    )
    apply_tags(key, spec)
    template.add_resource(key)
    template.add_resource(_isolated_vault(spec, region, retained))
    template.add_output(Output("IsolatedVaultArn", Value=GetAtt(ISOLATED_VAULT, "BackupVaultArn")))
    body = template.to_dict()
    write_metadata(body, suppressions(spec, body["Resources"], today))
    return body


def _isolated_vault(spec: Spec, region: str, retained: dict[str, str]) -> AWSObject:
    backup = spec.backup
    common: dict[str, Any] = {
        "BackupVaultName": isolated_vault_name(spec, region),
        "EncryptionKeyArn": GetAtt(ISOLATED_KEY, "Arn"),
        "AccessPolicy": _copy_in_policy(spec),
        "BackupVaultTags": spec_tags(spec),
        **retained,
    }
    days = backup.isolated_retention_days
    if backup.isolated_vault == "logically_air_gapped":
        return LogicallyAirGappedBackupVault(
            ISOLATED_VAULT, MinRetentionDays=days, MaxRetentionDays=days, **common
        )
    lock = LockConfigurationType(
        MinRetentionDays=days, MaxRetentionDays=days, ChangeableForDays=LOCK_CHANGEABLE_DAYS
    )
    return BackupVault(ISOLATED_VAULT, LockConfiguration=lock, **common)


def _isolated_key_policy() -> dict[str, Any]:
    # AWS Backup encrypts the copies with the vault's key on the backup account's behalf: the
    # account's own IAM decides who may use it; no other account is named.
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {
                    "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
                },
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _copy_in_policy(spec: Spec) -> dict[str, Any]:
    """Only the protected accounts may copy in; nobody may delete (the lock says so too).

    Self-managed: the listed accounts. Service-managed: any account under the target units,
    by aws:PrincipalOrgPaths, which names units without the organization's id
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgpaths).
    """
    deployment = spec.deployment
    copy_in: dict[str, Any] = {
        "Sid": "ProtectedAccountsCopyIn",
        "Effect": "Allow",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    if deployment.service_managed:
        copy_in["Principal"] = {"AWS": "*"}
        copy_in["Condition"] = {
            "ForAnyValue:StringLike": {
                "aws:PrincipalOrgPaths": [f"*/{unit}/*" for unit in deployment.organizational_units]
            }
        }
    else:
        copy_in["Principal"] = {
            "AWS": [
                {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::{account}:root"}
                for account in deployment.accounts
            ]
        }
    deny_delete = {
        "Sid": "NobodyDeletesRecoveryPoints",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
        "Resource": "*",
    }
    return {"Version": "2012-10-17", "Statement": [copy_in, deny_delete]}
