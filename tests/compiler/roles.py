"""Reading a compiled role's permissions: its own customer managed policy (compiler/iam.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def policy_statements(resources: Mapping[str, Any], role_id: str) -> list[dict[str, Any]]:
    """The statements of the customer managed policy `role_id` holds, checking on the way that
    the role has no inline policy and attaches that policy by Ref first."""
    role = resources[role_id]["Properties"]
    assert "Policies" not in role
    policy_id = f"{role_id}Policy"
    assert role["ManagedPolicyArns"][0] == {"Ref": policy_id}
    policy = resources[policy_id]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    return policy["Properties"]["PolicyDocument"]["Statement"]
