from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, summary, template_findings

HERE = Path(__file__).parent
GLOBAL = "us-east-1.global.json"
LOCATION = "{}.us-east-1.global.json: RegionSwitchPlan.RecoveryTimeObjectiveMinutes"


def test_a_plan_objective_other_than_the_spec_fails() -> None:
    findings = template_findings("DR069", HERE / f"bad.{GLOBAL}", spec_file=CLEAN_SPEC)
    assert summary(findings) == {("DR069", "RegionSwitchPlan", LOCATION.format("bad"))}
    assert findings[0].message == (
        "plan RegionSwitchPlan declares a recovery time objective of 60 minutes; the spec's "
        "failover objective is 300 s, so 5 minutes"
    )


def test_a_plan_without_an_objective_fails() -> None:
    findings = template_findings("DR069", HERE / f"unset.{GLOBAL}", spec_file=CLEAN_SPEC)
    assert summary(findings) == {("DR069", "RegionSwitchPlan", LOCATION.format("unset"))}


def test_the_spec_objective_in_minutes_passes_and_no_spec_judges_nothing() -> None:
    assert template_findings("DR069", HERE / f"good.{GLOBAL}", spec_file=CLEAN_SPEC) == []
    assert template_findings("DR069", HERE / f"bad.{GLOBAL}") == []
