"""A rule is data plus one or two check functions; a finding is what a check reports.

Everything that describes a rule (`rules`, `explain`, SARIF rule metadata, JUnit test cases,
the Markdown report) reads these attributes; nothing repeats them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dr_compiler.errors import Location
from dr_compiler.model import Spec


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Level(enum.Enum):
    """What a rule inspects: the spec model, the compiled templates, or both."""

    SPEC = "spec"
    TEMPLATE = "template"
    BOTH = "both"


class Scanner(enum.Enum):
    """The scanners security teams run on any CloudFormation template, and the resource
    metadata each reads to skip a check (compiler/suppressions.py writes it)."""

    CHECKOV = "checkov"
    CDK_NAG = "cdk-nag"
    GUARD = "cfn-guard"
    CFN_LINT = "cfn-lint"


@dataclass(frozen=True)
class ScannerCheck:
    """One check of another scanner that judges what a DR rule (or a compiler decision) judges,
    on resources of `resource_type`: Checkov id (CKV_AWS_18), cdk-nag rule id
    (AwsSolutions-S1), Guard rule name (s3_bucket_logging_enabled_check: the AWS Control
    Tower proactive control CT.S3.PR.2), cfn-lint rule id (W3011)."""

    scanner: Scanner
    id: str
    resource_type: str


@dataclass(frozen=True)
class TemplateRef:
    """Where in a compiled template a finding is: file, logical id and property path."""

    file: str
    logical_id: str
    property_path: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.property_path)
        return f"{self.file}: {self.logical_id}{path}"


@dataclass(frozen=True)
class Finding:
    """One violation. `resource` is the name a waiver matches (spec name or logical id)."""

    rule_id: str
    message: str
    resource: str
    location: Location
    template: TemplateRef | None = None
    severity: Severity = Severity.ERROR
    requirements: tuple[str, ...] = ()
    """PCI DSS v4.0 requirement numbers, when the rule maps to any."""


@dataclass(frozen=True)
class Suppression:
    """A scanner check skipped on one resource, and why: the text names its source (a spec
    waiver with its expiry, or a decision of the compiler's)."""

    logical_id: str
    check: ScannerCheck
    text: str


@dataclass(frozen=True)
class TemplateDoc:
    """One compiled template as the template-level rules see it."""

    file: str
    region: str
    phase: str
    body: Mapping[str, Any]
    sources: Mapping[str, Location] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()
    """The scanner suppressions the compiler wrote into this template's metadata."""

    def resources(self, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(logical id, resource) pairs, sorted by id, optionally of the given types."""
        if len(types) == 1:
            return iter(self._resources_by_type.get(types[0], ()))
        return (
            pair for pair in self._sorted_resources if not types or pair[1].get("Type") in types
        )

    # The rules ask a build's templates for their resources about 450 times: sorted and
    # grouped by type once per template instead of on every call. The body is complete
    # before any rule reads it.
    @cached_property
    def _sorted_resources(self) -> tuple[tuple[str, Mapping[str, Any]], ...]:
        return tuple(sorted(self.body.get("Resources", {}).items()))

    @cached_property
    def _resources_by_type(self) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
        by_type: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
        for pair in self._sorted_resources:
            kind = pair[1].get("Type")
            if isinstance(kind, str):
                by_type.setdefault(kind, []).append(pair)
        return by_type

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        return self.body.get("Resources", {}).get(logical_id, {}).get("Properties", {})


@dataclass(frozen=True)
class TemplateSet:
    """All the templates of one build (or of one fixture), plus the spec when there is one."""

    templates: tuple[TemplateDoc, ...]
    spec: Spec | None = None

    def by_phase(self, *phases: str) -> Iterator[TemplateDoc]:
        return (t for t in self.templates if t.phase in phases)

    def all_resources(self, *types: str) -> Iterator[tuple[TemplateDoc, str, Mapping[str, Any]]]:
        for template in self.templates:
            for logical_id, resource in template.resources(*types):
                yield template, logical_id, resource


SpecCheck = Callable[[Spec], Iterable["Violation"]]
TemplateCheck = Callable[[TemplateSet], Iterable["Violation"]]


@dataclass(frozen=True)
class Violation:
    """What a check yields; the engine turns it into a Finding with the rule's metadata.

    A spec violation carries `path` (a YAML path into the spec); a template violation carries
    `template` + `logical_id` (+ `property_path`) and the engine adds the spec line that
    produced the resource when it knows it.
    """

    message: str
    resource: str
    path: tuple[str | int, ...] | None = None
    template: TemplateDoc | None = None
    logical_id: str | None = None
    property_path: tuple[str | int, ...] = ()
    severity: Severity | None = None
    """A severity of its own (a rule's recommendation next to its errors); None: the rule's."""


def resource_violation(
    template: TemplateDoc, logical_id: str, message: str, *path: str | int
) -> Violation:
    """A template violation of resource `logical_id`, which is also the waivable name."""
    return Violation(
        message, logical_id, template=template, logical_id=logical_id, property_path=path
    )


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    level: Level
    rationale: str
    remediation: str
    docs: str
    bad_example: str
    good_example: str
    check_spec: SpecCheck | None = None
    check_templates: TemplateCheck | None = None
    pci_dss: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    scanner_checks: tuple[ScannerCheck, ...] = ()
    """The equivalent checks of the common scanners: a waiver of this rule skips them too."""

    def __post_init__(self) -> None:
        needs_spec = self.level in (Level.SPEC, Level.BOTH)
        needs_templates = self.level in (Level.TEMPLATE, Level.BOTH)
        if needs_spec != (self.check_spec is not None):
            raise ValueError(f"{self.id}: level {self.level.value} and check_spec disagree")
        if needs_templates != (self.check_templates is not None):
            raise ValueError(f"{self.id}: level {self.level.value} and check_templates disagree")

    @property
    def packs(self) -> tuple[str, ...]:
        return ("dr-core", "pci-dss") if self.pci_dss else ("dr-core",)
