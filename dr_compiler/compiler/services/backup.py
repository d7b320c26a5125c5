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
"""

from __future__ import annotations

from collections.abc import Iterator

from troposphere import AWSHelperFn, AWSObject, GetAtt, Output, Ref
from troposphere.backup import (
    BackupPlan,
    BackupPlanResourceType,
    BackupRuleResourceType,
    BackupSelection,
    BackupSelectionResourceType,
    BackupVault,
    CopyActionResourceType,
    LifecycleResourceType,
)
from troposphere.iam import Role

from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import Phase, Requires, Sourced, StackContext, StackId, sourced
from dr_compiler.compiler.naming import (
    arn,
    backup_vault_name,
    bucket_arn,
    log_bucket_arn,
    table_name,
)

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
        **ctx.data_policies(),
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
            {"CopyActions": [_copy_action(ctx, region) for region in destinations]}
            if destinations
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
    """Every data store of this region: its cluster, each table (replica), each bucket.
    Table and bucket ARNs are computed: in a secondary, the global table that owns the
    replica lives in the primary stack, and the buckets in the base stack."""
    spec = ctx.spec
    return [
        GetAtt(ids.DB_CLUSTER, "DBClusterArn"),
        *(_table_arn(ctx, table.name) for table in spec.tables),
        *(bucket_arn(spec, bucket.name, ctx.region) for bucket in spec.buckets),
        # Audit logs are backed up promptly to media that is difficult to modify (PCI DSS
        # v4.0 10.3.3): the vault's recovery points.
        log_bucket_arn(spec, ctx.region),
    ]


def _table_arn(ctx: StackContext, table: str) -> AWSHelperFn:
    if ctx.phase is Phase.PRIMARY:
        return GetAtt(ids.table(table), "Arn")
    return arn("dynamodb", ctx.region, f"table/{table_name(ctx.spec, table)}")
