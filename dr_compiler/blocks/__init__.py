"""The building blocks a spec is made of, one descriptor module each, in a fixed order.

A leaf package: it imports nothing from the compiler or the policies, which both read it.
Adding a kind of component starts with a module here (docs/building-blocks.md).
"""

from __future__ import annotations

from types import MappingProxyType

from dr_compiler.blocks import (
    alarms,
    alb,
    aurora,
    backup,
    bucket_emptier,
    dashboard,
    dynamodb,
    iam,
    kms,
    lambda_functions,
    logs,
    network,
    peering,
    region_switch,
    route53,
    s3,
    sns,
    sqs,
    stack_set,
    waf,
)
from dr_compiler.blocks.descriptor import BackupTarget, Block, ResourceKind

# Foundations first (network, keys, logs, permissions), then data stores, workloads, traffic,
# protection and operations: the order the spec guide presents them in.
BLOCKS: tuple[Block, ...] = (
    network.BLOCK,
    peering.BLOCK,
    kms.BLOCK,
    logs.BLOCK,
    iam.BLOCK,
    aurora.BLOCK,
    dynamodb.BLOCK,
    s3.BLOCK,
    sqs.BLOCK,
    sns.BLOCK,
    lambda_functions.BLOCK,
    alb.BLOCK,
    waf.BLOCK,
    route53.BLOCK,
    backup.BLOCK,
    alarms.BLOCK,
    dashboard.BLOCK,
    region_switch.BLOCK,
    bucket_emptier.BLOCK,
    stack_set.BLOCK,
)

STORES: tuple[Block, ...] = (aurora.BLOCK, dynamodb.BLOCK, s3.BLOCK, sqs.BLOCK)
"""The data stores a spec declares (its database, tables, buckets and queues), in BLOCKS
order: every region holds its own copy, replica or instance of each. What handles every
store (the backup selection, the objectives, the diagram) iterates these, `block.instances`
of each, and keys its per-store function by block name; tests/blocks/test_consumers.py
checks that each covers every store."""

BACKED_UP: tuple[Block, ...] = tuple(
    block for block in STORES if any(kind.backup is not None for kind in block.resources)
)
"""The stores whose resources AWS Backup selects (their kind has a `BackupTarget`, DR043)."""

JUDGED_STORES: tuple[Block, ...] = tuple(block for block in STORES if block.component)
"""The stores with an objective component of their own: one estimate per instance."""

RESOURCE_KINDS: MappingProxyType[str, ResourceKind] = MappingProxyType(
    {kind.type: kind for block in BLOCKS for kind in block.resources}
)
"""Every resource kind by its CloudFormation type."""


DATA_STORES: MappingProxyType[str, ResourceKind] = MappingProxyType(
    {type_: kind for type_, kind in RESOURCE_KINDS.items() if kind.holds_data}
)
"""Kinds that hold data: kept (Retain or Snapshot) when the stack keeps its data, deleted
under force_destroy (DR020, DR021, StackContext.data_policies)."""

BACKUP_TARGETS: MappingProxyType[str, BackupTarget] = MappingProxyType(
    {type_: kind.backup for type_, kind in RESOURCE_KINDS.items() if kind.backup is not None}
)
"""How AWS Backup selects each kind the compiler's backup selection names (DR043)."""

NAME_PROPERTIES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {type_: kind.name_properties for type_, kind in RESOURCE_KINDS.items() if kind.name_properties}
)
"""Resource type -> properties that hold a physical name the compiler chose."""
