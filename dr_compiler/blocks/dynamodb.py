"""DynamoDB global tables (and plain tables, which hand-written templates may hold)."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import BackupTarget, Block, Keeps, ResourceKind

# DynamoDB table ARN: arn:aws:dynamodb:region:account:table/name
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
GLOBAL_TABLE_BACKUP = BackupTarget("Arn", "TableName", "dynamodb", "table/{}")

GLOBAL_TABLE = ResourceKind(
    "AWS::DynamoDB::GlobalTable",
    "global table",
    name_properties=("TableName",),
    keeps=Keeps.DATA,
    backup=GLOBAL_TABLE_BACKUP,
)
TABLE = ResourceKind(
    "AWS::DynamoDB::Table", "table", name_properties=("TableName",), keeps=Keeps.DATA
)

BLOCK = Block("DynamoDB table", (GLOBAL_TABLE, TABLE), spec_collection="tables", component="tables")
