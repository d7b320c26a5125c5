"""Stage 2, second half: what a shape-valid document means, checked where JSON Schema cannot.

Each check names the spec line and says what to write instead: schedule expressions field by
field (dr_compiler/schedules.py), VPC CIDRs that cannot hold the subnets the compiler carves
(dr_compiler/subnets.py), DNS names longer than DNS allows, hosted zone names Route 53
refuses to create, and database secret rotation on StackSets that cannot deploy it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dr_compiler.errors import Problem
from dr_compiler.loader import SourceMap, YamlPath, format_path
from dr_compiler.schedules import schedule_problem
from dr_compiler.subnets import cidr_problem

# RFC 1035 section 2.3.4: 255 octets on the wire, which is 253 characters written out.
MAX_DNS_NAME = 253
# Names reserved for documentation and testing (RFC 2606, https://www.rfc-editor.org/rfc/rfc2606):
# Route 53's CreateHostedZone refuses them and their subdomains with InvalidDomainName
# ("... is reserved by AWS!"), e.g. as reported in
# https://github.com/aws-samples/sample-agentic-value-accelerator/pull/126.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TOP_LEVEL = ("example", "invalid", "localhost", "test")

# Production rotates its database secret every 30 days unless the spec says otherwise. PCI DSS
# v4.0 8.3.9: "If passwords/passphrases are used as the only authentication factor for user
# access then either passwords/passphrases are changed at least once every 90 days, or the
# security posture of accounts is dynamically analyzed"; 8.6.3 asks the same of system
# accounts at the frequency of the entity's risk analysis. 30 days is also the AWS CDK's default
# (aws-cdk-lib aws_rds RotationSingleUserOptions, automaticallyAfter: "defaults to 30 days").
PRODUCTION_ROTATION_DAYS = 30

ProblemAt = Callable[[YamlPath, str], Problem]


def rotation_days(database: Mapping[str, Any], production: bool) -> int:
    """Days between rotations of the database secret (`database.rotation_days`); 0 is off."""
    return int(database.get("rotation_days", PRODUCTION_ROTATION_DAYS if production else 0))


def semantic_problems(data: dict[str, Any], source_map: SourceMap) -> Iterator[Problem]:
    """Every meaning problem of a document whose shape and references are valid."""

    def problem(path: YamlPath, message: str) -> Problem:
        return Problem(source_map.locate(path), f"{format_path(path)}: {message}")

    yield from _schedules(data, problem)
    for region, cidr in data["network"]["cidrs"].items():
        reason = cidr_problem(cidr)
        if reason is not None:
            yield problem(("network", "cidrs", region), reason)
    if "dns" in data:
        yield from _dns(data["dns"], problem)
    if "database" in data:
        yield from _rotation(data, problem)


def _schedules(data: dict[str, Any], problem: ProblemAt) -> Iterator[Problem]:
    expressions: list[tuple[YamlPath, str]] = [(("backup", "schedule"), data["backup"]["schedule"])]
    expressions += [
        (("functions", index, "schedule"), function["schedule"])
        for index, function in enumerate(data.get("functions", []))
        if "schedule" in function
    ]
    for path, expression in expressions:
        reason = schedule_problem(expression)
        if reason is not None:
            yield problem(path, f"{reason} (EventBridge schedule syntax)")


def reserved_zone(zone: str) -> str | None:
    """The reserved name `zone` is or lies under, or None."""
    for domain in RESERVED_DOMAINS:
        if zone == domain or zone.endswith(f".{domain}"):
            return domain
    top = zone.rsplit(".", 1)[-1]
    return f".{top}" if top in RESERVED_TOP_LEVEL else None


def _dns(dns: dict[str, Any], problem: ProblemAt) -> Iterator[Problem]:
    fqdn = f"{dns['record']}.{dns['zone']}"
    if len(fqdn) > MAX_DNS_NAME:
        yield problem(
            ("dns", "zone"),
            f"the API name {dns['record']}.<zone> is {len(fqdn)} characters; DNS names are at "
            f"most {MAX_DNS_NAME}: shorten the zone or the record",
        )
    reserved = reserved_zone(dns["zone"])
    if reserved is not None and "hosted_zone_id" not in dns:
        yield problem(
            ("dns", "zone"),
            f"{dns['zone']} is under {reserved}, reserved for documentation (RFC 2606): "
            "Route 53 refuses to create its hosted zone; use a domain you own, or name an "
            "existing hosted zone with dns.hosted_zone_id",
        )


def _rotation(data: dict[str, Any], problem: ProblemAt) -> Iterator[Problem]:
    """Rotation compiles Secrets Manager hosted rotation, a CloudFormation macro (the
    AWS::SecretsManager transform), and "Stack sets with service-managed permissions don't
    currently support the use of macros in templates ... the stack set operation will fail"
    (CreateStackSet, Capabilities: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html);
    users meet it as "Transform is not supported in SERVICE_MANAGED permission model"
    (https://github.com/CloudSnorkel/CloudWatch2S3/issues/10)."""
    database = data["database"]
    if data["deployment"]["permission_model"] != "service_managed":
        return
    days = rotation_days(database, data["metadata"]["production"])
    if days == 0:
        return
    remedy = (
        "service-managed StackSets cannot expand the AWS::SecretsManager transform that "
        "Secrets Manager hosted rotation needs (CreateStackSet refuses macros for them): set "
        "database.rotation_days: 0 and waive DR087 with the reason, or deploy self_managed"
    )
    if "rotation_days" in database:
        yield problem(("database", "rotation_days"), f"rotation every {days} days: {remedy}")
    else:
        yield problem(
            ("deployment", "permission_model"),
            f"a production spec rotates its database secret every {days} days by default; "
            + remedy,
        )
