"""CloudWatch Logs log groups (functions, VPC flow logs): the audit trail, kept like data."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, Keeps, ResourceKind

LOG_GROUP = ResourceKind(
    "AWS::Logs::LogGroup", "log group", name_properties=("LogGroupName",), keeps=Keeps.DATA
)

BLOCK = Block("log group", (LOG_GROUP,))
