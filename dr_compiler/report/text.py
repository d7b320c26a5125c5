"""Text for terminals: findings grouped by severity, each with its spec line and a caret."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dr_compiler.errors import Location
from dr_compiler.escaping import visible
from dr_compiler.policies.engine import PolicyReport
from dr_compiler.policies.rule import Finding, Severity


@cache
def _lines(file: str) -> tuple[str, ...]:
    try:
        return tuple(Path(file).read_text(encoding="utf-8").splitlines())
    except (OSError, ValueError):  # unreadable, not UTF-8, or a name with a NUL byte
        return ()


def source_excerpt(location: Location) -> list[str]:
    """The source line at `location` and a caret under its column, if the file is readable."""
    lines = _lines(location.file)
    if not location.line or location.line > len(lines):
        return []
    gutter = f"{location.line:>5} | "
    line = lines[location.line - 1]
    # The line is shown with invisible characters escaped; the caret follows the escapes.
    indent = len(gutter) + len(visible(line[: location.column - 1]))
    return [gutter + visible(line), " " * indent + "^"]


def _finding_lines(finding: Finding) -> list[str]:
    head = f"{finding.location}: {finding.rule_id} {finding.message}"
    lines = [head, *source_excerpt(finding.location)]
    if finding.template is not None:
        lines.append(f"      in {finding.template}")
    if finding.requirements:
        lines.append(f"      PCI DSS v4.0 {', '.join(finding.requirements)}")
    return lines


def render(report: PolicyReport) -> str:
    out: list[str] = []
    for severity, title in ((Severity.ERROR, "Errors"), (Severity.WARNING, "Warnings")):
        group = [f for f in report.findings if f.severity is severity]
        if group:
            out.append(f"{title} ({len(group)}):")
            for finding in group:
                out.extend(_finding_lines(finding))
            out.append("")
    for status in report.waiver_problems():
        waiver = status.waiver
        detail = f"expired {waiver.expires}" if status.state == "expired" else "matches nothing"
        out.append(
            f"{status.location}: warning: waiver {waiver.rule} {waiver.resource} is "
            f"{status.state} ({detail})"
        )
    if report.suppressions:
        out.append(f"Scanner suppressions ({len(report.suppressions)}):")
        out.extend(
            f"  {count} x {reason}" for reason, count in report.suppression_reasons().items()
        )
    out.append(
        f"{len(report.rules)} rules, {len(report.errors())} errors, "
        f"{len(report.warnings()) + len(report.waiver_problems())} warnings, "
        f"{len(report.waived)} waived"
    )
    # Every value (messages, names, waiver fields, file names) passes through visible(): no
    # escape sequence reaches the terminal and no value adds a line.
    return "\n".join(visible(line) for line in out) + "\n"
