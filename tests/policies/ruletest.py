"""Helpers for rule tests: evaluate one rule on a spec fixture or on template fixtures.

Spec fixtures are small YAML specs that `extends:` tests/policies/fixtures/clean.yaml.
Template fixtures are JSON templates named `<name>.<region>.<phase>.json` so a fixture
says which region and stack it stands for.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from dr_compiler.pipeline import compile_with_packages, load_model, template_set
from dr_compiler.policies.engine import check_spec, check_templates
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Finding, TemplateDoc, TemplateSet

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN_SPEC = FIXTURES / "clean.yaml"
PROD_SPEC = Path(__file__).resolve().parents[2] / "specs" / "prod.yaml"


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
    return set_findings(rule_id, load_templates(*files, spec_file=spec_file))


def summary(findings: list[Finding]) -> set[tuple[str, str, str]]:
    """(rule id, resource, location or template ref) of each finding, for exact assertions."""
    return {
        (f.rule_id, f.resource, str(f.template) if f.template else str(f.location))
        for f in findings
    }


@cache
def compiled_prod() -> TemplateSet:
    """The shipped prod spec's templates as the build's rules see them (compiled once)."""
    compiled, _ = compile_with_packages(load_model(PROD_SPEC))
    return template_set(compiled)


def with_defect(
    templates: TemplateSet, file: str, edit: Callable[[dict[str, Any]], None]
) -> TemplateSet:
    """`templates` with `edit` applied to a copy of the body of the template named `file`
    (e.g. "templates_out/prod/us-east-1.json"): a defect put back by hand."""
    docs = []
    for doc in templates.templates:
        if doc.file == file:
            body = copy.deepcopy(dict(doc.body))
            edit(body)
            doc = replace(doc, body=body)
        docs.append(doc)
    assert file in {d.file for d in docs}, f"no template {file}"
    return replace(templates, templates=tuple(docs))


def set_findings(rule_id: str, templates: TemplateSet) -> list[Finding]:
    """Findings of one rule's template-level check on a whole template set."""
    return check_templates(templates, [rule(rule_id)])


def with_managed_policies(templates: TemplateSet) -> TemplateSet:
    """`templates` with every role's inline policies turned into one customer managed policy,
    `<Role>Policy`, attached first in the role's ManagedPolicyArns, as dr_compiler compiles
    roles (compiler/iam.py): rules that read a role's permissions must judge it the same."""
    docs = []
    for doc in templates.templates:
        body = copy.deepcopy(dict(doc.body))
        resources = body["Resources"]
        for role_id, role in list(resources.items()):
            props = role.get("Properties", {})
            if role["Type"] != "AWS::IAM::Role" or not props.get("Policies"):
                continue
            statements = [
                statement
                for inline in props.pop("Policies")
                for statement in inline["PolicyDocument"]["Statement"]
            ]
            resources[f"{role_id}Policy"] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
                },
            }
            arns = props.get("ManagedPolicyArns", [])
            props["ManagedPolicyArns"] = [{"Ref": f"{role_id}Policy"}, *arns]
        docs.append(replace(doc, body=body))
    return replace(templates, templates=tuple(docs))
