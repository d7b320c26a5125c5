"""The ARC Region switch plan that runs the failover."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

PLAN = ResourceKind("AWS::ARCRegionSwitch::Plan", "Region switch plan", name_properties=("Name",))

BLOCK = Block("Region switch plan", (PLAN,), spec_collection="failover", component="failover")
