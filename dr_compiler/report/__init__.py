"""Policy reports: one module per output format, chosen from a table."""

from __future__ import annotations

import importlib

from dr_compiler.policies.engine import PolicyReport

# Format name -> module with `render(report) -> str`; imported on use, so a text build
# never pays for the XML or SARIF code.
FORMATTERS = {
    "text": "dr_compiler.report.text",
    "json": "dr_compiler.report.json_report",
    "sarif": "dr_compiler.report.sarif",
    "junit": "dr_compiler.report.junit",
    "markdown": "dr_compiler.report.markdown",
}


def render(report: PolicyReport, fmt: str) -> str:
    return importlib.import_module(FORMATTERS[fmt]).render(report)
