"""The StackSets `deploy` creates, one per template (their names are judged like the rest)."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

STACK_SET = ResourceKind("AWS::CloudFormation::StackSet", "StackSet")

BLOCK = Block("StackSet", (STACK_SET,))
