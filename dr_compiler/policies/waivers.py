"""Waivers that cannot stand: each is a spec error (exit 1) naming its line, not a warning.

- a reason with fewer than 10 visible characters (whitespace and invisible characters, such
  as zero-width spaces or the Hangul filler, do not count): a waiver says why;
- a rule id that is not in the catalog: it would waive nothing, silently;
- an expiry further away than `policy.waiver_horizon_days` (default 365) from today: an
  exception is reviewed at least that often.

Expired and stale waivers stay warnings of the policy report (engine.py): they were valid
when written.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta

from dr_compiler.errors import Problem
from dr_compiler.loader import format_path
from dr_compiler.model import Spec, Waiver
from dr_compiler.policies.registry import all_rules, rule

MIN_REASON_CHARACTERS = 10
# Format, control and unassigned characters render as nothing; these letters and symbols
# render as blank space too (the Hangul fillers and the blank Braille pattern).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Zl", "Zp", "Zs"})
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible_length(text: str) -> int:
    """Characters of `text` a reader can see."""
    return sum(
        1
        for character in text
        if not character.isspace()
        and character not in _BLANK_CHARACTERS
        and unicodedata.category(character) not in _INVISIBLE_CATEGORIES
    )


def waiver_problems(spec: Spec, today: date) -> list[Problem]:
    """Every waiver of `spec` that cannot stand, as of `today`."""
    return [problem for waiver in spec.policy.waivers for problem in _problems(spec, waiver, today)]


def _problems(spec: Spec, waiver: Waiver, today: date) -> Iterator[Problem]:
    def problem(key: str, message: str) -> Problem:
        path = ("policy", "waivers", waiver.index, key)
        return Problem(spec.locate(*path), f"{format_path(path)}: {message}")

    if visible_length(waiver.reason) < MIN_REASON_CHARACTERS:
        yield problem(
            "reason",
            f"has {visible_length(waiver.reason)} visible characters; say in at least "
            f"{MIN_REASON_CHARACTERS} why the exception is acceptable",
        )
    if rule(waiver.rule) is None:
        ids = [r.id for r in all_rules()]
        hint = difflib.get_close_matches(waiver.rule, ids, n=1)
        suggestion = f" (did you mean {hint[0]}?)" if hint else ""
        yield problem(
            "rule",
            f"no rule {waiver.rule}{suggestion}; `dr-compiler rules` lists the catalog",
        )
    horizon = spec.policy.waiver_horizon_days
    latest = today + timedelta(days=horizon)
    if date.fromisoformat(waiver.expires) > latest:
        yield problem(
            "expires",
            f"{waiver.expires} is more than policy.waiver_horizon_days ({horizon}) away; "
            f"expire the waiver by {latest.isoformat()} and review it then",
        )
