"""A readable diff of two CloudFormation templates: resources added, removed, and changed
property by property.

StackSets have no change sets, so this is what `plan` shows instead. It compares the templates
as JSON values (never as text), so formatting and key order never show up as changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# The sections below Resources that a reviewer cares about, keyed by their entries.
KEYED_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs")


class _Missing:
    """The old or new side of a change where the value does not exist."""

    def __repr__(self) -> str:
        return "(none)"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Change:
    """One leaf that differs; `path` is relative to its resource or section entry."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class EntryDiff:
    """A resource (or an Outputs/Parameters/... entry) that is added, removed or modified."""

    section: str
    name: str
    kind: str
    action: str  # "add" | "remove" | "modify"
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class TemplateDiff:
    entries: tuple[EntryDiff, ...]

    @property
    def empty(self) -> bool:
        return not self.entries

    @property
    def resources(self) -> tuple[EntryDiff, ...]:
        return tuple(e for e in self.entries if e.section == "Resources")

    @property
    def removes_resources(self) -> bool:
        return any(e.action == "remove" for e in self.resources)


def diff_templates(old: Mapping[str, Any], new: Mapping[str, Any]) -> TemplateDiff:
    entries = [*_section(old, new, "Resources")]
    for section in KEYED_SECTIONS:
        entries.extend(_section(old, new, section))
    entries.extend(_top_level(old, new))
    return TemplateDiff(tuple(entries))


def _section(old: Mapping[str, Any], new: Mapping[str, Any], section: str) -> Iterator[EntryDiff]:
    before = old.get(section) or {}
    after = new.get(section) or {}
    for name in sorted(before.keys() | after.keys()):
        if name not in before:
            yield EntryDiff(section, name, _kind(section, after[name]), "add")
        elif name not in after:
            yield EntryDiff(section, name, _kind(section, before[name]), "remove")
        elif before[name] != after[name]:
            changes = tuple(deep_diff(before[name], after[name]))
            yield EntryDiff(section, name, _kind(section, after[name]), "modify", changes)


def _top_level(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[EntryDiff]:
    handled = {"Resources", *KEYED_SECTIONS}
    for key in sorted((old.keys() | new.keys()) - handled):
        before, after = old.get(key, MISSING), new.get(key, MISSING)
        if before != after:
            yield EntryDiff("Template", key, "", "modify", (Change("", before, after),))


def _kind(section: str, entry: Any) -> str:
    if section == "Resources" and isinstance(entry, Mapping):
        return str(entry.get("Type", ""))
    return section.rstrip("s")


def deep_diff(old: Any, new: Any, path: str = "") -> Iterator[Change]:
    """Leaf-level differences; tag lists are compared by tag key, other lists by index."""
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(old.keys() | new.keys()):
            yield from deep_diff(old.get(key, MISSING), new.get(key, MISSING), _join(path, key))
    elif _is_tag_list(old) and _is_tag_list(new):
        yield from deep_diff(_tags(old), _tags(new), path)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            yield from deep_diff(before, after, f"{path}[{index}]")
    else:
        yield Change(path, old, new)


def _join(path: str, key: str) -> str:
    if not path or key.startswith("["):
        return f"{path}{key}"
    return f"{path}.{key}"


def _is_tag_list(value: Any) -> bool:
    # Tags as [{"Key": k, "Value": v}]: a tag added in the middle would otherwise show up as
    # every later tag changing.
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, Mapping) and set(v) == {"Key", "Value"} for v in value)
    )


def _tags(value: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {f"[{tag['Key']}]": tag["Value"] for tag in value}
