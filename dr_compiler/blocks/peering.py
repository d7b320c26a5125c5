"""VPC peering between the regions' networks (network.peering)."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

VPC_PEERING_CONNECTION = ResourceKind("AWS::EC2::VPCPeeringConnection", "peering connection")

BLOCK = Block("VPC peering", (VPC_PEERING_CONNECTION,), spec_collection="network")
