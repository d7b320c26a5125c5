"""Markdown for a pull-request comment: a verdict, a table of findings, waivers."""

from __future__ import annotations

from dr_compiler.escaping import markdown_code, markdown_text
from dr_compiler.policies.engine import PolicyReport
from dr_compiler.policies.rule import Finding


def _row(finding: Finding) -> str:
    where = markdown_code(str(finding.location))
    if finding.template is not None:
        where += f"<br>{markdown_code(str(finding.template))}"
    return (
        f"| {finding.severity.value} | {finding.rule_id} | {markdown_text(finding.resource)} "
        f"| {where} | {markdown_text(finding.message)} |"
    )


def render(report: PolicyReport) -> str:
    errors, warnings = len(report.errors()), len(report.warnings())
    verdict = "❌ policy check failed" if errors else "✅ policy check passed"
    lines = [
        f"## dr-compiler: {verdict}",
        "",
        f"{markdown_code(report.spec_file)}: {len(report.rules)} rules, {errors} errors, "
        f"{warnings} warnings, {len(report.waived)} waived.",
        "",
    ]
    if report.findings:
        lines += [
            "| severity | rule | resource | where | finding |",
            "|---|---|---|---|---|",
            *(_row(f) for f in report.findings),
            "",
        ]
    if report.waivers:
        lines += [
            "### Waivers",
            "",
            "| rule | resource | state | expires | reason |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {markdown_text(s.waiver.rule)} | {markdown_text(s.waiver.resource)} | {s.state} "
            f"| {markdown_text(s.waiver.expires)} | {markdown_text(s.waiver.reason)} |"
            for s in report.waivers
        ]
        lines.append("")
    if report.suppressions:
        lines += [
            f"### Scanner suppressions ({len(report.suppressions)})",
            "",
            "| skips | reason |",
            "|---|---|",
        ]
        lines += [
            f"| {count} | {markdown_text(reason)} |"
            for reason, count in report.suppression_reasons().items()
        ]
        lines.append("")
    if report.spec is not None:
        lines += _objectives_and_topology(report)
    return "\n".join(lines)


def _objectives_and_topology(report: PolicyReport) -> list[str]:
    """The recovery-objective summary and the topology diagram of the checked spec."""
    from dr_compiler.objectives.estimators import estimate
    from dr_compiler.report.objectives import mermaid_section, summary_markdown

    assert report.spec is not None
    return [summary_markdown(estimate(report.spec), "###"), mermaid_section(report.spec, "###")]
