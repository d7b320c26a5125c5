"""The plan: per StackSet, create / update / unchanged, with the diff and the stack instances to
add, update or remove. Pure: it sees the desired StackSets and the state read from AWS as values.

StackSets have no change sets, so the plan is also what makes `deploy` idempotent: a StackSet
whose template, parameters and instances already match gets no operation at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dr_compiler.deploy.diff import MISSING, EntryDiff, TemplateDiff, diff_templates

HEALTHY_STATUS = "CURRENT"
VALUE_WIDTH = 120
# More instances than this and the text plan sums them up per region and action; the JSON
# plan lists every one.
SUMMARY_ABOVE = 12


@dataclass(frozen=True, order=True)
class Target:
    """One stack instance's place: an account and a region."""

    account: str
    region: str

    def __str__(self) -> str:
        return f"{self.account}/{self.region}"


@dataclass(frozen=True)
class PendingValue:
    """A parameter value an earlier wave will supply once it is deployed."""

    stack_set: str
    region: str
    output: str

    def __str__(self) -> str:
        return f"(output {self.output} of {self.stack_set} in {self.region}, after it deploys)"


ParameterValue = str | PendingValue


@dataclass(frozen=True)
class DesiredStackSet:
    name: str
    wave: int
    template: Mapping[str, Any]
    targets: tuple[Target, ...]
    # Per-instance ParameterOverrides: values read from earlier waves differ per account.
    overrides: Mapping[Target, Mapping[str, ParameterValue]] = field(default_factory=dict)
    # StackSet settings as the API spells them (ManagedExecution, AutoDeployment).
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> Mapping[str, ParameterValue]:
        """StackSet-level values: CloudFormation only lets instances override parameters the
        StackSet itself has a value for; the first target's values serve."""
        if not self.targets:
            return {}
        return self.overrides.get(min(self.targets), {})


@dataclass(frozen=True)
class DeployedInstance:
    target: Target
    status: str
    detailed_status: str = ""
    reason: str = ""
    overrides: Mapping[str, str] = field(default_factory=dict)
    stack_id: str = ""
    last_operation: str = ""


@dataclass(frozen=True)
class DeployedStackSet:
    name: str
    template_body: str
    parameters: Mapping[str, str]
    instances: tuple[DeployedInstance, ...]
    # The settings the endpoint reported; one it leaves out is not compared.
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> Mapping[str, Any]:
        """The deployed template; a body that is not JSON compares as empty (all resources new)."""
        try:
            parsed = json.loads(self.template_body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, Mapping) else {}


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ParameterChange:
    name: str
    old: str | None
    new: ParameterValue | None


@dataclass(frozen=True)
class SettingChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class InstanceChange:
    target: Target
    action: str  # "add" | "update" | "remove"
    overrides: Mapping[str, ParameterValue] = field(default_factory=dict)
    changes: tuple[ParameterChange, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class StackSetPlan:
    name: str
    wave: int
    action: Action
    resources: int
    template: TemplateDiff
    parameters: tuple[ParameterChange, ...]
    instances: tuple[InstanceChange, ...]
    settings: tuple[SettingChange, ...] = ()

    @property
    def changed(self) -> bool:
        return self.action is not Action.UNCHANGED

    @property
    def updates_stack_set(self) -> bool:
        """An UpdateStackSet is due: the template, the StackSet's own parameters or its
        settings differ."""
        return self.action is Action.UPDATE and (
            not self.template.empty or bool(self.parameters) or bool(self.settings)
        )

    @property
    def destructive(self) -> bool:
        return self.template.removes_resources or any(i.action == "remove" for i in self.instances)

    def instances_to(self, action: str) -> tuple[InstanceChange, ...]:
        return tuple(i for i in self.instances if i.action == action)


@dataclass(frozen=True)
class Plan:
    stack_sets: tuple[StackSetPlan, ...]

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.stack_sets)

    @property
    def destructive(self) -> bool:
        return any(s.destructive for s in self.stack_sets)

    def count(self, action: Action) -> int:
        return sum(1 for s in self.stack_sets if s.action is action)


def make_plan(
    desired: Iterable[DesiredStackSet], deployed: Mapping[str, DeployedStackSet | None]
) -> Plan:
    return Plan(tuple(plan_stack_set(d, deployed.get(d.name)) for d in desired))


def plan_stack_set(desired: DesiredStackSet, deployed: DeployedStackSet | None) -> StackSetPlan:
    resources = len(desired.template.get("Resources", {}))
    if deployed is None:
        return StackSetPlan(
            desired.name,
            desired.wave,
            Action.CREATE,
            resources,
            diff_templates({}, desired.template),
            _parameter_changes({}, desired.parameters),
            tuple(InstanceChange(t, "add", desired.overrides.get(t, {})) for t in desired.targets),
        )
    template = diff_templates(deployed.template, desired.template)
    parameters = _parameter_changes(deployed.parameters, desired.parameters)
    instances = _instance_changes(desired, deployed)
    settings = tuple(
        SettingChange(name, deployed.settings[name], value)
        for name, value in sorted(desired.settings.items())
        if name in deployed.settings and deployed.settings[name] != value
    )
    changed = not template.empty or bool(parameters) or bool(instances) or bool(settings)
    action = Action.UPDATE if changed else Action.UNCHANGED
    return StackSetPlan(
        desired.name, desired.wave, action, resources, template, parameters, instances, settings
    )


def _parameter_changes(
    old: Mapping[str, str], new: Mapping[str, ParameterValue]
) -> tuple[ParameterChange, ...]:
    return tuple(
        ParameterChange(name, old.get(name), new.get(name))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    )


def _instance_changes(
    desired: DesiredStackSet, deployed: DeployedStackSet
) -> tuple[InstanceChange, ...]:
    current = {i.target: i for i in deployed.instances}
    changes = []
    for target in sorted(desired.targets):
        wanted = desired.overrides.get(target, {})
        instance = current.get(target)
        if instance is None:
            changes.append(InstanceChange(target, "add", wanted))
            continue
        differences = _parameter_changes(instance.overrides, wanted)
        if differences or instance.status != HEALTHY_STATUS:
            reason = "" if instance.status == HEALTHY_STATUS else _unhealthy(instance)
            changes.append(InstanceChange(target, "update", wanted, differences, reason))
    changes.extend(
        InstanceChange(target, "remove") for target in sorted(current.keys() - set(desired.targets))
    )
    return tuple(changes)


def _unhealthy(instance: DeployedInstance) -> str:
    detail = f" ({instance.detailed_status})" if instance.detailed_status else ""
    reason = f": {instance.reason}" if instance.reason else ""
    return f"{instance.status}{detail}{reason}"


# Renderers


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


SYMBOLS = {"add": "+", "remove": "-", "modify": "~"}
ACTION_SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.UNCHANGED: "="}


def render_text(plan: Plan) -> str:
    lines: list[str] = []
    for wave in sorted({s.wave for s in plan.stack_sets}):
        lines.append(f"wave {wave}")
        for stack_set in (s for s in plan.stack_sets if s.wave == wave):
            lines.extend(_stack_set_lines(stack_set))
    lines.append(_summary(plan))
    return "\n".join(lines) + "\n"


def _summary(plan: Plan) -> str:
    if not plan.changed:
        return f"No changes: {counted(len(plan.stack_sets), 'StackSet')} up to date."
    return (
        f"Plan: {plan.count(Action.CREATE)} to create, {plan.count(Action.UPDATE)} to update, "
        f"{plan.count(Action.UNCHANGED)} unchanged."
    )


def _stack_set_lines(plan: StackSetPlan) -> list[str]:
    symbol = ACTION_SYMBOLS[plan.action]
    if plan.action is Action.CREATE:
        lines = [
            f"  {symbol} {plan.name}: create ({plan.resources} resources in "
            f"{_where(plan.instances)})"
        ]
        lines.extend(_parameter_lines(plan.parameters, "parameter"))
        return lines
    lines = [f"  {symbol} {plan.name}: {plan.action.value}"]
    for entry in plan.template.entries:
        lines.extend(_entry_lines(entry))
    lines.extend(_parameter_lines(plan.parameters, "parameter"))
    lines.extend(f"      setting {c.name}: {_show(c.old)} → {_show(c.new)}" for c in plan.settings)
    if len(plan.instances) > SUMMARY_ABOVE:
        lines.extend(_instance_summary(plan.instances))
        return lines
    for instance in plan.instances:
        lines.extend(_instance_lines(instance))
    return lines


def _where(instances: tuple[InstanceChange, ...]) -> str:
    if len(instances) <= SUMMARY_ABOVE:
        return ", ".join(str(i.target) for i in instances)
    accounts = {i.target.account for i in instances}
    regions = sorted({i.target.region for i in instances})
    return f"{counted(len(accounts), 'account')} in {', '.join(regions)}"


def _instance_summary(instances: tuple[InstanceChange, ...]) -> list[str]:
    """Per region and action, how many instances (and, for updates, whether a parameter
    changes or an instance is unhealthy)."""
    totals: dict[tuple[str, str, str], int] = {}
    for instance in instances:
        why = "parameters" if instance.changes else ("retry" if instance.reason else "")
        key = (instance.target.region, instance.action, why)
        totals[key] = totals.get(key, 0) + 1
    return [
        f"      instances in {region}: {count} to {action}"
        + (
            f" ({'parameter values change' if why == 'parameters' else 'not CURRENT'})"
            if why
            else ""
        )
        for (region, action, why), count in sorted(totals.items())
    ]


def _entry_lines(entry: EntryDiff) -> list[str]:
    name = entry.name if entry.section == "Resources" else f"{entry.section}.{entry.name}"
    kind = f" ({entry.kind})" if entry.section == "Resources" else ""
    lines = [f"      {SYMBOLS[entry.action]} {name}{kind}"]
    lines.extend(
        f"          {change.path or name}: {_show(change.old)} → {_show(change.new)}"
        for change in entry.changes
    )
    return lines


def _parameter_lines(changes: Iterable[ParameterChange], label: str) -> list[str]:
    return [
        f"      {label} {c.name}: {_show(c.old, absent=True)} → {_show(c.new, absent=True)}"
        for c in changes
    ]


def _instance_lines(instance: InstanceChange) -> list[str]:
    reason = f" — {instance.reason}" if instance.reason else ""
    lines = [f"      instance {instance.target}: {instance.action}{reason}"]
    lines.extend(_parameter_lines(instance.changes, "    parameter"))
    return lines


def _show(value: Any, absent: bool = False) -> str:
    if value is MISSING or (absent and value is None):
        return "(none)"
    if isinstance(value, PendingValue):
        return str(value)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def render_json(plan: Plan) -> str:
    document = {
        "changed": plan.changed,
        "destructive": plan.destructive,
        "summary": {action.value: plan.count(action) for action in Action},
        "stack_sets": [_stack_set_json(s) for s in plan.stack_sets],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _stack_set_json(plan: StackSetPlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "wave": plan.wave,
        "action": plan.action.value,
        "resources": plan.resources,
        "template": [
            {
                "section": e.section,
                "name": e.name,
                "type": e.kind,
                "action": e.action,
                "changes": [
                    {"path": c.path, "old": _json_value(c.old), "new": _json_value(c.new)}
                    for c in e.changes
                ],
            }
            for e in plan.template.entries
        ],
        "parameters": [_parameter_json(c) for c in plan.parameters],
        "settings": [{"name": c.name, "old": c.old, "new": c.new} for c in plan.settings],
        "instances": [
            {
                "account": i.target.account,
                "region": i.target.region,
                "action": i.action,
                "reason": i.reason,
                "parameters": [_parameter_json(c) for c in i.changes],
            }
            for i in plan.instances
        ],
    }


def _parameter_json(change: ParameterChange) -> dict[str, Any]:
    return {"name": change.name, "old": change.old, "new": _json_value(change.new)}


def _json_value(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, PendingValue):
        return {
            "pending": {
                "stack_set": value.stack_set,
                "region": value.region,
                "output": value.output,
            }
        }
    return value
