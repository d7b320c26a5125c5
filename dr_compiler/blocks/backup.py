"""AWS Backup: a vault per region, a plan and the selection naming every data store."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, Keeps, ResourceKind

BACKUP_VAULT = ResourceKind(
    "AWS::Backup::BackupVault",
    "backup vault",
    name_properties=("BackupVaultName",),
    keeps=Keeps.DATA,
)
BACKUP_PLAN = ResourceKind("AWS::Backup::BackupPlan", "backup plan")
BACKUP_SELECTION = ResourceKind("AWS::Backup::BackupSelection", "backup selection")

BLOCK = Block(
    "backup",
    (BACKUP_VAULT, BACKUP_PLAN, BACKUP_SELECTION),
    spec_collection="backup",
    component="backups",
)
