"""Stage 5 (compile): the model to one troposphere Template per stack, plus the manifest.

Stacks are laid out per region and phase (see context.Phase); each service builder
contributes to whichever stacks it belongs in. Waves are computed from what the stacks
need of each other, never listed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from troposphere import AWSObject, Export, GetAtt, Output, Parameter, Ref, Template

from dr_compiler.compiler.context import (
    Inbound,
    Phase,
    Requires,
    Sourced,
    StackContext,
    StackId,
    Transform,
    export_name,
    shared_from_base,
)
from dr_compiler.compiler.layout import stack_layout
from dr_compiler.compiler.plain import template_dict
from dr_compiler.compiler.services import BUILDERS
from dr_compiler.compiler.suppressions import suppressions, write_metadata
from dr_compiler.compiler.tagging import apply_tags
from dr_compiler.errors import Location
from dr_compiler.model import Spec
from dr_compiler.policies.rule import Suppression


class CompilerBug(Exception):
    """The compiler produced something inconsistent: never the user's fault."""


@dataclass(frozen=True)
class CompiledStack:
    stack: StackId
    template: dict[str, Any]
    sources: dict[str, Location]
    inbound: tuple[Inbound, ...]
    requires: tuple[Requires, ...]
    wave: int = 0
    suppressions: tuple[Suppression, ...] = ()
    """The scanner suppressions written into the template's resource metadata."""


@dataclass(frozen=True)
class CompiledSpec:
    spec: Spec
    stacks: tuple[CompiledStack, ...]
    artifact_keys: Mapping[str, str] = field(default_factory=dict)

    def stack(self, key: str) -> CompiledStack:
        return next(s for s in self.stacks if s.stack.key == key)


def compile_spec(
    spec: Spec, artifact_keys: Mapping[str, str], today: date | None = None
) -> CompiledSpec:
    """`today` decides which waivers are live, so which scanner suppressions are written."""
    stacks = [
        _compile_stack(StackContext(spec, stack, artifact_keys), today or date.today())
        for stack in stack_layout(spec)
    ]
    _check_flows(stacks)
    waves = _waves(stacks)
    ordered = sorted(
        (_with_wave(s, waves[s.stack.key]) for s in stacks), key=lambda s: (s.wave, s.stack.key)
    )
    return CompiledSpec(spec, tuple(ordered), artifact_keys)


def _with_wave(stack: CompiledStack, wave: int) -> CompiledStack:
    return CompiledStack(
        stack.stack,
        stack.template,
        stack.sources,
        stack.inbound,
        stack.requires,
        wave,
        stack.suppressions,
    )


def _compile_stack(ctx: StackContext, today: date) -> CompiledStack:
    spec = ctx.spec
    template = Template(
        Description=(
            f"dr_compiler: {spec.app} {spec.environment} {ctx.stack.key} ({ctx.phase.value} stack)"
        )
    )
    template.set_version("2010-09-09")
    sources: dict[str, Location] = {}
    inbound: list[Inbound] = []
    requires: list[Requires] = []
    for builder in BUILDERS:
        for item in builder(ctx):
            _add(template, item, spec, sources, inbound, requires)
    if ctx.phase is Phase.BASE:
        _add_base_exports(template, ctx)
    body = template_dict(template)
    found = suppressions(spec, body.get("Resources", {}), today)
    write_metadata(body, found)
    return CompiledStack(
        ctx.stack, body, sources, tuple(inbound), tuple(requires), suppressions=tuple(found)
    )


def _add(
    template: Template,
    item: Any,
    spec: Spec,
    sources: dict[str, Location],
    inbound: list[Inbound],
    requires: list[Requires],
    path: tuple[str | int, ...] = (),
) -> None:
    if isinstance(item, Sourced):
        _add(template, item.item, spec, sources, inbound, requires, item.path)
    elif isinstance(item, Inbound):
        if item.parameter not in template.parameters:
            template.add_parameter(
                Parameter(item.parameter, Type="String", Description=item.description)
            )
            inbound.append(item)
    elif isinstance(item, Requires):
        requires.append(item)
    elif isinstance(item, Transform):
        template.set_transform(item.name)
    elif isinstance(item, Output):
        template.add_output(item)
    elif isinstance(item, Parameter):
        template.add_parameter(item)
    elif isinstance(item, AWSObject):
        apply_tags(item, spec)
        template.add_resource(item)
        if path:
            sources[item.title] = spec.locate(*path)
    else:
        raise CompilerBug(f"builder returned {type(item).__name__}, not a template object")


def _add_base_exports(template: Template, ctx: StackContext) -> None:
    """Export what the attach stack of the same region imports (see context.shared_from_base)."""
    for logical_id, attribute in shared_from_base(ctx.azs):
        if logical_id not in template.resources:
            continue
        name = logical_id + (attribute or "")
        export = Export(export_name(ctx.spec, ctx.stack, name))
        if name in template.outputs:
            template.outputs[name].Export = export
            continue
        value = GetAtt(logical_id, attribute) if attribute else Ref(logical_id)
        template.add_output(Output(name, Value=value, Export=export))


def _check_flows(stacks: Iterable[CompiledStack]) -> None:
    by_key = {s.stack.key: s for s in stacks}
    for stack in by_key.values():
        for flow in stack.inbound:
            source = by_key.get(flow.source.key)
            if source is None or flow.output not in source.template.get("Outputs", {}):
                raise CompilerBug(
                    f"{stack.stack.key} reads output {flow.output} of {flow.source.key}, "
                    "which has no such output"
                )


def _dependencies(stack: CompiledStack) -> set[str]:
    needs = {flow.source.key for flow in stack.inbound} | {r.source.key for r in stack.requires}
    if stack.stack.phase is Phase.ATTACH:
        needs.add(StackId(Phase.BASE, stack.stack.region).key)
    needs.discard(stack.stack.key)
    return needs


def _waves(stacks: list[CompiledStack]) -> dict[str, int]:
    """Wave of each stack: 1 + the latest wave it depends on (Kahn-style, cycles are bugs)."""
    deps = {s.stack.key: _dependencies(s) for s in stacks}
    waves: dict[str, int] = {}
    while len(waves) < len(deps):
        ready = [k for k, d in deps.items() if k not in waves and d <= waves.keys()]
        if not ready:
            cycle = sorted(k for k in deps if k not in waves)
            raise CompilerBug(f"stacks depend on each other in a cycle: {', '.join(cycle)}")
        for key in ready:
            waves[key] = 1 + max((waves[d] for d in deps[key]), default=0)
    return waves
