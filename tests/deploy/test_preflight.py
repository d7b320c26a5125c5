"""The preflight against a moto server: each check passes on a ready account and names the
spec line when it fails; `plan` and `deploy` stop with exit 1 before any StackSet operation.

moto serves every call the preflight makes (ec2 DescribeRegions and DescribeAvailabilityZones,
acm DescribeCertificate, rds DescribeOrderableDBInstanceOptions, route53 GetHostedZone, iam
GetRole, sts AssumeRole, cloudformation ListStackSets). Its orderable-instance data stops at
aurora-postgresql 15.2, which is why the moto spec asks for that version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import moto.settings
import pytest

from dr_compiler.deploy import preflight as preflight_module
from dr_compiler.deploy.aws import AwsClients
from dr_compiler.deploy.bundle import Bundle, StackSetSource
from dr_compiler.deploy.preflight import (
    PASSED,
    Check,
    availability_zones,
    bootstrap_roles,
    certificates,
    covers,
    deployment_account,
    engine_versions,
    hosted_zone,
    quotas,
    regions_enabled,
)
from dr_compiler.errors import Problem
from dr_compiler.pipeline import load_model
from tests.deploy.conftest import (
    ACCOUNT,
    ADMIN_REGION,
    DOMAIN,
    MOTO_ENGINE_VERSION,
    REGIONS,
    Deployment,
    build,
    client,
    write_spec,
)

pytestmark = pytest.mark.e2e


def issued_certificates() -> dict[str, str]:
    return {
        region: client("acm", region).request_certificate(DomainName=DOMAIN)["CertificateArn"]
        for region in REGIONS
    }


def bundle_of(spec_file: Path, *stack_sets: StackSetSource) -> Bundle:
    spec = load_model(spec_file)
    return Bundle(spec, spec.deployment.accounts, {}, stack_sets, ())


def run(check: Check, spec_file: Path, *stack_sets: StackSetSource) -> list[str]:
    """The check's problems as `line:col: message` (all in `spec_file` or its bases)."""
    clients = AwsClients.connect(None, ADMIN_REGION)
    found: Iterator[Problem] = check(bundle_of(spec_file, *stack_sets), clients)
    return [
        f"{Path(p.location.file).name}:{p.location.line}:{p.location.column}: {p.message}"
        for p in found
    ]


@pytest.fixture
def spec_file(moto_server: str, tmp_path: Path) -> Path:
    path = tmp_path / "moto.yaml"
    write_spec(path, issued_certificates())
    return path


def test_a_ready_account_passes_every_check_but_bootstrap(spec_file: Path) -> None:
    for check in (
        deployment_account,
        regions_enabled,
        certificates,
        engine_versions,
        availability_zones,
        hosted_zone,
        quotas,
    ):
        assert run(check, spec_file) == [], check.__name__


def test_a_spec_without_api_database_or_dns_has_nothing_for_their_checks(moto_server: str) -> None:
    # A worker-only spec: no certificate, engine version or hosted zone to look up (these
    # checks read the optional sections and once failed on their absence with exit 3).
    worker_only = Path(__file__).parents[1] / "fixtures" / "worker-only.yaml"
    for check in (certificates, engine_versions, hosted_zone):
        assert run(check, worker_only) == [], check.__name__


def test_a_region_that_is_not_enabled(spec_file: Path, tmp_path: Path) -> None:
    # moto lists the opt-in regions (eu-south-2 among them) as not-opted-in.
    certs = issued_certificates()
    certs["eu-south-2"] = client("acm", "eu-south-2").request_certificate(DomainName=DOMAIN)[
        "CertificateArn"
    ]
    write_spec(
        spec_file,
        certs,
        "regions: {primary: us-east-1, secondaries: [us-west-2, eu-south-2]}\n"
        "network:\n  cidrs: {eu-south-2: 10.2.0.0/16}\n",
    )
    assert run(regions_enabled, spec_file) == [
        "moto.yaml:11:56: preflight: region eu-south-2 is not enabled for account "
        f"{ACCOUNT} (not-opted-in): enable it (aws account enable-region --region-name "
        "eu-south-2) and wait until it is ENABLED"
    ]


def test_certificates_missing_pending_or_for_another_name(
    spec_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = client("acm", "us-west-2").request_certificate(DomainName="www.example.net")[
        "CertificateArn"
    ]
    write_spec(spec_file, {**issued_certificates(), "us-west-2": other})
    assert run(certificates, spec_file) == [
        f"moto.yaml:9:16: preflight: certificate {other} covers www.example.net, not "
        f"{DOMAIN}: the HTTPS health checks and clients would fail"
    ]
    # Certificates stay PENDING_VALIDATION for an hour, as when DNS validation has not run.
    monkeypatch.setattr(moto.settings, "ACM_VALIDATION_WAIT", 3600)
    pending = client("acm", "us-west-2").request_certificate(DomainName=DOMAIN)["CertificateArn"]
    missing = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0000-missing"
    write_spec(spec_file, {"us-east-1": missing, "us-west-2": pending})
    assert run(certificates, spec_file) == [
        f"moto.yaml:8:16: preflight: certificate {missing} does not exist in us-east-1: "
        f"Certificate with arn {missing} not found in account {ACCOUNT}",
        f"moto.yaml:9:16: preflight: certificate {pending} is PENDING_VALIDATION, not "
        "ISSUED: complete its validation (DNS records) or use an issued certificate",
    ]


@pytest.mark.parametrize(
    ("host", "names", "covered"),
    [
        ("api.dev.payments.acmecorp.net", ["api.dev.payments.acmecorp.net"], True),
        ("api.dev.payments.acmecorp.net", ["*.dev.payments.acmecorp.net"], True),
        ("api.dev.payments.acmecorp.net", ["*.payments.acmecorp.net"], False),
        ("api.dev.payments.acmecorp.net", ["dev.payments.acmecorp.net"], False),
        ("API.dev.payments.acmecorp.net.", ["api.dev.payments.acmecorp.net"], True),
    ],
)
def test_a_certificate_name_covers_the_host(host: str, names: list[str], covered: bool) -> None:
    assert covers(host, names) is covered


def test_an_engine_version_without_a_global_serverless_instance(spec_file: Path) -> None:
    write_spec(spec_file, issued_certificates())
    spec_file.write_text(spec_file.read_text().replace(MOTO_ENGINE_VERSION, "16.4"))
    message = (
        "preflight: aurora-postgresql 16.4 has no orderable db.serverless instance supporting "
        "global databases in {region}: choose a version that `aws rds "
        "describe-orderable-db-instance-options --engine aurora-postgresql "
        "--db-instance-class db.serverless` lists there"
    )
    assert run(engine_versions, spec_file) == [
        f"moto.yaml:5:19: {message.format(region=region)}" for region in REGIONS
    ]


def test_more_zones_than_the_account_has(spec_file: Path) -> None:
    # moto's us-west-1 has two zones, like most real accounts.
    certs = issued_certificates()
    certs["us-west-1"] = client("acm", "us-west-1").request_certificate(DomainName=DOMAIN)[
        "CertificateArn"
    ]
    write_spec(
        spec_file,
        certs,
        "regions: {primary: us-east-1, secondaries: [us-west-2, us-west-1]}\n"
        "network:\n  cidrs: {us-west-1: 10.2.0.0/16}\n  availability_zones: 3\n",
    )
    assert run(availability_zones, spec_file) == [
        f"moto.yaml:14:23: preflight: us-west-1 has 2 availability zones available to account "
        f"{ACCOUNT}, the spec asks for 3"
    ]


def test_an_existing_hosted_zone_must_be_the_spec_zone(spec_file: Path) -> None:
    route53 = client("route53")
    zone = route53.create_hosted_zone(Name="dev.payments.acmecorp.net", CallerReference="a")
    other = route53.create_hosted_zone(Name="other.acmecorp.net", CallerReference="b")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    other_id = other["HostedZone"]["Id"].split("/")[-1]
    certs = issued_certificates()
    write_spec(spec_file, certs, f"dns: {{hosted_zone_id: {zone_id}}}\n")
    assert run(hosted_zone, spec_file) == []
    write_spec(spec_file, certs, f"dns: {{hosted_zone_id: {other_id}}}\n")
    assert run(hosted_zone, spec_file) == [
        f"moto.yaml:10:23: preflight: hosted zone {other_id} is other.acmecorp.net, not "
        "dns.zone dev.payments.acmecorp.net"
    ]
    write_spec(spec_file, certs, "dns: {hosted_zone_id: Z0000000000000MISSING}\n")
    assert run(hosted_zone, spec_file) == [
        "moto.yaml:10:23: preflight: hosted zone Z0000000000000MISSING does not exist in this "
        "account"
    ]


def test_bootstrap_roles_are_found_after_bootstrap(deployment: Deployment) -> None:
    admin, execution = (
        "AWSCloudFormationStackSetAdministrationRole",
        "AWSCloudFormationStackSetExecutionRole",
    )
    run_bootstrap = f"run `dr-compiler bootstrap {deployment.spec}` first"
    assert run(bootstrap_roles, deployment.spec) == [
        f"moto.yaml:3:13: preflight: {admin} does not exist in account {ACCOUNT}: {run_bootstrap}",
        f"moto.yaml:3:13: preflight: {execution} does not exist in account {ACCOUNT}: "
        f"{run_bootstrap}",
    ]
    assert deployment.bootstrap().code == 0
    assert run(bootstrap_roles, deployment.spec) == []


def test_quotas_of_stack_sets_and_template_resources(
    spec_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = StackSetSource(
        "payments-big-dev",
        "big",
        1,
        b'{"Resources": {' + b",".join(b'"R%d": {}' % i for i in range(501)) + b"}}",
        "inline",
        (ADMIN_REGION,),
        (),
        ("CAPABILITY_NAMED_IAM",),
    )
    client("cloudformation").create_stack_set(
        StackSetName="existing", TemplateBody='{"Resources": {}}'
    )
    # The documented quota is 1000 StackSets; moto holds one, so lower the bar to it.
    monkeypatch.setattr(preflight_module, "MAX_STACK_SETS_PER_ADMINISTRATOR", 1)
    assert run(quotas, spec_file, big) == [
        "moto.yaml:1:1: preflight: StackSet payments-big-dev has 501 resources; a template "
        "holds at most 500",
        f"moto.yaml:1:1: preflight: account {ACCOUNT} administers 1 StackSets and this deploy "
        "creates 1 more, past the quota of 1: delete unused StackSets first",
    ]


def stack_sets() -> list[str]:
    return [s["StackSetName"] for s in client("cloudformation").list_stack_sets()["Summaries"]]


def test_deploy_stops_at_a_missing_certificate_before_any_operation(
    deployment: Deployment,
) -> None:
    assert deployment.bootstrap().code == 0
    bootstrapped = stack_sets()
    certificates = deployment.certificates()
    missing = f"arn:aws:acm:us-west-2:{ACCOUNT}:certificate/0000-missing"
    deployment.rebuild(certificates={**certificates, "us-west-2": missing})

    result = deployment.deploy()

    assert result.code == 1
    assert result.err == (
        f"error: {deployment.spec}:9:16: preflight: certificate {missing} does not exist in "
        f"us-west-2: Certificate with arn {missing} not found in account {ACCOUNT}\n"
    )
    assert stack_sets() == bootstrapped


def test_plan_stops_in_an_account_that_is_not_a_deployment_account(
    deployment: Deployment,
) -> None:
    assert deployment.bootstrap().code == 0
    other = "111111111111"
    # The spec of another account, with that account's certificates (DR091), run with the
    # credentials of this one.
    deployment.spec.write_text(deployment.spec.read_text().replace(ACCOUNT, other))
    build(deployment.spec, deployment.build_dir.parent)

    result = deployment.plan()

    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[0] == (
        f"error: {deployment.spec}:3:13: preflight: the credentials are of account {ACCOUNT}, "
        f"which is not a deployment account ({other}) nor trusted by their execution roles: "
        f"use credentials of a deployment account (--profile), or bootstrap the targets with "
        f"--trust {ACCOUNT}"
    )
    assert [line.split(": preflight: ")[1].split(" ")[0] for line in lines[1:]] == [
        "certificate",  # us-east-1: not in this account
        "certificate",  # us-west-2
        "AWSCloudFormationStackSetExecutionRole",  # not in account 111111111111
    ]
    assert lines[-1].endswith(
        f"AWSCloudFormationStackSetExecutionRole does not exist in account {other}: run "
        f"`dr-compiler bootstrap {deployment.spec}` first"
    )
    assert result.out == ""


def test_deploy_stops_without_bootstrap_and_skip_preflight_goes_on(
    deployment: Deployment,
) -> None:
    result = deployment.deploy()

    assert result.code == 1
    assert "AWSCloudFormationStackSetAdministrationRole does not exist" in result.err
    assert stack_sets() == []  # not even the bootstrap StackSet
    assert deployment.bootstrap().code == 0
    deployed = deployment.deploy()
    assert deployed.code == 0, deployed.err
    assert PASSED in deployed.err
    assert deployment.plan("--skip-preflight").err == ""


def test_an_administering_account_trusted_by_every_target_may_deploy(spec_file: Path) -> None:
    other = "111111111111"
    spec_file.write_text(spec_file.read_text().replace(f'["{ACCOUNT}"]', f'["{other}"]'))
    assert len(run(deployment_account, spec_file)) == 1
    # What `bootstrap --trust` leaves in the target account: its execution role.
    credentials = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{other}:role/AWSCloudFormationStackSetExecutionRole",
        RoleSessionName="test",
    )["Credentials"]
    boto3.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).create_role(RoleName="AWSCloudFormationStackSetExecutionRole", AssumeRolePolicyDocument="{}")
    assert run(deployment_account, spec_file) == []
