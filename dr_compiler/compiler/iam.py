"""IAM documents more than one builder writes: service trust and the TLS-only deny."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awacs.aws import Action, Allow, Bool, Condition, Deny, Everybody, Policy, Principal, Statement
from awacs.sts import AssumeRole


def service_trust(service: str) -> Policy:
    """An assume-role policy that lets one AWS service principal use the role."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", service),
                Action=[AssumeRole],
            )
        ],
    )


def deny_insecure_transport(service_prefix: str, resources: Sequence[Any]) -> Policy:
    """A resource policy denying every request that does not arrive over TLS (DR082)."""
    return Policy(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="DenyInsecureTransport",
                Effect=Deny,
                Principal=Principal(Everybody),
                Action=[Action(service_prefix, "*")],
                Resource=list(resources),
                Condition=Condition(Bool("aws:SecureTransport", "false")),
            )
        ],
    )
