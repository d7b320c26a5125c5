"""AWS Backup: a vault per region, a plan and the selection naming every data store, and
the backup account's vault of isolated copies."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, Keeps, ResourceKind

BACKUP_VAULT = ResourceKind(
    "AWS::Backup::BackupVault",
    "backup vault",
    name_properties=("BackupVaultName",),
    keeps=Keeps.DATA,
)
# The backup account's vault of isolated copies (backup.isolated_copy): its own template,
# deployed by `bootstrap --backup-vault`, never part of a build's stacks.
AIR_GAPPED_VAULT = ResourceKind(
    "AWS::Backup::LogicallyAirGappedBackupVault", "air-gapped backup vault", keeps=Keeps.DATA
)
BACKUP_PLAN = ResourceKind("AWS::Backup::BackupPlan", "backup plan")
BACKUP_SELECTION = ResourceKind("AWS::Backup::BackupSelection", "backup selection")

BLOCK = Block(
    "backup",
    (BACKUP_VAULT, BACKUP_PLAN, BACKUP_SELECTION, AIR_GAPPED_VAULT),
    spec_collection="backup",
    component="backups",
)
