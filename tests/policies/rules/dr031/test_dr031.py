from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import spec_findings, summary, template_findings

HERE = Path(__file__).parent


def test_lag_threshold_above_the_database_rpo_fails() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR031", spec)
    assert summary(findings) == {
        ("DR031", "monitoring.alarms.replication_lag_ms", f"{spec}:8:25"),
    }
    assert findings[0].message == (
        "replication_lag_ms 3000 exceeds the database RPO of 2000 ms: the alarm would fire "
        "only after more data than the objective allows is already at risk"
    )


def test_lag_threshold_within_the_rpo_passes() -> None:
    assert spec_findings("DR031", HERE / "good.yaml") == []


def test_route53_alarms_outside_us_east_1_and_a_late_lag_alarm_fail() -> None:
    bad = HERE / "bad.us-west-2.attach.json"
    findings = template_findings("DR031", bad, spec_file=HERE / "good.yaml")
    assert summary(findings) == {
        ("DR031", "HealthCheckAlarm", f"{bad.name}: HealthCheckAlarm.Namespace"),
        ("DR031", "HealthyPercentAlarm", f"{bad.name}: HealthyPercentAlarm.Metrics"),
        ("DR031", "ReplicationLagAlarm", f"{bad.name}: ReplicationLagAlarm.Threshold"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["HealthCheckAlarm"] == (
        "alarm HealthCheckAlarm watches an AWS/Route53 metric from us-west-2: Route53 "
        "health-check metrics exist only in us-east-1"
    )
    assert messages["ReplicationLagAlarm"] == (
        "alarm ReplicationLagAlarm on AuroraGlobalDBReplicationLag has Threshold 30000: it "
        "must be at most the database RPO of 5000 ms"
    )


def test_route53_alarms_in_us_east_1_and_a_timely_lag_alarm_pass() -> None:
    findings = template_findings(
        "DR031",
        HERE / "good.us-east-1.global.json",
        HERE / "good.us-west-2.attach.json",
        spec_file=HERE / "good.yaml",
    )
    assert findings == []
