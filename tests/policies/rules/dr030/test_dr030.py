from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent


def test_alarm_without_actions_and_with_another_regions_topic_fails() -> None:
    findings = template_findings("DR030", HERE / "bad.us-east-1.primary.json")
    assert summary(findings) == {
        ("DR030", "SilentAlarm", "bad.us-east-1.primary.json: SilentAlarm.AlarmActions"),
        ("DR030", "SilentAlarm", "bad.us-east-1.primary.json: SilentAlarm.OKActions"),
        (
            "DR030",
            "WrongRegionAlarm",
            "bad.us-east-1.primary.json: WrongRegionAlarm.AlarmActions[0]",
        ),
    }
    messages = sorted(f.message for f in findings)
    assert messages[0] == "alarm SilentAlarm has no AlarmActions: nobody hears it"
    assert messages[2] == "alarm WrongRegionAlarm AlarmActions[0] is not an SNS topic in us-east-1"


def test_alarm_notifying_its_regions_topic_passes() -> None:
    assert template_findings("DR030", HERE / "good.us-east-1.primary.json") == []
