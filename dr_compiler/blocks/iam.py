"""IAM roles and policies: every other block's permissions."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

ROLE = ResourceKind("AWS::IAM::Role", "role", name_properties=("RoleName",))
POLICY = ResourceKind("AWS::IAM::Policy", "policy")
MANAGED_POLICY = ResourceKind(
    "AWS::IAM::ManagedPolicy", "managed policy", name_properties=("ManagedPolicyName",)
)

BLOCK = Block("IAM", (ROLE, POLICY, MANAGED_POLICY))
