"""The catalog as a whole: every DESIGN id implemented once, documented, with fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dr_compiler.policies.registry import PACKS, RULE_ID, all_rules, rules_for_packs
from dr_compiler.policies.rule import Level

RULES_TESTS = Path(__file__).parent / "rules"
CATALOG = [
    "DR001",
    "DR002",
    "DR003",
    "DR010",
    "DR020",
    "DR021",
    "DR022",
    "DR030",
    "DR031",
    "DR032",
    "DR040",
    "DR041",
    "DR042",
    "DR043",
    "DR044",
    "DR045",
    "DR050",
    "DR051",
    "DR052",
    "DR053",
    "DR054",
    "DR060",
    "DR061",
    "DR062",
    "DR063",
    "DR064",
    "DR065",
    "DR066",
    "DR067",
    "DR068",
    "DR069",
    "DR070",
    "DR071",
    "DR072",
    "DR080",
    "DR081",
    "DR082",
    "DR083",
    "DR084",
    "DR085",
    "DR086",
    "DR087",
    "DR090",
    "DR091",
    "DR092",
    "DR095",
]


def test_every_catalog_id_is_implemented_exactly_once() -> None:
    assert [rule.id for rule in all_rules()] == CATALOG


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_is_documented(rule) -> None:  # type: ignore[no-untyped-def]
    assert RULE_ID.match(rule.id)
    assert rule.title and not rule.title.endswith(".")
    assert len(rule.rationale) > 80
    assert len(rule.remediation) > 40
    assert re.match(r"^https://docs\.aws\.amazon\.com/|^https://aws\.amazon\.com/", rule.docs)
    assert rule.bad_example.strip() and rule.good_example.strip()
    assert rule.bad_example != rule.good_example


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_has_good_and_bad_fixtures_and_a_test(rule) -> None:  # type: ignore[no-untyped-def]
    folder = RULES_TESTS / rule.id.lower()
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    assert any(name.startswith("bad") for name in names), f"{folder} has no bad fixture"
    assert any(name.startswith("good") for name in names), f"{folder} has no good fixture"
    assert f"test_{rule.id.lower()}.py" in names


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_level_matches_the_checks(rule) -> None:  # type: ignore[no-untyped-def]
    assert (rule.check_spec is not None) == (rule.level in (Level.SPEC, Level.BOTH))
    assert (rule.check_templates is not None) == (rule.level in (Level.TEMPLATE, Level.BOTH))


def test_pci_pack_is_the_rules_with_pci_requirements() -> None:
    assert {r.id for r in rules_for_packs(("pci-dss",))} == {r.id for r in all_rules() if r.pci_dss}
    assert set(rules_for_packs(("dr-core",))) == set(all_rules())
    assert PACKS == ("dr-core", "pci-dss")


def test_pci_requirement_numbers_are_well_formed() -> None:
    for rule in all_rules():
        for requirement in rule.pci_dss:
            assert re.fullmatch(r"\d{1,2}(\.\d{1,2}){1,3}", requirement), (rule.id, requirement)
