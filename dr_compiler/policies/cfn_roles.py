"""Readers of IAM roles and their identity-policy statements, for the least-privilege rules."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, iam_statements, referenced_ids, text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_names import name_text, rendered
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


# IAM refuses a customer managed policy document over 6,144 characters, white space not
# counted ("IAM and AWS STS quotas",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); a role's inline
# policies could hold 10,240, so holding a role's statements in one managed policy lowers the
# limit its `access` must fit.
MANAGED_POLICY_MAX_CHARACTERS = 6_144
# The estimate renders pseudo parameters at their longest (the template's region is known)
# and any other intrinsic (Ref, Fn::GetAtt, an Fn::Sub variable) as an ARN of ARN_BOUND
# characters, above what the compiler's resources render to (names bounded by DR002).
ARN_BOUND = 256
# A region name no longer than any region's (ap-southeast-7 and the like have 14 characters),
# for an estimate made before the template's region is known.
REGION_BOUND = "x" * 20
_PSEUDO_LONGEST = {"${AWS::AccountId}": "0" * 12, "${AWS::Partition}": "aws-us-gov"}


def _rendered(value: Any, region: str) -> Any:
    """`value` with each intrinsic replaced by the longest text it can render to."""
    if isinstance(value, list):
        return [_rendered(item, region) for item in value]
    if not isinstance(value, Mapping):
        return value
    if not any(key == "Ref" or key.startswith("Fn::") for key in value):
        return {key: _rendered(inner, region) for key, inner in value.items()}
    text = name_text(value)
    if text is None:
        return "x" * ARN_BOUND
    text = rendered(text, region)
    for pseudo, longest in _PSEUDO_LONGEST.items():
        text = text.replace(pseudo, longest)
    return re.sub(r"\$\{[^}]*\}", "x" * ARN_BOUND, text)


def managed_policy_length(document: Any, region: str = REGION_BOUND) -> int:
    """The characters IAM counts in a policy document, estimated from above (the compiler
    splits a role's statements by it, DR081 checks every template by it)."""
    return len(json.dumps(_rendered(document, region), separators=(",", ":")))
