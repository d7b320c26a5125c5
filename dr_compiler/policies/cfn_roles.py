"""Readers of IAM roles and their identity-policy statements, for the least-privilege rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, iam_statements, referenced_ids, text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.rule import TemplateDoc

Statement = tuple[str, tuple[str | int, ...], Mapping[str, Any]]
"""(logical id of the IAM resource, property path of the statement, the statement)."""

_AWS_MANAGED = ":iam::aws:policy/"


def actions(statement: Mapping[str, Any]) -> list[str]:
    return [a for a in as_list(statement.get("Action")) if isinstance(a, str)]


def allows(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def is_wildcard_action(action: str) -> bool:
    """`*` or `<service>:*`: every action of every service, or of one service."""
    return action == "*" or action.partition(":")[2] == "*"


def wildcard_actions(statement: Mapping[str, Any]) -> list[str]:
    return [a for a in actions(statement) if is_wildcard_action(a)]


def aws_managed_policy(arn: Any) -> str | None:
    """The name of the AWS managed policy an ARN of ManagedPolicyArns names
    (`arn:...:iam::aws:policy/service-role/<Name>`), None for a customer managed one."""
    text = text_of(arn)
    if text is not None and _AWS_MANAGED in text:
        return text.rsplit("/", 1)[-1]
    return None


def aws_managed_policies(role: Mapping[str, Any]) -> set[str]:
    """Names of the AWS managed policies a role attaches."""
    names = (
        aws_managed_policy(arn)
        for arn in as_list(role.get("Properties", {}).get("ManagedPolicyArns"))
    )
    return {name for name in names if name is not None}


def function_role(template: TemplateDoc, props: Mapping[str, Any]) -> str | None:
    """The IAM role of `template` that a Lambda function's Role (a Ref/GetAtt) names, if any."""
    role = local_target(template, props.get("Role"))
    if role is not None and template.body["Resources"][role].get("Type") == blocks.iam.ROLE.type:
        return role
    return None


def role_statements(template: TemplateDoc, role_id: str) -> Iterator[Statement]:
    """Every identity-policy statement that applies to a role of `template`: its inline
    policies, and AWS::IAM::Policy / ManagedPolicy resources attached to it (through their
    Roles list or the role's ManagedPolicyArns)."""
    role = template.body["Resources"][role_id]
    attached = referenced_ids(role.get("Properties", {}).get("ManagedPolicyArns"))
    for logical_id, path, statement in iam_statements(template):
        if logical_id == role_id or _attached(template, logical_id, role_id, attached):
            yield logical_id, path, statement


def _attached(template: TemplateDoc, policy_id: str, role_id: str, attached: set[str]) -> bool:
    resource = template.body["Resources"][policy_id]
    if resource["Type"] == blocks.iam.ROLE.type:
        return False
    return policy_id in attached or role_id in referenced_ids(
        resource.get("Properties", {}).get("Roles")
    )
