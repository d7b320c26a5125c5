from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, spec_findings, summary

HERE = Path(__file__).parent


def test_bucket_replicating_without_rtc_fails_at_its_replication_setting() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR090", spec)
    assert summary(findings) == {("DR090", "bucket documents", f"{spec}:6:20")}
    assert findings[0].message == (
        "bucket documents: computed RPO unbounded (replication without RTC) exceeds the "
        "objective of 900 s: enable rtc on bucket documents: replication without RTC has no "
        "time bound"
    )


def test_ttl_one_second_over_the_dns_objective_fails_at_the_ttl() -> None:
    spec = HERE / "bad_dns.yaml"
    findings = spec_findings("DR090", spec)
    # The same TTL also pushes the end-to-end failover over its 300 s.
    assert summary(findings) == {
        ("DR090", "dns", f"{spec}:7:16"),
        ("DR090", "failover", f"{spec}:7:16"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["dns"] == (
        "dns: computed RTO 121 s (detection 30 s + traffic shift 91 s = 121 s) exceeds the "
        "objective of 120 s by 1 s: lower dns.ttl_seconds (91): resolvers keep the old answer "
        "that long; or lower dns.health_check.failure_threshold (detection 30 s)"
    )
    assert messages["failover"].startswith(
        "failover: computed RTO 331 s (detection 60 s + alarm 60 s + decision 60 s + "
        "promotion 60 s + traffic shift 91 s = 331 s) exceeds the objective of 300 s by 31 s"
    )


def test_manual_failover_has_no_bounded_rto() -> None:
    spec = HERE / "bad_manual.yaml"
    findings = spec_findings("DR090", spec)
    assert summary(findings) == {
        ("DR090", "database", f"{spec}:4:14"),
        ("DR090", "failover", f"{spec}:4:14"),
    }
    assert all("set failover.automatic: true" in f.message for f in findings)
    assert all("computed RTO unbounded" in f.message for f in findings)


def test_objectives_met_with_no_margin_pass() -> None:
    assert spec_findings("DR090", HERE / "good.yaml") == []
    assert spec_findings("DR090", CLEAN_SPEC) == []
