from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
GLOBAL, BASE = "us-east-1.global.json", "us-west-2.base.json"
BUCKET = "RegionSwitchReportBucket"


def test_a_plan_without_reports_fails() -> None:
    findings = template_findings("DR068", HERE / f"bad.{GLOBAL}", HERE / f"good.{BASE}")
    assert summary(findings) == {
        ("DR068", "RegionSwitchPlan", f"bad.{GLOBAL}: RegionSwitchPlan.ReportConfiguration")
    }


def test_reports_to_no_bucket_of_the_build_fail() -> None:
    findings = template_findings("DR068", HERE / f"good.{GLOBAL}")
    assert summary(findings) == {
        ("DR068", "RegionSwitchPlan", f"good.{GLOBAL}: RegionSwitchPlan.ReportConfiguration")
    }
    assert findings[0].message == (
        "plan RegionSwitchPlan reports to payments-plan-reports-${AWS::AccountId}-us-west-2-"
        "staging, which is no bucket of this build"
    )


def test_an_unprotected_report_bucket_fails() -> None:
    findings = template_findings("DR068", HERE / f"good.{GLOBAL}", HERE / f"bad.{BASE}")
    assert summary(findings) == {("DR068", BUCKET, f"bad.{BASE}: {BUCKET}")}
    assert sorted(f.message for f in findings) == [
        f"report bucket {BUCKET} of plan RegionSwitchPlan does not block public access in all "
        "four settings",
        f"report bucket {BUCKET} of plan RegionSwitchPlan has no bucket policy denying "
        "requests without TLS",
        f"report bucket {BUCKET} of plan RegionSwitchPlan is not versioned",
    ]


def test_the_compiled_report_bucket_passes() -> None:
    assert template_findings("DR068", HERE / f"good.{GLOBAL}", HERE / f"good.{BASE}") == []
