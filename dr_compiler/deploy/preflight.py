"""The preflight of `plan` and `deploy`: what the live account must have before the first
StackSet operation, checked with read-only calls, one problem per line at the spec line it
concerns (exit 1). `--skip-preflight` skips it.

Checks, in order:

- the caller's account is a deployment account (`deployment.accounts`), or the administering
  account that every target's execution role trusts (`bootstrap --trust`);
- every region of the spec is enabled for it (ec2:DescribeRegions, opt-in status);
- each region's certificate exists, is ISSUED and covers the API's DNS name
  (acm:DescribeCertificate);
- the engine version has an orderable Serverless v2 instance that supports global databases
  in every region (rds:DescribeOrderableDBInstanceOptions);
- every region has the availability zones asked for (ec2:DescribeAvailabilityZones);
- `dns.hosted_zone_id`, when given, is a public zone of `dns.zone` (route53:GetHostedZone);
  a zone to create was checked by `validate` (names Route 53 refuses);
- the StackSet administration and execution roles exist: bootstrap ran (iam:GetRole);
- the quotas the deploy would hit: StackSets per administrator account and resources per
  template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from botocore.exceptions import ClientError

from dr_compiler.compiler.naming import ADMINISTRATION_ROLE, EXECUTION_ROLE
from dr_compiler.deploy.aws import (
    AwsClients,
    error_code,
    error_message,
)
from dr_compiler.deploy.bundle import Bundle
from dr_compiler.deploy.organization import check_stack_sets_access
from dr_compiler.errors import EXIT_INVALID, DrCompilerError, InputError, Problem
from dr_compiler.model import Spec

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_STACK_SETS_PER_ADMINISTRATOR = 1000
MAX_RESOURCES_PER_TEMPLATE = 500
SERVERLESS_CLASS = "db.serverless"
PASSED = (
    "preflight: account, regions, certificates, engine version, zones, hosted zone, "
    "bootstrap roles and quotas are ready"
)


class PreflightFailed(DrCompilerError):
    """The account is not ready for this deploy: nothing was changed (exit 1)."""

    exit_code = EXIT_INVALID


Check = Callable[[Bundle, AwsClients], Iterator[Problem]]


def _problem(spec: Spec, path: tuple[str | int, ...], message: str) -> Problem:
    return Problem(spec.locate(*path), f"preflight: {message}")


def _region_path(spec: Spec, region: str) -> tuple[str | int, ...]:
    if region == spec.regions.primary:
        return ("regions", "primary")
    return ("regions", "secondaries", spec.regions.secondaries.index(region))


def deployment_account(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    """The caller is a target account, or the administering account every target trusts."""
    caller, accounts = clients.account_id, bundle.accounts
    if not accounts or caller in accounts:
        return
    if any(_execution_role_problem(clients, account) for account in accounts):
        yield _problem(
            bundle.spec,
            ("deployment", "accounts"),
            f"the credentials are of account {caller}, which is not a deployment account "
            f"({', '.join(accounts)}) nor trusted by their execution roles: use credentials "
            f"of a deployment account (--profile), or bootstrap the targets with --trust {caller}",
        )


def regions_enabled(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    regions = clients.client("ec2").describe_regions(AllRegions=True)["Regions"]
    status = {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in regions}
    for region in spec.regions.all:
        state = status.get(region, "unknown to this account")
        if state not in ("opt-in-not-required", "opted-in"):
            yield _problem(
                spec,
                _region_path(spec, region),
                f"region {region} is not enabled for account {clients.account_id} ({state}): "
                f"enable it (aws account enable-region --region-name {region}) and wait "
                "until it is ENABLED",
            )


def covers(name: str, certificate_names: Iterable[str]) -> bool:
    """Whether a certificate for `certificate_names` is valid for host `name` (a wildcard
    stands for exactly one leftmost label)."""
    host = name.lower().rstrip(".")
    for pattern in (n.lower().rstrip(".") for n in certificate_names):
        if pattern == host:
            return True
        if pattern.startswith("*.") and host.partition(".")[2] == pattern[2:]:
            return True
    return False


def certificates(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    if spec.api is None or spec.dns is None:
        return  # no load balancer, so no certificate (api and dns come together)
    for region, arn in sorted(spec.api.certificate_arns.items()):
        where = ("api", "certificate_arns", region)
        try:
            certificate = clients.client("acm", region).describe_certificate(CertificateArn=arn)[
                "Certificate"
            ]
        except ClientError as error:
            if error_code(error) not in ("ResourceNotFoundException", "InvalidArnException"):
                raise
            yield _problem(
                spec,
                where,
                f"certificate {arn} does not exist in {region}: {error_message(error)}",
            )
            continue
        if certificate.get("Status") != "ISSUED":
            yield _problem(
                spec,
                where,
                f"certificate {arn} is {certificate.get('Status')}, not ISSUED: complete its "
                "validation (DNS records) or use an issued certificate",
            )
        names = [certificate.get("DomainName", ""), *certificate.get("SubjectAlternativeNames", [])]
        if not covers(spec.dns.fqdn, names):
            yield _problem(
                spec,
                where,
                f"certificate {arn} covers {', '.join(sorted(set(names)))}, not "
                f"{spec.dns.fqdn}: the HTTPS health checks and clients would fail",
            )


def engine_versions(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    database = spec.database
    if database is None:
        return
    for region in spec.regions.all:
        pages = (
            clients.client("rds", region)
            .get_paginator("describe_orderable_db_instance_options")
            .paginate(
                Engine=database.engine,
                EngineVersion=database.engine_version,
                DBInstanceClass=SERVERLESS_CLASS,
            )
        )
        options = [o for page in pages for o in page["OrderableDBInstanceOptions"]]
        if not any(
            o.get("DBInstanceClass") == SERVERLESS_CLASS and o.get("SupportsGlobalDatabases")
            for o in options
        ):
            yield _problem(
                spec,
                ("database", "engine_version"),
                f"{database.engine} {database.engine_version} has no orderable "
                f"{SERVERLESS_CLASS} instance supporting global databases in {region}: choose "
                "a version that `aws rds describe-orderable-db-instance-options --engine "
                f"{database.engine} --db-instance-class {SERVERLESS_CLASS}` lists there",
            )


def availability_zones(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    wanted = spec.network.availability_zones
    for region in spec.regions.all:
        zones = clients.client("ec2", region).describe_availability_zones(
            Filters=[
                {"Name": "state", "Values": ["available"]},
                {"Name": "zone-type", "Values": ["availability-zone"]},
            ]
        )["AvailabilityZones"]
        if len(zones) < wanted:
            yield _problem(
                spec,
                ("network", "availability_zones"),
                f"{region} has {len(zones)} availability zones available to account "
                f"{clients.account_id}, the spec asks for {wanted}",
            )


def hosted_zone(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    if spec.dns is None or spec.dns.hosted_zone_id is None:
        return
    zone_id = spec.dns.hosted_zone_id
    where = ("dns", "hosted_zone_id")
    try:
        zone = clients.client("route53").get_hosted_zone(Id=zone_id)["HostedZone"]
    except ClientError as error:
        if error_code(error) not in ("NoSuchHostedZone", "InvalidInput"):
            raise
        yield _problem(spec, where, f"hosted zone {zone_id} does not exist in this account")
        return
    name = zone["Name"].rstrip(".")
    if name != spec.dns.zone:
        yield _problem(
            spec, where, f"hosted zone {zone_id} is {name}, not dns.zone {spec.dns.zone}"
        )
    if zone.get("Config", {}).get("PrivateZone"):
        yield _problem(
            spec,
            where,
            f"hosted zone {zone_id} is private: Route 53 health checks and failover records "
            "answer the internet from a public zone",
        )


def _role_exists(clients: AwsClients, role: str) -> bool:
    try:
        clients.client("iam").get_role(RoleName=role)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        return False
    return True


def _execution_role_problem(clients: AwsClients, account: str) -> str | None:
    """Why StackSets cannot use the execution role in `account`, or None."""
    try:
        target = clients.for_account(account)
    except ClientError as error:
        if not error_code(error).startswith("AccessDenied"):
            raise
        return (
            f"cannot assume {EXECUTION_ROLE} in account {account}: {error_message(error)}; "
            f"bootstrap that account with --trust {clients.account_id}"
        )
    if not _role_exists(target, EXECUTION_ROLE):
        return f"{EXECUTION_ROLE} does not exist in account {account}"
    return None


def bootstrap_roles(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    if spec.deployment.service_managed:
        # Service-managed StackSets need no roles of ours: Organizations' trusted access
        # creates them in every member account; what must hold is that access (and, as a
        # delegated administrator, this account's registration).
        try:
            check_stack_sets_access(
                clients.client("organizations"), clients.account_id, spec.deployment.call_as
            )
        except InputError as refused:
            for problem in refused.problems:
                yield _problem(spec, ("deployment", "permission_model"), problem.message)
        return
    where = ("deployment", "accounts")
    run = f"run `dr-compiler bootstrap {spec.file}` first"
    if not _role_exists(clients, ADMINISTRATION_ROLE):
        yield _problem(
            spec,
            where,
            f"{ADMINISTRATION_ROLE} does not exist in account {clients.account_id}: {run}",
        )
    for account in bundle.accounts:
        missing = _execution_role_problem(clients, account)
        if missing is not None:
            yield _problem(spec, where, f"{missing}: {run}")


def quotas(bundle: Bundle, clients: AwsClients) -> Iterator[Problem]:
    spec = bundle.spec
    for source in bundle.stack_sets:
        resources = len(source.template.get("Resources", {}))
        if resources > MAX_RESOURCES_PER_TEMPLATE:
            yield _problem(
                spec,
                (),
                f"StackSet {source.name} has {resources} resources; a template holds at most "
                f"{MAX_RESOURCES_PER_TEMPLATE}",
            )
    pages = (
        clients.client("cloudformation").get_paginator("list_stack_sets").paginate(Status="ACTIVE")
    )
    existing = {s["StackSetName"] for page in pages for s in page["Summaries"]}
    new = [s.name for s in bundle.stack_sets if s.name not in existing]
    if len(existing) + len(new) > MAX_STACK_SETS_PER_ADMINISTRATOR:
        yield _problem(
            spec,
            (),
            f"account {clients.account_id} administers {len(existing)} StackSets and this "
            f"deploy creates {len(new)} more, past the quota of "
            f"{MAX_STACK_SETS_PER_ADMINISTRATOR}: delete unused StackSets first",
        )


CHECKS: tuple[Check, ...] = (
    deployment_account,
    regions_enabled,
    certificates,
    engine_versions,
    availability_zones,
    hosted_zone,
    bootstrap_roles,
    quotas,
)


def preflight(bundle: Bundle, clients: AwsClients, checks: Iterable[Check] = CHECKS) -> None:
    """Run every check; raise PreflightFailed with all the problems found, if any."""
    problems: list[Problem] = []
    for check in checks:
        problems.extend(check(bundle, clients))
    if problems:
        raise PreflightFailed(problems)
