"""`rules` and `explain`: the catalog rendered from the rules' own attributes."""

from __future__ import annotations

import json
import textwrap

from dr_compiler.policies.registry import all_rules, rule


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
