from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, spec_findings, summary, template_findings

HERE = Path(__file__).parent
GLOBAL = "us-east-1.global.json"


def test_an_automatic_plan_without_a_probe_fails_at_the_setting() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR066", spec)
    assert summary(findings) == {("DR066", "failover", f"{spec}:38:17")}


def test_a_probed_plan_or_the_lambda_orchestrator_passes() -> None:
    assert spec_findings("DR066", HERE / "good.yaml") == []
    assert spec_findings("DR066", CLEAN_SPEC) == []


def test_triggers_on_the_primary_or_on_no_associated_alarm_fail() -> None:
    findings = template_findings("DR066", HERE / f"bad.{GLOBAL}")
    location = f"bad.{GLOBAL}: RegionSwitchPlan.Triggers[{{}}].Conditions"
    assert summary(findings) == {
        ("DR066", "RegionSwitchPlan", location.format(0)),
        ("DR066", "RegionSwitchPlan", location.format(1)),
    }
    assert sorted(f.message for f in findings) == [
        "plan RegionSwitchPlan: a condition of trigger 0 is alarm "
        "payments-failover-trigger-us-west-2-staging in the primary region us-east-1: it is "
        "lost with the region it should detect",
        "plan RegionSwitchPlan: a condition of trigger 1 names api-health, which is not one of "
        "the plan's associated alarms",
    ]


def test_an_untriggered_plan_fails_only_when_the_spec_is_automatic() -> None:
    untriggered = HERE / f"untriggered.{GLOBAL}"
    findings = template_findings("DR066", untriggered, spec_file=HERE / "good.yaml")
    assert summary(findings) == {
        ("DR066", "RegionSwitchPlan", f"untriggered.{GLOBAL}: RegionSwitchPlan.Triggers")
    }
    assert template_findings("DR066", untriggered) == []


def test_the_secondary_probe_alarm_passes() -> None:
    good = HERE / f"good.{GLOBAL}"
    assert template_findings("DR066", good, spec_file=HERE / "good.yaml") == []
