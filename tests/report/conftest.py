"""A policy report with findings, a waived finding, an expired and a stale waiver."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dr_compiler.pipeline import load_model
from dr_compiler.policies.engine import PolicyReport, evaluate
from dr_compiler.policies.registry import rule
from tests.policies.ruletest import load_templates

HERE = Path(__file__).parent
DR030_BAD = HERE.parent / "policies" / "rules" / "dr030" / "bad.us-east-1.primary.json"
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="session")
def report() -> PolicyReport:
    spec = load_model(HERE / "waivers.yaml")
    templates = load_templates(DR030_BAD, spec_file=HERE / "waivers.yaml")
    return evaluate(spec, templates, today=TODAY, rules=(rule("DR030"),))
