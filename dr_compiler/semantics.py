"""Stage 2, second half: what a shape-valid document means, checked where JSON Schema cannot.

Each check names the spec line and says what to write instead: schedule expressions field by
field (dr_compiler/schedules.py), VPC CIDRs that cannot hold the subnets the compiler carves
(dr_compiler/subnets.py), DNS names longer than DNS allows, hosted zone names Route 53
refuses to create, database secret rotation on StackSets that cannot deploy it, latency
routing where a region could not serve, and function environments that collide or
outgrow Lambda's 4 KB.
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
        yield from _latency_routing(data, problem)
    if "database" in data:
        yield from _rotation(data, problem)
    regions = [data["regions"]["primary"], *data["regions"]["secondaries"]]
    for index, function in enumerate(data.get("functions", [])):
        yield from _environment(function, ("functions", index), regions, problem)


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


ENVIRONMENT_BYTES = 4096
"""Lambda's quota: 4 KB for all of a function's environment variables together
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
# The longest ARN prefix a spec secret's variable can hold, before the region and the
# resource: the longest partition (aws-us-gov), the longer service, a 12-digit account.
_ARN_PREFIX_BYTES = len("arn:aws-us-gov:secretsmanager::123456789012:")


def _secret_arn_bytes(reference: dict[str, str], regions: list[str]) -> int:
    """At most how long the ARN the compiler writes for `reference` is (see
    lambda_functions._secret_arn): `parameter/<name>` or `secret:<name>`."""
    resource = (
        f"parameter{reference['ssm']}"
        if "ssm" in reference
        else f"secret:{reference['secretsmanager']}"
    )
    return _ARN_PREFIX_BYTES + max(map(len, regions)) + len(resource.encode())


def _environment(
    function: dict[str, Any], base: YamlPath, regions: list[str], problem: ProblemAt
) -> Iterator[Problem]:
    """Names the spec's variables share, and the bytes they take. The compiler's own
    variables (APP, TABLE_..., DB_...) come on top; the schema keeps their names apart."""
    environment: dict[str, str] = function.get("environment", {})
    secrets: dict[str, dict[str, str]] = function.get("secrets", {})
    for name in sorted(set(environment) & set(secrets)):
        yield problem(
            (*base, "secrets", name),
            f"{name} is also in environment: a variable holds either a literal or a secret's ARN",
        )
    size = sum(len(name.encode()) + len(value.encode()) for name, value in environment.items())
    for name, reference in secrets.items():
        size += len(name.encode()) + _secret_arn_bytes(reference, regions)
    if size > ENVIRONMENT_BYTES:
        yield problem(
            (*base, "environment" if environment else "secrets"),
            f"the variables this function sets take up to {size} bytes (names, values and "
            f"each secret's ARN); Lambda allows {ENVIRONMENT_BYTES} bytes for all of a "
            "function's variables, the compiler's own included: move large values to a "
            "bucket or a parameter",
        )


def _latency_routing(data: dict[str, Any], problem: ProblemAt) -> Iterator[Problem]:
    """Latency routing sends clients to every region at once (active-active), so every region
    must serve writes: a secondary Aurora cluster is read-only and reaches the writer only by
    global write forwarding (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-write-forwarding.html).
    The Region switch plan's DNS step is compiled for the failover records."""
    if data["dns"].get("routing") != "latency":
        return
    database = data.get("database")
    if database is not None and not database.get("write_forwarding", True):
        yield problem(
            ("dns", "routing"),
            "latency routing sends clients to every region, and a secondary Aurora cluster "
            "is read-only without write forwarding: set database.write_forwarding: true or "
            "routing: failover",
        )
    if data.get("failover", {}).get("orchestrator") == "region_switch":
        yield problem(
            ("dns", "routing"),
            "the Region switch plan's DNS step moves the failover records; with latency "
            "routing use failover.orchestrator: lambda",
        )
