from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, spec_findings, summary, template_findings

HERE = Path(__file__).parent
GLOBAL, PRIMARY = "us-east-1.global.json", "us-east-1.primary.json"


def test_a_plan_orchestrator_with_two_secondaries_fails_at_the_setting() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR065", spec)
    assert summary(findings) == {("DR065", "failover", f"{spec}:12:17")}
    assert findings[0].message == (
        "failover.orchestrator: region_switch compiles one ARC Region switch plan, which spans "
        "exactly 2 Regions; the spec has 3"
    )


def test_one_secondary_or_the_lambda_orchestrator_passes() -> None:
    assert spec_findings("DR065", HERE / "good.yaml") == []
    assert spec_findings("DR065", CLEAN_SPEC) == []


def test_workflows_missing_the_database_or_the_dns_step_fail() -> None:
    findings = template_findings("DR065", HERE / f"bad.{GLOBAL}", HERE / f"good.{PRIMARY}")
    location = f"bad.{GLOBAL}: RegionSwitchPlan.Workflows[{{}}].Steps"
    assert summary(findings) == {
        ("DR065", "RegionSwitchPlan", location.format(0)),
        ("DR065", "RegionSwitchPlan", location.format(1)),
    }
    assert sorted(f.message for f in findings) == [
        "plan RegionSwitchPlan: the workflow activating us-east-1 has no Route53HealthCheck "
        "step for the failover records of api.staging.payments.acmecorp.net",
        "plan RegionSwitchPlan: the workflow activating us-east-1 has the AuroraGlobalDatabase "
        "step of payments-global-staging names no member cluster in us-east-1",
        "plan RegionSwitchPlan: the workflow activating us-west-2 has no AuroraGlobalDatabase "
        "step for global database payments-global-staging",
    ]


def test_the_compiled_plan_covers_the_database_and_the_dns() -> None:
    assert template_findings("DR065", HERE / f"good.{GLOBAL}", HERE / f"good.{PRIMARY}") == []


def test_a_global_table_without_a_replica_in_a_plan_region_fails() -> None:
    findings = template_findings("DR065", HERE / f"good.{GLOBAL}", HERE / f"single.{PRIMARY}")
    assert summary(findings) == {
        ("DR065", "RegionSwitchPlan", f"good.{GLOBAL}: RegionSwitchPlan.Regions")
    }
    assert findings[0].message == (
        "plan RegionSwitchPlan: global table TransactionsTable has no replica in us-west-2, "
        "which the plan activates: no step can make one"
    )
