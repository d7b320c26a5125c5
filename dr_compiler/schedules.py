"""EventBridge schedule expressions: the one parser, used by the schema layer (is it valid?)
and by the recovery objectives (how far apart are its runs?).

The syntax is EventBridge's (AWS Backup plans use the same cron syntax), from
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html :

- `rate(value unit)`: a positive whole number and minute(s), hour(s) or day(s); the unit is
  singular when the value is 1 and plural otherwise (`rate(1 minute)`, `rate(5 minutes)`).
- `cron(minutes hours day-of-month month day-of-week year)`, in UTC, six fields:

  | field        | values              | wildcards      |
  |--------------|---------------------|----------------|
  | minutes      | 0-59                | , - * /        |
  | hours        | 0-23                | , - * /        |
  | day-of-month | 1-31                | , - * ? / L W  |
  | month        | 1-12 or JAN-DEC     | , - * /        |
  | day-of-week  | 1-7 or SUN-SAT      | , - * ? L #    |
  | year         | 1970-2199           | , - * /        |

  Day-of-month and day-of-week cannot both be given: one of them must be `?`.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

EVENTBRIDGE_SCHEDULES_URL = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html"
)
"""rate() and six-field cron() expressions in UTC, one minute at the finest; AWS Backup
schedules use the same cron syntax."""

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE = re.compile(r"rate\((?P<value>[^ ()]*) (?P<unit>[^ ()]*)\)")
_CRON = re.compile(r"cron\((?P<fields>[^()]*)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
# Five years from a leap year: long enough for every day-of-month/month pattern to repeat.
_SIMULATION_START = date(2024, 1, 1)
_SIMULATION_DAYS = 5 * 366


class UnsupportedSchedule(ValueError):
    """A schedule the objectives cannot model: invalid, or using L, W, # or a year."""


class InvalidSchedule(UnsupportedSchedule):
    """A schedule EventBridge refuses; the message says what to write instead."""


@dataclass(frozen=True)
class CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    special: re.Pattern[str] | None = None
    """The L/W/# forms the field allows (validated, not modelled by `schedule_period`)."""
    question_mark: bool = False
    step: bool = True


_DAY_OF_MONTH_SPECIAL = re.compile(r"L|LW|([1-9]|[12][0-9]|3[01])W")
_DAY_OF_WEEK_SPECIAL = re.compile(r"L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])", re.I)
CRON_FIELDS = (
    CronField("minutes", 0, 59),
    CronField("hours", 0, 23),
    CronField("day-of-month", 1, 31, special=_DAY_OF_MONTH_SPECIAL, question_mark=True),
    CronField("month", 1, 12, _MONTHS),
    CronField(
        "day-of-week",
        1,
        7,
        _WEEKDAYS,
        special=_DAY_OF_WEEK_SPECIAL,
        question_mark=True,
        step=False,
    ),
    CronField("year", 1970, 2199),
)
_DAY_OF_MONTH, _DAY_OF_WEEK = 2, 4


@dataclass(frozen=True)
class Rate:
    value: int
    unit: str

    @property
    def seconds(self) -> int:
        return self.value * _UNIT_SECONDS[self.unit.rstrip("s")]


@dataclass(frozen=True)
class Cron:
    fields: tuple[str, ...]


def parse(expression: str) -> Rate | Cron:
    """The schedule, checked field by field; raises InvalidSchedule naming the first problem."""
    if match := _RATE.fullmatch(expression):
        return _rate(match.group("value"), match.group("unit"))
    if match := _CRON.fullmatch(expression):
        return _cron(match.group("fields"))
    raise InvalidSchedule(
        f"{expression!r} is neither rate(value unit) nor cron(minutes hours day-of-month "
        "month day-of-week year)"
    )


def _rate(value_text: str, unit: str) -> Rate:
    if not value_text.isdigit() or int(value_text) < 1:
        raise InvalidSchedule(f"rate value {value_text!r} is not a whole number of at least 1")
    value = int(value_text)
    if unit.rstrip("s") not in _UNIT_SECONDS or unit.count("s") > 1:
        raise InvalidSchedule(f"rate unit {unit!r} is not minute(s), hour(s) or day(s)")
    expected = unit.rstrip("s") if value == 1 else unit.rstrip("s") + "s"
    if unit != expected:
        raise InvalidSchedule(
            f"rate({value} {unit}): the unit is singular for 1 and plural otherwise; "
            f"write rate({value} {expected})"
        )
    return Rate(value, unit)


def _cron(text: str) -> Cron:
    fields = tuple(text.split())
    if len(fields) != len(CRON_FIELDS) or text != " ".join(fields):
        raise InvalidSchedule(
            f"cron has {len(fields)} fields separated by single spaces; EventBridge needs six: "
            "minutes hours day-of-month month day-of-week year, e.g. cron(0 * * * ? *)"
        )
    for field, value in zip(CRON_FIELDS, fields, strict=True):
        _check_field(field, value)
    day_of_month, day_of_week = fields[_DAY_OF_MONTH], fields[_DAY_OF_WEEK]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise InvalidSchedule(
            f"cron day-of-month {day_of_month!r} and day-of-week {day_of_week!r}: exactly one "
            "of them must be ?, e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON *)"
        )
    return Cron(fields)


def _check_field(field: CronField, value: str) -> None:
    if value == "?":
        if not field.question_mark:
            raise InvalidSchedule(
                f"cron {field.name} '?': only day-of-month and day-of-week take ?"
            )
        return
    for part in value.split(","):
        if field.special is not None and field.special.fullmatch(part):
            continue
        _part_values(field, part)


def _part_values(field: CronField, part: str) -> range:
    """The values one comma-separated part of a field stands for."""
    where = f"cron {field.name} {part!r}"
    base, slash, step_text = part.partition("/")
    if slash and not field.step:
        raise InvalidSchedule(f"{where}: {field.name} takes no / step")
    if slash and (not step_text.isdigit() or int(step_text) < 1):
        raise InvalidSchedule(f"{where}: the step after / is a whole number of at least 1")
    step = int(step_text) if slash else 1
    if base == "*":
        start, end = field.low, field.high
    elif "-" in base:
        first, last = base.split("-", 1)
        start, end = _value(field, first, where), _value(field, last, where)
        if start > end:
            raise InvalidSchedule(f"{where}: a range runs from the lower value to the higher")
    else:
        start = _value(field, base, where)
        # `5/15` means from 5 every 15 to the end of the range.
        end = field.high if slash else start
    return range(start, end + 1, step)


def _value(field: CronField, text: str, where: str) -> int:
    upper = text.upper()
    if upper in field.names:
        return field.names.index(upper) + field.low
    named = f" or {field.names[0]}-{field.names[-1]}" if field.names else ""
    if not text.isdigit() or not field.low <= int(text) <= field.high:
        raise InvalidSchedule(f"{where}: {field.name} is {field.low}-{field.high}{named}")
    return int(text)


def schedule_problem(expression: str) -> str | None:
    """Why EventBridge refuses `expression` (and what to write instead), or None."""
    try:
        parse(expression)
    except InvalidSchedule as invalid:
        return str(invalid)
    return None


@functools.lru_cache(maxsize=32)
def schedule_period(expression: str) -> float:
    """The longest gap between two runs of an EventBridge/AWS Backup schedule, in seconds.

    rate(N unit) is exact. cron(min hour day-of-month month day-of-week year) is evaluated by
    laying its run times over five calendar years (UTC) and taking the longest gap, so
    weekly, monthly and short-month patterns come out right. Not modelled (raises
    UnsupportedSchedule): L, W and # and a year field other than `*`; an invalid expression
    raises InvalidSchedule.
    """
    schedule = parse(expression)
    if isinstance(schedule, Rate):
        return float(schedule.seconds)
    day_of_month, year = schedule.fields[_DAY_OF_MONTH], schedule.fields[-1]
    if year != "*":
        raise UnsupportedSchedule(f"{expression!r}: a year other than * eventually stops")
    minutes, hours, days_of_month, months, weekdays, _ = (
        _modelled_values(field, value)
        for field, value in zip(CRON_FIELDS, schedule.fields, strict=True)
    )
    offsets = sorted(h * 3600 + m * 60 for h in hours for m in minutes)
    by_weekday = day_of_month == "?"
    days = _run_days(months, weekdays if by_weekday else days_of_month, by_weekday)
    return _longest_gap(days, offsets)


def _modelled_values(field: CronField, value: str) -> frozenset[int]:
    if value == "?":
        return frozenset()
    if any(c in value for c in "LW#"):
        raise UnsupportedSchedule(f"cron field {value!r}: L, W and # are not modelled")
    values: set[int] = set()
    for part in value.split(","):
        values.update(_part_values(field, part))
    return frozenset(values)


def _run_days(months: frozenset[int], wanted: frozenset[int], by_weekday: bool) -> list[int]:
    """Day numbers (from the simulation start) on which the schedule runs."""
    found = []
    for number in range(_SIMULATION_DAYS):
        day = _SIMULATION_START + timedelta(days=number)
        # EventBridge numbers weekdays 1 (SUN) to 7 (SAT); Python's Monday is 0.
        value = (day.weekday() + 1) % 7 + 1 if by_weekday else day.day
        if day.month in months and value in wanted:
            found.append(number)
    return found


def _longest_gap(days: list[int], offsets: list[int]) -> float:
    """Longest gap between consecutive runs: within a run day, or from one run day's last
    run to the next run day's first (computed per pair of days, not per run)."""
    if not offsets or len(days) * len(offsets) < 2:
        return math.inf  # runs once at most: no next run
    within = max((b - a for a, b in itertools.pairwise(offsets)), default=0)
    between = max(
        ((b - a) * 86400 + offsets[0] - offsets[-1] for a, b in itertools.pairwise(days)),
        default=0,
    )
    return float(max(within, between))
