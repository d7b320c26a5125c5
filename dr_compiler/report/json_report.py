"""JSON for tools: every finding with its rule, severity, location and template reference."""

from __future__ import annotations

import json
from typing import Any

from dr_compiler.policies.engine import PolicyReport
from dr_compiler.policies.rule import Finding


def finding_dict(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": finding.rule_id,
        "severity": finding.severity.value,
        "message": finding.message,
        "resource": finding.resource,
        "location": {
            "file": finding.location.file,
            "line": finding.location.line,
            "column": finding.location.column,
        },
    }
    if finding.template is not None:
        entry["template"] = {
            "file": finding.template.file,
            "logical_id": finding.template.logical_id,
            "property_path": list(finding.template.property_path),
        }
    if finding.requirements:
        entry["pci_dss"] = list(finding.requirements)
    return entry


def report_dict(report: PolicyReport) -> dict[str, Any]:
    return {
        "format": "dr-compiler-policy-report/v1",
        "spec": report.spec_file,
        "summary": {
            "rules": len(report.rules),
            "errors": len(report.errors()),
            "warnings": len(report.warnings()),
            "waived": len(report.waived),
            "scanner_suppressions": len(report.suppressions),
            "passed": not report.errors(),
        },
        "rules": [r.id for r in report.rules],
        "targets": list(report.targets),
        "findings": [finding_dict(f) for f in report.findings],
        "waived": [finding_dict(f) for f in report.waived],
        "waivers": [
            {
                "rule": s.waiver.rule,
                "resource": s.waiver.resource,
                "reason": s.waiver.reason,
                "expires": s.waiver.expires,
                "state": s.state,
                "matched": s.matched,
                "location": str(s.location),
            }
            for s in report.waivers
        ],
        "scanner_suppressions": {
            "reasons": [
                {"reason": reason, "count": count}
                for reason, count in report.suppression_reasons().items()
            ],
            "resources": [
                {
                    "file": file,
                    "logical_id": s.logical_id,
                    "scanner": s.check.scanner.value,
                    "check": s.check.id,
                    "reason": s.text,
                }
                for file, s in report.suppressions
            ],
        },
    }


def render(report: PolicyReport) -> str:
    document = report_dict(report)
    if report.spec is not None:
        from dr_compiler.objectives.estimators import estimate
        from dr_compiler.report.objectives import objectives_dict

        document["objectives"] = objectives_dict(estimate(report.spec))
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
