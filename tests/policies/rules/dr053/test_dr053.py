from __future__ import annotations

from pathlib import Path

from dr_compiler.compiler import ids
from tests.policies.ruletest import (
    compiled_prod,
    set_findings,
    summary,
    template_findings,
    with_defect,
)

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"
PRIMARY = "templates_out/prod/us-east-1.json"


def test_public_load_balancers_not_waiting_for_the_gateway_attachment_fail() -> None:
    findings = template_findings("DR053", HERE / BAD)
    # Internal load balancers and those on another stack's subnets are not judged.
    assert summary(findings) == {
        ("DR053", "LoadBalancer", f"{BAD}: LoadBalancer.DependsOn"),
        ("DR053", "DefaultSchemeLoadBalancer", f"{BAD}: DefaultSchemeLoadBalancer.DependsOn"),
    }
    assert findings[0].message == (
        "internet-facing load balancer DefaultSchemeLoadBalancer does not depend on the "
        "internet gateway attachment InternetGatewayAttachment of its VPC in the same "
        'template: CloudFormation may create it first and fail with "VPC has no internet '
        'gateway"; add DependsOn'
    )


def test_a_direct_or_transitive_dependency_on_the_attachment_passes() -> None:
    assert template_findings("DR053", HERE / "good.us-east-1.primary.json") == []


def test_the_compiled_prod_templates_pass() -> None:
    assert set_findings("DR053", compiled_prod()) == []


def test_the_compiled_primary_without_its_depends_on_fails() -> None:
    def drop(body: dict) -> None:
        del body["Resources"][ids.LOAD_BALANCER]["DependsOn"]

    findings = set_findings("DR053", with_defect(compiled_prod(), PRIMARY, drop))
    assert summary(findings) == {
        ("DR053", ids.LOAD_BALANCER, f"{PRIMARY}: {ids.LOAD_BALANCER}.DependsOn"),
    }
    assert findings[0].location == compiled_prod().spec.locate("api")
