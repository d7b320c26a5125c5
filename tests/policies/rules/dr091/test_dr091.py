from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import spec_findings, summary

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
