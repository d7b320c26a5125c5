"""IAM documents more than one builder writes: service trust, the TLS-only deny, allow
statements, KMS use through one service, and AWS managed policy ARNs."""

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
from troposphere import Sub


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
