from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_database_secrets_without_a_working_rotation_schedule_fail() -> None:
    findings = template_findings("DR087", HERE / BAD)
    # ApiKeySecret is attached to no database: rotating it is its owner's business.
    assert summary(findings) == {
        ("DR087", "StaticSecret", f"{BAD}: StaticSecret"),
        ("DR087", "ScheduledWithoutFunction", f"{BAD}: ScheduledWithoutFunction"),
    }


def test_a_hosted_rotation_schedule_passes() -> None:
    assert template_findings("DR087", HERE / "good.us-east-1.primary.json") == []
