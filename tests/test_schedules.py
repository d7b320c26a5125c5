"""The longest gap between runs of an EventBridge schedule, and the cron features not modelled."""

from __future__ import annotations

import pytest

from dr_compiler.schedules import UnsupportedSchedule, schedule_period

# --- schedules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(12 hours)", 43200),
        ("rate(2 days)", 172800),
        ("cron(0 * * * ? *)", 3600),  # hourly
        ("cron(0/15 * * * ? *)", 900),
        ("cron(0 0,12 * * ? *)", 43200),
        ("cron(0 1,2,3 * * ? *)", 79200),  # 03:00 -> 01:00 the next day
        ("cron(0 5 ? * MON-FRI *)", 259200),  # Friday 05:00 -> Monday 05:00
        ("cron(0 5 ? * 1 *)", 604800),  # weekly, Sundays
        ("cron(0 12 1 * ? *)", 2678400),  # monthly: 31 days at most
        ("cron(0 0 31 * ? *)", 5270400),  # the 31st: August 31 -> October 31
    ],
)
def test_schedule_period(expression: str, seconds: int) -> None:
    assert schedule_period(expression) == seconds


@pytest.mark.parametrize(
    "expression",
    ["cron(0 0 L * ? *)", "cron(0 0 ? * 6#3 *)", "cron(0 0 1 * ? 2030)", "cron(0 0 * *)"],
)
def test_unmodelled_cron_features_are_refused(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule):
        schedule_period(expression)
