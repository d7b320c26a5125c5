from __future__ import annotations

from pathlib import Path

from dr_compiler.policies.rule import Severity
from tests.policies.ruletest import spec_findings, summary
from tests.specbuild import base_line

HERE = Path(__file__).parent


def test_wiring_mistakes_fail_at_the_line_that_makes_them() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR072", spec)
    assert summary(findings) == {
        ("DR072", "payment-processor", f"{spec}:17:22"),
        ("DR072", "payments", f"{spec}:5:33"),
        ("DR072", "refunds", f"{spec}:7:33"),
        ("DR072", "pager", f"{spec}:35:22"),
        # failover.function and api.function are written in the shipped base spec
        ("DR072", "failover-trigger", base_line("failover", "function")),
        ("DR072", "payment-api", base_line("api", "function")),
    }
    messages = {f.resource: (f.severity, f.message) for f in findings}
    assert messages["payment-processor"] == (
        Severity.ERROR,
        "function payment-processor is triggered by queue payments without consume access "
        "to it: the event source mapping cannot receive or delete messages; add access: "
        "{queues: {payments: consume}}",
    )
    assert messages["payments"] == (
        Severity.ERROR,
        "queue payments visibility timeout 20 s is less than the timeout of its consumer "
        "payment-processor (30 s): Lambda refuses the event source mapping; set "
        "visibility_timeout_seconds to at least 180",
    )
    assert messages["refunds"] == (
        Severity.WARNING,
        "queue refunds visibility timeout 120 s is less than six times the timeout of its "
        "consumer refund-processor (30 s), which AWS recommends so that throttled batches can "
        "be retried; set visibility_timeout_seconds to at least 180",
    )
    assert messages["payment-api"] == (
        Severity.ERROR,
        "api.function payment-api runs on schedule rate(5 minutes): the API needs a function "
        "of its own that only serves the load balancer",
    )
    assert messages["pager"][1].startswith("function pager has trigger alarm api_health, but")


def test_failover_function_needs_failover_access_and_its_alarm_trigger() -> None:
    spec = HERE / "bad.yaml"
    failover = [f.message for f in spec_findings("DR072", spec) if f.resource == "failover-trigger"]
    assert sorted(failover) == [
        "failover function failover-trigger has database access describe: promoting the "
        "secondary cluster needs access: {database: failover} on function failover-trigger",
        "failover function failover-trigger has no trigger: {alarm: api_health}: the failover "
        "topic subscribes it but has no permission to invoke it; add the trigger or set "
        "failover.automatic: false",
    ]


def test_shipped_wiring_passes() -> None:
    assert spec_findings("DR072", HERE / "good.yaml") == []
