from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, spec_findings, summary, template_findings

HERE = Path(__file__).parent


def test_health_check_on_a_post_only_path_and_a_closed_port_fails() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR061", spec)
    assert summary(findings) == {
        ("DR061", "dns.health_check", f"{spec}:8:53"),
        ("DR061", "dns.health_check", f"{spec}:8:41"),
    }
    by_location = {str(f.location): f.message for f in findings}
    assert by_location[f"{spec}:8:53"] == (
        "health check path /payments is not a GET route of the API (it is served only for "
        "POST; routes: GET /health, POST /payments): Route53 sends GET, so every check fails"
    )
    assert by_location[f"{spec}:8:41"] == (
        "health check port 8443: the load balancer's HTTPS listener is on 443, nothing "
        "answers on 8443"
    )


def test_plain_http_health_check_fails() -> None:
    spec = HERE / "bad_http.yaml"
    findings = spec_findings("DR061", spec)
    assert summary(findings) == {("DR061", "dns.health_check", f"{spec}:4:28")}
    assert findings[0].message == (
        "health check protocol HTTP: the load balancer listens only for HTTPS on 443"
    )


def test_health_check_covered_by_a_get_route_pattern_passes() -> None:
    assert spec_findings("DR061", HERE / "good.yaml") == []
    assert spec_findings("DR061", CLEAN_SPEC) == []


def test_route53_health_check_that_differs_from_the_spec_fails() -> None:
    template = HERE / "bad.us-east-1.global.json"
    findings = template_findings("DR061", template, spec_file=CLEAN_SPEC)
    config = f"{template.name}: HealthCheckUsEast1.HealthCheckConfig"
    assert summary(findings) == {
        ("DR061", "HealthCheckUsEast1", f"{config}.Type"),
        ("DR061", "HealthCheckUsEast1", f"{config}.Port"),
        ("DR061", "HealthCheckUsEast1", f"{config}.ResourcePath"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{config}.ResourcePath"] == (
        "health check HealthCheckUsEast1 has ResourcePath /payments, the spec's "
        "dns.health_check says /health"
    )


def test_route53_health_checks_matching_the_spec_pass() -> None:
    template = HERE / "good.us-east-1.global.json"
    assert template_findings("DR061", template, spec_file=CLEAN_SPEC) == []
