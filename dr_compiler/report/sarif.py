"""SARIF 2.1.0 for code-scanning annotations on pull requests.

Rule metadata comes from the rules themselves; waived findings are kept as results with a
suppression (so reviewers see what was accepted and why); waiver problems are tool
notifications.
"""

from __future__ import annotations

import json
from typing import Any

from dr_compiler import __version__
from dr_compiler.policies.engine import PolicyReport
from dr_compiler.policies.rule import Finding, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/dr-compiler/dr-compiler"


def _rule(rule: Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": [*rule.tags, rule.level.value, *rule.packs]}
    if rule.pci_dss:
        properties["pci-dss"] = list(rule.pci_dss)
    return {
        "id": rule.id,
        "name": rule.title,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation, "markdown": f"**How to fix:** {rule.remediation}"},
        "helpUri": rule.docs,
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": properties,
    }


def _physical(file: str, line: int = 0, column: int = 0) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": file}}
    if line:
        location["region"] = {"startLine": line, "startColumn": max(column, 1)}
    return location


def _result(
    finding: Finding, rule_index: dict[str, int], justification: str | None
) -> dict[str, Any]:
    where = finding.location
    location: dict[str, Any] = {"physicalLocation": _physical(where.file, where.line, where.column)}
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index[finding.rule_id],
        "level": finding.severity.value,
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"drCompiler/v1": f"{finding.rule_id}:{finding.resource}"},
    }
    if finding.template is not None:
        location["logicalLocations"] = [
            {
                "name": finding.template.logical_id,
                "fullyQualifiedName": f"{finding.template.file}/{finding.template.logical_id}",
                "kind": "resource",
            }
        ]
        result["relatedLocations"] = [
            {
                "id": 1,
                "physicalLocation": _physical(finding.template.file),
                "message": {"text": str(finding.template)},
            }
        ]
    if justification is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": justification}]
    return result


def sarif_document(report: PolicyReport) -> dict[str, Any]:
    rule_index = {rule.id: index for index, rule in enumerate(report.rules)}
    reasons = {(s.waiver.rule, s.waiver.resource): s.waiver.reason for s in report.waivers}
    results = [_result(f, rule_index, None) for f in report.findings]
    results += [
        _result(f, rule_index, reasons.get((f.rule_id, f.resource), "")) for f in report.waived
    ]
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"waiver {s.waiver.rule} {s.waiver.resource} is {s.state}"},
            "locations": [
                {"physicalLocation": _physical(s.location.file, s.location.line, s.location.column)}
            ],
        }
        for s in report.waiver_problems()
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dr-compiler",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in report.rules],
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "results": results,
            }
        ],
    }


def render(report: PolicyReport) -> str:
    return json.dumps(sarif_document(report), indent=2, sort_keys=True) + "\n"
