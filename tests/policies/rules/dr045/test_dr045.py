from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.ruletest import spec_findings, summary

HERE = Path(__file__).parent
SETS = (
    "US: us-east-1, us-east-2, us-west-2; EU: eu-central-1, eu-west-1, eu-west-2, eu-west-3; "
    "AP: ap-northeast-1, ap-northeast-2, ap-northeast-3"
)


@pytest.mark.parametrize(
    ("fixture", "problem"),
    [
        ("bad_two_regions.yaml", "needs exactly 3 regions, the spec has 2"),
        (
            "bad_mixed_sets.yaml",
            "needs its regions within one region set, not us-east-1, us-west-2, eu-west-1",
        ),
    ],
)
def test_strong_consistency_outside_a_region_set_fails_at_the_table(
    fixture: str, problem: str
) -> None:
    spec = HERE / fixture
    findings = spec_findings("DR045", spec)
    line = 6 if fixture == "bad_two_regions.yaml" else 15
    assert summary(findings) == {("DR045", "transactions", f"{spec}:{line}:18")}
    assert findings[0].message == (
        f"table transactions: multi-Region strong consistency {problem} ({SETS}); change "
        "regions or set consistency: eventual"
    )


def test_three_regions_of_one_set_pass() -> None:
    assert spec_findings("DR045", HERE / "good.yaml") == []
