from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import compiled_prod, set_findings, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_public_load_balancers_without_a_full_web_acl_fail_and_internal_ones_pass() -> None:
    findings = template_findings("DR086", HERE / BAD)
    assert {(f.resource, f.message) for f in findings} == {
        (
            "UnprotectedLoadBalancer",
            "internet-facing load balancer UnprotectedLoadBalancer has no WAF web ACL associated",
        ),
        (
            "WeaklyProtectedLoadBalancer",
            "WeaklyProtectedLoadBalancer: web ACL EmptyAcl uses no AWS managed rule group",
        ),
        (
            "WeaklyProtectedLoadBalancer",
            "WeaklyProtectedLoadBalancer: web ACL EmptyAcl has no rate-based rule",
        ),
        (
            "WeaklyProtectedLoadBalancer",
            "WeaklyProtectedLoadBalancer: web ACL EmptyAcl has no logging configuration: "
            "blocked requests leave no trail",
        ),
    }


def test_a_load_balancer_behind_managed_rules_a_rate_rule_and_logging_passes() -> None:
    assert template_findings("DR086", HERE / "good.us-west-2.attach.json") == []


def test_shipped_prod_templates_pass() -> None:
    assert set_findings("DR086", compiled_prod()) == []
