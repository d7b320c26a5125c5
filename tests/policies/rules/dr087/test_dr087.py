from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import compiled_prod, set_findings, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_database_secrets_without_a_working_rotation_schedule_fail() -> None:
    findings = template_findings("DR087", HERE / BAD)
    # ApiKeySecret is attached to no database: rotating it is its owner's business.
    # MonthlyByArn rotates every 30 days through its own function: no transform needed.
    assert summary(findings) == {
        ("DR087", "StaticSecret", f"{BAD}: StaticSecret"),
        ("DR087", "ScheduledWithoutFunction", f"{BAD}: ScheduledWithoutFunction"),
        ("DR087", "RarelyRotated", f"{BAD}: RarelyRotated"),
        ("DR087", "HostedWithoutTransform", f"{BAD}: HostedWithoutTransform"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["RarelyRotated"] == (
        "database secret RarelyRotated rotates every 365 days, past the 90 days of PCI DSS 8.3.9"
    )
    assert messages["HostedWithoutTransform"] == (
        "database secret HostedWithoutTransform has a HostedRotationLambda schedule in a "
        "template without Transform AWS::SecretsManager-2024-09-16: CloudFormation creates no "
        "rotation function"
    )


def test_a_hosted_rotation_schedule_passes() -> None:
    assert template_findings("DR087", HERE / "good.us-east-1.primary.json") == []


def test_the_shipped_prod_spec_rotates_its_database_secret() -> None:
    """prod's templates pass without a waiver (the rule runs on them before waivers)."""
    assert set_findings("DR087", compiled_prod()) == []
