"""Helpers for rule tests: evaluate one rule on a spec fixture or on template fixtures.

Spec fixtures are small YAML specs that `extends:` tests/policies/fixtures/clean.yaml.
Template fixtures are JSON templates named `<name>.<region>.<phase>.json` so a fixture
says which region and stack it stands for.
"""

from __future__ import annotations

import json
from pathlib import Path

from dr_compiler.pipeline import load_model
from dr_compiler.policies.engine import check_spec, check_templates
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Finding, TemplateDoc, TemplateSet

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN_SPEC = FIXTURES / "clean.yaml"


def spec_findings(rule_id: str, spec_file: Path) -> list[Finding]:
    """Findings of one rule's spec-level check on a spec file."""
    return check_spec(load_model(spec_file), [rule(rule_id)])


def load_templates(*files: Path, spec_file: Path | None = None) -> TemplateSet:
    docs = []
    for file in files:
        _, region, phase, _ = file.name.rsplit(".", 3)
        docs.append(TemplateDoc(file.name, region, phase, json.loads(file.read_text())))
    return TemplateSet(tuple(docs), load_model(spec_file) if spec_file else None)


def template_findings(rule_id: str, *files: Path, spec_file: Path | None = None) -> list[Finding]:
    """Findings of one rule's template-level check on template fixtures."""
    return check_templates(load_templates(*files, spec_file=spec_file), [rule(rule_id)])


def summary(findings: list[Finding]) -> set[tuple[str, str, str]]:
    """(rule id, resource, location or template ref) of each finding, for exact assertions."""
    return {
        (f.rule_id, f.resource, str(f.template) if f.template else str(f.location))
        for f in findings
    }
