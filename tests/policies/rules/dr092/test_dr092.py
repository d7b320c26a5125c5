from __future__ import annotations

import json
from pathlib import Path

from dr_compiler.policies.rules.dr092_availability_zones import zone_counts
from dr_compiler.schema import load_schema
from tests.policies.ruletest import spec_findings, summary

HERE = Path(__file__).parent


def test_more_zones_than_a_region_offers_fails_at_the_setting() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR092", spec)
    assert summary(findings) == {("DR092", "us-west-1", f"{spec}:9:23")}
    assert findings[0].message == (
        "network.availability_zones is 3, but us-west-1 offers 2: set availability_zones to 2 "
        "or choose another region"
    )


def test_zones_every_region_offers_pass() -> None:
    assert spec_findings("DR092", HERE / "good.yaml") == []


def test_the_zone_table_covers_every_region_of_the_language() -> None:
    regions = load_schema()["$defs"]["region"]["enum"]
    assert sorted(zone_counts()) == sorted(regions)
    assert all(count >= 2 for count in zone_counts().values())
    data = json.loads(
        (Path(__file__).parents[4] / "dr_compiler" / "data" / "availability_zones.json").read_text()
    )
    assert data["source"].startswith("https://aws.amazon.com/")
