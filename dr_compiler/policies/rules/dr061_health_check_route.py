"""DR061: the health check asks for something the API actually answers.

Route53 health checkers send GET requests; the API's load balancer has one listener, HTTPS on
443, and forwards only the spec's routes. So the check must be HTTPS on 443 to a path that a
GET route serves, or it fails forever and DNS fails over from a healthy region.
Spec: dns.health_check against api.routes. Templates: each Route53 health check of the global
stack probes exactly what the spec says (type, port, path).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Dns, Route, Spec
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateSet, Violation

HTTPS = "HTTPS"
LISTENER_PORT = 443
"""The load balancer's only listener (HTTPS): no port 80 is open (DR052)."""
HEALTH_CHECK_PATH = ("dns", "health_check")


@cache
def _pattern(route_path: str) -> re.Pattern[str]:
    """An ALB path pattern: `*` matches any run of characters, the rest is literal."""
    return re.compile(".*".join(re.escape(part) for part in route_path.split("*")))


def serves(route: Route, path: str) -> bool:
    return bool(_pattern(route.path).fullmatch(path))


def _describe(routes: tuple[Route, ...]) -> str:
    return ", ".join(f"{r.method} {r.path}" for r in routes) or "none"


def check_spec(spec: Spec) -> Iterator[Violation]:
    if spec.api is None or spec.dns is None:
        return
    check = spec.dns.health_check
    get_routes = [r for r in spec.api.routes if r.method == "GET"]
    if not any(serves(r, check.path) for r in get_routes):
        other = [r for r in spec.api.routes if serves(r, check.path)]
        detail = (
            f"it is served only for {', '.join(sorted({r.method for r in other}))}"
            if other
            else "no route serves it"
        )
        yield Violation(
            f"health check path {check.path} is not a GET route of the API ({detail}; routes: "
            f"{_describe(spec.api.routes)}): Route53 sends GET, so every check fails",
            "dns.health_check",
            path=(*HEALTH_CHECK_PATH, "path"),
        )
    if check.protocol != HTTPS:
        yield Violation(
            f"health check protocol {check.protocol}: the load balancer listens only for "
            f"HTTPS on {LISTENER_PORT}",
            "dns.health_check",
            path=(*HEALTH_CHECK_PATH, "protocol"),
        )
    elif check.port != LISTENER_PORT:
        yield Violation(
            f"health check port {check.port}: the load balancer's HTTPS listener is on "
            f"{LISTENER_PORT}, nothing answers on {check.port}",
            "dns.health_check",
            path=(*HEALTH_CHECK_PATH, "port"),
        )


def _expected(dns: Dns) -> dict[str, Any]:
    check = dns.health_check
    return {"Type": check.protocol, "Port": check.port, "ResourcePath": check.path}


def _actual(config: dict[str, Any]) -> dict[str, Any]:
    """Type (a *_STR_MATCH check is the same request), Port (Route53's default when absent:
    443 for HTTPS, 80 for HTTP) and ResourcePath of a HealthCheckConfig."""
    kind = str(config.get("Type", "")).removesuffix("_STR_MATCH")
    port = config.get("Port", LISTENER_PORT if kind == HTTPS else 80)
    return {
        "Type": kind,
        "Port": int(port) if str(port).isdigit() else port,
        "ResourcePath": config.get("ResourcePath"),
    }


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    spec = templates.spec
    if spec is None or spec.dns is None:
        return
    expected = _expected(spec.dns)
    for template in templates.by_phase("global"):
        for logical_id, resource in template.resources(blocks.route53.HEALTH_CHECK.type):
            actual = _actual(resource.get("Properties", {}).get("HealthCheckConfig", {}))
            for prop, wanted in expected.items():
                if actual[prop] != wanted:
                    yield Violation(
                        f"health check {logical_id} has {prop} {actual[prop]}, the spec's "
                        f"dns.health_check says {wanted}",
                        logical_id,
                        template=template,
                        logical_id=logical_id,
                        property_path=("HealthCheckConfig", prop),
                    )


RULE = Rule(
    id="DR061",
    title="The health check's protocol, port and path match a GET route the API serves",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "The seed designs pointed the Route53 health check at a path the API served only for "
        "POST: every GET got a 404, the primary was marked unhealthy from the first minute, "
        "and DNS failed over from a healthy region. A check on the wrong protocol or port "
        "fails the same way. Route53 health checkers send GET (HTTPS with SNI) and treat "
        "anything but 2xx/3xx as a failure."
    ),
    remediation=(
        "Set dns.health_check.path to a path of a GET route in api.routes (e.g. /health), "
        "and keep protocol HTTPS on port 443 (the defaults), the load balancer's only listener."
    ),
    docs="https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html",
    bad_example=(
        "api:\n  routes:\n    - {method: POST, path: /payments}\n"
        "dns:\n  health_check: {protocol: HTTPS, path: /payments}\n"
    ),
    good_example=(
        "api:\n  routes:\n    - {method: GET, path: /health}\n"
        "    - {method: POST, path: /payments}\n"
        "dns:\n  health_check: {protocol: HTTPS, path: /health}\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("dns", "failover"),
)
