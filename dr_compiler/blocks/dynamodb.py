"""DynamoDB global tables (and plain tables, which hand-written templates may hold)."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import BackupTarget, Block, Keeps, ResourceKind

GLOBAL_TABLE = ResourceKind(
    "AWS::DynamoDB::GlobalTable",
    "global table",
    name_properties=("TableName",),
    keeps=Keeps.DATA,
    # DynamoDB table ARN: arn:aws:dynamodb:region:account:table/name
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
    backup=BackupTarget("Arn", "TableName", "dynamodb", "table/{}"),
)
TABLE = ResourceKind(
    "AWS::DynamoDB::Table", "table", name_properties=("TableName",), keeps=Keeps.DATA
)

BLOCK = Block("DynamoDB table", (GLOBAL_TABLE, TABLE), spec_collection="tables", component="tables")
