from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, spec_findings, summary, template_findings

HERE = Path(__file__).parent
GLOBAL, ATTACH = "us-east-1.global.json", "us-west-2.attach.json"


def test_a_lossy_failover_on_one_datapoint_fails_at_the_setting() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR063", spec)
    assert summary(findings) == {("DR063", "failover", f"{spec}:4:24")}
    assert findings[0].message == (
        "failover.datapoints_to_alarm is 1: one failing datapoint would start a failover "
        "that may lose data; require at least 2"
    )


def test_more_datapoints_than_periods_fails() -> None:
    spec = HERE / "bad_order.yaml"
    assert summary(spec_findings("DR063", spec)) == {("DR063", "failover", f"{spec}:4:24")}


def test_m_of_n_or_a_lossless_failover_passes() -> None:
    assert spec_findings("DR063", CLEAN_SPEC) == []
    assert spec_findings("DR063", HERE / "good.yaml") == []


def test_single_datapoint_alarms_that_start_a_lossy_failover_fail() -> None:
    findings = template_findings("DR063", HERE / f"bad.{GLOBAL}", HERE / f"good.{ATTACH}")
    # The Route53 alarm in us-east-1 reaches the us-west-2 function through an ARN subscription.
    assert summary(findings) == {
        (
            "DR063",
            "HealthCheckUsEast1Alarm",
            f"bad.{GLOBAL}: HealthCheckUsEast1Alarm.DatapointsToAlarm",
        )
    }
    assert findings[0].message == (
        "alarm HealthCheckUsEast1Alarm starts FailoverTriggerFunction, which may fail over "
        "with data loss, on 1 datapoint: require DatapointsToAlarm >= 2"
    )
    regional = template_findings("DR063", HERE / f"bad.{ATTACH}")
    assert summary(regional) == {
        ("DR063", "FailoverTriggerAlarm", f"bad.{ATTACH}: FailoverTriggerAlarm.EvaluationPeriods")
    }


def test_m_of_n_alarms_or_a_lossless_function_pass() -> None:
    assert template_findings("DR063", HERE / f"good.{GLOBAL}", HERE / f"good.{ATTACH}") == []
    assert template_findings("DR063", HERE / f"lossless.{ATTACH}") == []
