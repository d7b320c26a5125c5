"""`rules` and `explain`: the catalog rendered from the rules' own attributes."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Protocol

from dr_compiler.policies.registry import all_rules, rule
from dr_compiler.policies.rule import ScannerCheck


class Decision(Protocol):
    """A design decision of the compiler's that scanner checks flag (compiler/suppressions).
    Read-only members: the decisions are frozen dataclasses."""

    @property
    def name(self) -> str: ...
    @property
    def checks(self) -> tuple[ScannerCheck, ...]: ...
    @property
    def reason(self) -> str: ...


def render_catalog(fmt: str = "text", pack: str | None = None) -> str:
    rules = [r for r in all_rules() if pack is None or pack in r.packs]
    if fmt == "json":
        entries = [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity.value,
                "level": r.level.value,
                "packs": list(r.packs),
                "pci_dss": list(r.pci_dss),
                "docs": r.docs,
            }
            for r in rules
        ]
        return json.dumps(entries, indent=2) + "\n"
    lines = [f"{'id':<6} {'severity':<8} {'level':<8} title"]
    lines += [f"{r.id:<6} {r.severity.value:<8} {r.level.value:<8} {r.title}" for r in rules]
    return "\n".join(lines) + "\n"


def _check_dict(check: ScannerCheck) -> dict[str, str]:
    return {"scanner": check.scanner.value, "id": check.id, "resource_type": check.resource_type}


def _check_text(check: ScannerCheck) -> str:
    return f"{check.scanner.value} {check.id} on {check.resource_type}"


def render_suppressions(decisions: Iterable[Decision], fmt: str = "text") -> str:
    """What may make a scanner skip a check: a spec waiver of a rule (its equivalent checks),
    or one of the compiler's decisions (each with its reason)."""
    waivable = [r for r in all_rules() if r.scanner_checks]
    decisions = list(decisions)
    if fmt == "json":
        document = {
            "waivable": [
                {"rule": r.id, "checks": [_check_dict(c) for c in r.scanner_checks]}
                for r in waivable
            ],
            "decisions": [
                {"name": d.name, "reason": d.reason, "checks": [_check_dict(c) for c in d.checks]}
                for d in decisions
            ],
        }
        return json.dumps(document, indent=2) + "\n"
    lines = ["A spec waiver of a rule also suppresses its equivalent scanner checks:"]
    for r in waivable:
        lines.append(f"  {r.id} {r.title}")
        lines += [f"    {_check_text(c)}" for c in r.scanner_checks]
    lines += ["", "The compiler's own decisions, suppressed with their reason:"]
    for d in decisions:
        lines.append(f"  {d.name}: {d.reason}")
        lines += [f"    {_check_text(c)}" for c in d.checks]
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return textwrap.indent(text.strip("\n"), "    ")


def explain(rule_id: str) -> str | None:
    found = rule(rule_id)
    if found is None:
        return None
    wrap = textwrap.TextWrapper(width=88)
    sections = [
        f"{found.id}: {found.title}",
        f"severity: {found.severity.value}    level: {found.level.value}    "
        f"packs: {', '.join(found.packs)}",
    ]
    if found.pci_dss:
        sections.append(f"PCI DSS v4.0: {', '.join(found.pci_dss)}")
    if found.scanner_checks:
        checks = "; ".join(_check_text(c) for c in found.scanner_checks)
        sections.append(f"Equivalent scanner checks (a waiver suppresses them): {checks}")
    sections += [
        "",
        "Why:",
        _indent(wrap.fill(found.rationale)),
        "",
        "How to fix:",
        _indent(wrap.fill(found.remediation)),
        "",
        "Fails:",
        _indent(found.bad_example),
        "",
        "Passes:",
        _indent(found.good_example),
        "",
        f"AWS documentation: {found.docs}",
    ]
    return "\n".join(sections) + "\n"
