"""The numbers of an estimate: a Figure (with its source, spec inputs and arithmetic), the RPO
and RTO metrics they add up to, and a component's estimate against its objective."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dr_compiler.loader import format_path
from dr_compiler.model import Objective
from dr_compiler.objectives.text import fmt_seconds

UNBOUNDED = math.inf
"""No documented bound: fails every finite objective."""

SpecPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Figure:
    """One number of an estimate: where it comes from and which spec values produced it.

    `setting` is the spec path a user changes to lower this figure (None when no spec
    setting can), and `advice` says how.
    """

    name: str
    seconds: float
    source_url: str
    spec_inputs: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    arithmetic: str = ""
    setting: SpecPath | None = None
    advice: str = ""

    @property
    def unbounded(self) -> bool:
        return math.isinf(self.seconds)


@dataclass(frozen=True)
class Breach:
    """A computed figure over its objective, and what to change."""

    metric: str  # "RPO" or "RTO"
    computed: float
    objective: int
    setting: SpecPath
    advice: str


class Metric(NamedTuple):
    """RPO or RTO of a component: its figures, their total, the objective and the margin
    (objective minus total; negative: over the objective). `seconds` and `margin` are None
    when the metric does not apply (no figures)."""

    name: str  # "RPO" or "RTO"
    figures: tuple[Figure, ...]
    seconds: float | None
    objective: int
    margin: float | None


@dataclass(frozen=True)
class ComponentEstimate:
    """RPO and RTO of one component, next to the objective it is held to.

    An empty `rpo` means the component holds no data; an empty `rto_steps` means its RTO is
    not part of the failover path (backups). `not_counted` are figures shown for context
    that are not on the critical path.
    """

    component: str
    label: str
    objective: Objective
    rpo: tuple[Figure, ...]
    rto_steps: tuple[Figure, ...]
    notes: tuple[str, ...] = ()
    not_counted: tuple[Figure, ...] = ()

    @property
    def rpo_seconds(self) -> float | None:
        return _total(self.rpo)

    @property
    def rto_seconds(self) -> float | None:
        return _total(self.rto_steps)

    @property
    def metrics(self) -> tuple[Metric, Metric]:
        """RPO, then RTO, each with its total, objective and margin."""
        return (
            _metric("RPO", self.rpo, self.objective.rpo_seconds),
            _metric("RTO", self.rto_steps, self.objective.rto_seconds),
        )

    @property
    def margins(self) -> dict[str, float | None]:
        """Objective minus computed figure (negative: over the objective)."""
        return {metric.name.lower(): metric.margin for metric in self.metrics}

    def breaches(self) -> tuple[Breach, ...]:
        found = []
        for metric in self.metrics:
            if metric.seconds is not None and metric.seconds > metric.objective:
                setting, advice = _what_to_change(self.component, metric)
                found.append(Breach(metric.name, metric.seconds, metric.objective, setting, advice))
        return tuple(found)

    @property
    def meets_objectives(self) -> bool:
        return not self.breaches()

    @property
    def setting_to_change(self) -> SpecPath | None:
        breaches = self.breaches()
        return breaches[0].setting if breaches else None


def _total(figures: tuple[Figure, ...]) -> float | None:
    return sum((f.seconds for f in figures), 0.0) if figures else None


def _metric(name: str, figures: tuple[Figure, ...], objective: int) -> Metric:
    total = _total(figures)
    return Metric(name, figures, total, objective, None if total is None else objective - total)


def _what_to_change(component: str, metric: Metric) -> tuple[SpecPath, str]:
    """The adjustable figure that contributes most; else the objective itself."""
    adjustable = [f for f in metric.figures if f.setting is not None]
    if adjustable:
        biggest = max(adjustable, key=lambda f: f.seconds)
        assert biggest.setting is not None
        others = [
            f"{format_path(f.setting)} ({f.name} {fmt_seconds(f.seconds)})"
            for f in adjustable
            if f is not biggest and f.setting is not None
        ]
        # Other settings only help a finite sum; nothing but the unbounded one fixes infinity.
        also = f"; or lower {', '.join(others)}" if others and not biggest.unbounded else ""
        return biggest.setting, biggest.advice + also
    key = f"{metric.name.lower()}_seconds"
    assert metric.seconds is not None
    if math.isinf(metric.seconds):
        return (("objectives", "components", component, key), "nothing in the spec bounds it")
    return (
        ("objectives", "components", component, key),
        f"no spec setting brings it under {fmt_seconds(metric.objective)}: raise "
        f"objectives.components.{component}.{key} to at least {fmt_seconds(metric.seconds)}",
    )


def sum_text(figures: tuple[Figure, ...]) -> str:
    """`detection 30 s + traffic shift 60 s = 90 s`: the arithmetic of a total."""
    total = _total(figures)
    terms = " + ".join(f"{f.name} {fmt_seconds(f.seconds)}" for f in figures)
    return f"{terms} = {fmt_seconds(total)}" if len(figures) > 1 else terms
