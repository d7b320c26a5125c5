from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import spec_findings, summary
from tests.specbuild import base_line

HERE = Path(__file__).parent


def test_certificate_of_another_region_and_account_fails_at_its_line() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR091", spec)
    assert summary(findings) == {("DR091", "us-west-2", f"{spec}:5:16")}
    assert sorted(f.message for f in findings) == [
        "certificate for us-west-2 belongs to account 222222222222, which is not a deployment "
        "account (111111111111): the listener in each target account cannot use it; use a "
        "certificate of the deployment account",
        "certificate for us-west-2 is in us-east-1: a load balancer in us-west-2 can only use "
        "an ACM certificate of us-west-2; request or import one there",
    ]


def test_certificates_of_their_regions_in_the_deployment_account_pass() -> None:
    assert spec_findings("DR091", HERE / "good.yaml") == []


def test_an_api_for_organizational_units_or_several_accounts_fails_once() -> None:
    units = HERE / "units.yaml"
    findings = spec_findings("DR091", units)
    assert summary(findings) == {("DR091", "api", str(base_line("api", "certificate_arns")))}
    assert [f.message for f in findings] == [
        "the API deploys to organizational units, whose accounts are known only at "
        "deployment, but an ACM certificate belongs to one account and one DNS name fails "
        "over between one account's load balancers: deploy the API to one account per "
        "environment (deployment.accounts, or account_filter {type: INTERSECTION, "
        "accounts: [<the API's account>]})"
    ]
    two = spec_findings("DR091", HERE / "two_accounts.yaml")
    assert [f.message.split(",")[0] for f in two] == ["the API deploys to 2 accounts (111111111111"]


def test_units_narrowed_to_the_certificates_account_pass() -> None:
    assert spec_findings("DR091", HERE / "one_account_of_units.yaml") == []
