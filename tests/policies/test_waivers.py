"""Waivers that cannot stand are spec errors at their line: an empty reason, an unknown rule,
an expiry past the review horizon."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from dr_compiler.cli import run
from dr_compiler.errors import SpecInvalidError
from dr_compiler.pipeline import load_model
from dr_compiler.policies.waivers import visible_length
from tests.specbuild import CLEAN_SPEC

TODAY = date(2026, 11, 30)


def waiver_spec(tmp_path: Path, rule: str, reason: str, expires: str, extra: str = "") -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"extends: {CLEAN_SPEC.resolve()}\n"
        "policy:\n"
        f"{extra}"
        "  waivers:\n"
        f"    - rule: {rule}\n"
        "      resource: alb-ingress\n"
        f'      reason: "{reason}"\n'
        f"      expires: {expires}\n",
        encoding="utf-8",
    )
    return spec


CASES = {
    "whitespace reason": (
        ("DR052", " " * 12, "2027-06-30"),
        "6:15: policy.waivers[0].reason: has 0 visible characters; say in at least 10 why "
        "the exception is acceptable",
    ),
    # Zero-width and bidi characters are refused by the schema's pattern already (tests/hostile);
    # fillers that render blank pass it and must not count as a reason either.
    "blank-filler reason": (
        (
            "DR052",
            "ok\\u3164\\u2800\\u115f\\u1160\\uffa0\\u3164\\u2800\\u3164",
            "2027-06-30",
        ),
        "6:15: policy.waivers[0].reason: has 2 visible characters; say in at least 10 why "
        "the exception is acceptable",
    ),
    "unknown rule": (
        ("DR059", "public API must accept 0.0.0.0/0 on 443", "2027-06-30"),
        "4:13: policy.waivers[0].rule: no rule DR059 (did you mean DR095?); `dr-compiler "
        "rules` lists the catalog",
    ),
    "expiry past the default horizon": (
        ("DR052", "public API must accept 0.0.0.0/0 on 443", "2028-01-01"),
        "7:16: policy.waivers[0].expires: 2028-01-01 is more than "
        "policy.waiver_horizon_days (365) away; expire the waiver by 2027-11-30 and review "
        "it then",
    ),
}


@pytest.mark.parametrize(("waiver", "expected"), CASES.values(), ids=CASES.keys())
def test_waiver_that_cannot_stand_is_a_spec_error_at_its_line(
    tmp_path: Path, waiver: tuple[str, str, str], expected: str
) -> None:
    spec = waiver_spec(tmp_path, *waiver)
    with pytest.raises(SpecInvalidError) as raised:
        load_model(spec, TODAY)
    assert [str(p) for p in raised.value.problems] == [f"{spec}:{expected}"]


def test_a_configured_horizon_allows_a_longer_expiry(tmp_path: Path) -> None:
    reason = "public API must accept 0.0.0.0/0 on 443"
    spec = waiver_spec(tmp_path, "DR052", reason, "2028-01-01", "  waiver_horizon_days: 730\n")
    assert load_model(spec, TODAY).policy.waiver_horizon_days == 730
    spec = waiver_spec(tmp_path, "DR052", reason, "2029-01-01", "  waiver_horizon_days: 730\n")
    with pytest.raises(SpecInvalidError, match=r"waiver_horizon_days \(730\)"):
        load_model(spec, TODAY)


def test_validate_exits_1_with_the_waiver_line(tmp_path: Path) -> None:
    spec = waiver_spec(tmp_path, "DR999", "public API must accept 0.0.0.0/0 on 443", "2027-01-31")
    out, err = io.StringIO(), io.StringIO()
    assert run(["validate", str(spec)], out, err) == 1
    assert err.getvalue() == (
        f"error: {spec}:4:13: policy.waivers[0].rule: no rule DR999 (did you mean DR095?); "
        "`dr-compiler rules` "
        "lists the catalog\n"
    )


@pytest.mark.parametrize(
    ("text", "length"),
    [("abc def", 6), ("\u200b\u200c\u200d\u2060\ufeff", 0), ("\u3164\u2800\u00a0x", 1)],
)
def test_visible_length(text: str, length: int) -> None:
    assert visible_length(text) == length
