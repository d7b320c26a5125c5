"""Stage 4 (policies): run the rules of the spec's packs, apply waivers, produce a report.

Spec-level checks see the model; template-level checks see the compiled templates (so they
also guard the compiler against itself). Both run on every `validate` and `build`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from dr_compiler.errors import Location
from dr_compiler.model import Spec, Waiver
from dr_compiler.policies.registry import rules_for_packs
from dr_compiler.policies.rule import (
    Finding,
    Rule,
    Severity,
    Suppression,
    TemplateRef,
    TemplateSet,
    Violation,
)


@dataclass(frozen=True)
class WaiverStatus:
    waiver: Waiver
    state: str
    """applied, expired (no longer waives anything), stale (matched no finding), or
    unchecked (its rule reads the templates, which this run did not compile: `validate`)."""
    location: Location
    matched: int


@dataclass(frozen=True)
class PolicyReport:
    spec_file: str
    rules: tuple[Rule, ...]
    targets: tuple[str, ...]
    """The spec file and every template file: JUnit has a test case per rule per target."""
    findings: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    waivers: tuple[WaiverStatus, ...]
    spec: Spec | None = field(default=None, compare=False, repr=False)
    """The spec checked: the JSON and Markdown reports add its objectives and topology."""
    suppressions: tuple[tuple[str, Suppression], ...] = ()
    """(template file, suppression): the scanner checks the templates skip, and why."""

    def suppression_reasons(self) -> dict[str, int]:
        """Each reason a scanner check is skipped, with how many skips it accounts for."""
        counts: dict[str, int] = {}
        for _file, suppression in self.suppressions:
            counts[suppression.text] = counts.get(suppression.text, 0) + 1
        return dict(sorted(counts.items()))

    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    def waiver_problems(self) -> tuple[WaiverStatus, ...]:
        """Expired and stale waivers: reported as warnings, so `--fail-on warning` fails on them."""
        return tuple(s for s in self.waivers if s.state in ("expired", "stale"))

    def failed(self, fail_on: str = "error") -> bool:
        warned = bool(self.warnings() or self.waiver_problems())
        return bool(self.errors() or (fail_on == "warning" and warned))


def check_spec(spec: Spec, rules: Iterable[Rule]) -> list[Finding]:
    findings = []
    for rule in rules:
        if rule.check_spec is None:
            continue
        for violation in rule.check_spec(spec):
            findings.append(_finding(rule, violation, spec))
    return findings


def check_templates(templates: TemplateSet, rules: Iterable[Rule]) -> list[Finding]:
    findings = []
    for rule in rules:
        if rule.check_templates is None:
            continue
        for violation in rule.check_templates(templates):
            findings.append(_finding(rule, violation, templates.spec))
    return findings


def _finding(rule: Rule, violation: Violation, spec: Spec | None) -> Finding:
    template_ref = None
    if violation.template is not None:
        logical_id = violation.logical_id or ""
        template_ref = TemplateRef(violation.template.file, logical_id, violation.property_path)
        location = violation.template.sources.get(logical_id, Location(violation.template.file))
    elif violation.path is not None and spec is not None:
        location = spec.locate(*violation.path)
    else:
        location = Location(spec.file if spec else "(spec)")
    return Finding(
        rule_id=rule.id,
        message=violation.message,
        resource=violation.resource,
        location=location,
        template=template_ref,
        severity=violation.severity or rule.severity,
        requirements=rule.pci_dss,
    )


def evaluate(
    spec: Spec,
    templates: TemplateSet | None,
    *,
    today: date | None = None,
    spec_findings: list[Finding] | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> PolicyReport:
    """Every rule of the spec's packs (or `rules`) over the spec and the templates, if any."""
    rules = rules if rules is not None else rules_for_packs(spec.policy.packs)
    findings = spec_findings if spec_findings is not None else check_spec(spec, rules)
    if templates is not None:
        findings = findings + check_templates(templates, rules)
    findings = _dedupe(findings)
    # Without templates, a waiver of a rule that reads them may match a finding that run
    # never looked for: it is not called stale.
    unchecked = (
        set() if templates is not None else {r.id for r in rules if r.check_templates is not None}
    )
    active, waived, statuses = _apply_waivers(spec, findings, today or date.today(), unchecked)
    targets = (spec.file, *(t.file for t in templates.templates)) if templates else (spec.file,)
    suppressed = tuple(
        (t.file, s) for t in (templates.templates if templates else ()) for s in t.suppressions
    )
    return PolicyReport(
        spec.file,
        rules,
        targets,
        tuple(active),
        tuple(waived),
        tuple(statuses),
        spec,
        suppressed,
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str, str, TemplateRef | None], Finding] = {}
    for finding in findings:
        key = (finding.rule_id, finding.resource, finding.message, finding.template)
        seen.setdefault(key, finding)
    return sorted(seen.values(), key=lambda f: (f.rule_id, f.location, f.resource, f.message))


def _apply_waivers(
    spec: Spec, findings: list[Finding], today: date, unchecked: set[str]
) -> tuple[list[Finding], list[Finding], list[WaiverStatus]]:
    active, waived = [], []
    matches = {w.index: 0 for w in spec.policy.waivers}
    live = {w.index for w in spec.policy.waivers if date.fromisoformat(w.expires) >= today}
    for finding in findings:
        waiver = next(
            (
                w
                for w in spec.policy.waivers
                if w.rule == finding.rule_id and w.resource == finding.resource
            ),
            None,
        )
        if waiver is not None:
            matches[waiver.index] += 1
        if waiver is not None and waiver.index in live:
            waived.append(finding)
        else:
            active.append(finding)
    statuses = []
    for waiver in spec.policy.waivers:
        location = spec.locate("policy", "waivers", waiver.index)
        if waiver.index not in live:
            state = "expired"
        elif matches[waiver.index] == 0:
            state = "unchecked" if waiver.rule in unchecked else "stale"
        else:
            state = "applied"
        statuses.append(WaiverStatus(waiver, state, location, matches[waiver.index]))
    return active, waived, statuses
