"""The CloudWatch dashboard of each region."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

DASHBOARD = ResourceKind(
    "AWS::CloudWatch::Dashboard", "dashboard", name_properties=("DashboardName",)
)

BLOCK = Block("dashboard", (DASHBOARD,), spec_collection="monitoring")
