"""IAM documents more than one builder writes: service trust, the TLS-only deny, allow
statements, KMS use through one service, AWS managed policy ARNs, and a role with its own
customer managed policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awacs.aws import (
    Action,
    Allow,
    Bool,
    Condition,
    Deny,
    Everybody,
    Policy,
    Principal,
    Statement,
    StringEquals,
)
from awacs.sts import AssumeRole
from troposphere import AWSObject, Ref, Sub
from troposphere.iam import ManagedPolicy, Role

from dr_compiler.compiler import ids
from dr_compiler.compiler.plain import plain
from dr_compiler.policies.cfn_roles import MANAGED_POLICY_MAX_CHARACTERS, managed_policy_length


def policy(statements: Sequence[Statement]) -> Policy:
    """A policy document in the current policy language version."""
    return Policy(Version="2012-10-17", Statement=list(statements))


def allow(sid: str, actions: Sequence[Any], resources: Sequence[Any], **extra: Any) -> Statement:
    """An Allow statement (identity policies: no principal)."""
    return Statement(Sid=sid, Effect=Allow, Action=list(actions), Resource=list(resources), **extra)


def via_service(service: str, region: str) -> StringEquals:
    """KMS use only through `service` in `region` (kms:ViaService)."""
    return StringEquals("kms:ViaService", f"{service}.{region}.amazonaws.com")


def managed_policy_arn(name: str) -> Sub:
    """An AWS managed policy, e.g. `service-role/AWSLambdaBasicExecutionRole`."""
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")


def role_with_policy(role_id: str, statements: Sequence[Statement], **role: Any) -> list[AWSObject]:
    """A role and its own customer managed policy (AWS::IAM::ManagedPolicy) holding
    `statements`: no inline policy and no AWS managed policy (DR081), so the scanners' "no
    inline policies" and "no AWS managed policies" checks hold and a reviewer reads one
    document per role.

    The policy is attached through the role's ManagedPolicyArns (a Ref), so CloudFormation
    creates the policy before the role and the role, with its permissions, before anything
    that references it (a function's Role GetAtt): Ref and Fn::GetAtt are implicit
    dependencies (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html).
    An AWS::IAM::Policy or a ManagedPolicy naming the role in its Roles list would instead
    depend on the role, and a function could start before its permissions exist.
    Unnamed: CloudFormation names it after the stack and logical id, unique per account
    across every region's stack (IAM is global).

    IAM refuses a managed policy over 6,144 characters (DR081 says where that comes from):
    statements that would not fit in one go on in a second policy (`<Role>Policy2`), and so
    on, in their order; a role may have 10 managed policies attached by default
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
    """
    policies = [
        ManagedPolicy(
            ids.role_policy(role_id) + (str(number) if number > 1 else ""),
            Description=f"What {role_id} may do" + (f" (part {number})" if number > 1 else ""),
            PolicyDocument=policy(chunk),
        )
        for number, chunk in enumerate(_fitting_chunks(statements), 1)
    ]
    return [*policies, Role(role_id, ManagedPolicyArns=[Ref(p) for p in policies], **role)]


def _fitting_chunks(statements: Sequence[Statement]) -> list[list[Statement]]:
    """`statements` in order, cut where a policy document would outgrow IAM's limit (the
    estimate DR081 checks the templates with, so what the compiler splits DR081 passes)."""
    if _length(list(statements)) <= MANAGED_POLICY_MAX_CHARACTERS:
        return [list(statements)]  # nearly every role: one estimate, not one per statement
    chunks: list[list[Statement]] = [[]]
    for statement in statements:
        candidate = [*chunks[-1], statement]
        if chunks[-1] and _length(candidate) > MANAGED_POLICY_MAX_CHARACTERS:
            chunks.append([statement])
        else:
            chunks[-1] = candidate
    return chunks


def _length(statements: list[Statement]) -> int:
    return managed_policy_length(plain(policy(statements)))


def service_trust(service: str) -> Policy:
    """An assume-role policy that lets one AWS service principal use the role."""
    return policy(
        [
            Statement(
                Effect=Allow,
                Principal=Principal("Service", service),
                Action=[AssumeRole],
            )
        ]
    )


def deny_insecure_transport(service_prefix: str, resources: Sequence[Any]) -> Policy:
    """A resource policy denying every request that does not arrive over TLS (DR082)."""
    return policy([tls_only_statement(service_prefix, resources)])


def tls_only_statement(service_prefix: str, resources: Sequence[Any]) -> Statement:
    """The statement of deny_insecure_transport, for a policy that also grants."""
    return Statement(
        Sid="DenyInsecureTransport",
        Effect=Deny,
        Principal=Principal(Everybody),
        Action=[Action(service_prefix, "*")],
        Resource=list(resources),
        Condition=Condition(Bool("aws:SecureTransport", "false")),
    )
