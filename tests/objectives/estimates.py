"""Helpers of the objectives tests: a component's estimate, DR090's findings, and the edge
recipe (a spec on its objective; one setting one second over; one more second passes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dr_compiler.model import Spec
from dr_compiler.objectives.estimators import estimate
from dr_compiler.objectives.figures import ComponentEstimate, Figure
from dr_compiler.pipeline import load_model
from dr_compiler.policies.engine import check_spec
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Finding
from tests.specbuild import build_spec, write_spec

DOCS = ("https://docs.aws.amazon.com/", "https://aws.amazon.com/")


def component(spec: Spec, label: str) -> ComponentEstimate:
    return next(e for e in estimate(spec) if e.label == label)


def dr090(spec: Spec) -> list[Finding]:
    return check_spec(spec, [rule("DR090")])


def with_objective(overrides: dict[str, Any], name: str, **objective: int) -> dict[str, Any]:
    return {**overrides, "objectives": {"components": {name: objective}}}


def health_check(interval: int, threshold: int) -> dict[str, Any]:
    return {
        "protocol": "HTTPS",
        "path": "/health",
        "interval_seconds": interval,
        "failure_threshold": threshold,
    }


def assert_edge(
    tmp_path: Path,
    *,
    inside: dict[str, Any],
    outside: dict[str, Any],
    name: str,
    label: str,
    metric: str,
    computed: int,
    setting: str,
) -> None:
    """`inside` meets an objective of computed - 1; `outside` (one setting changed) computes
    `computed`, one second over it, found at `setting`; with computed as the objective it
    passes."""
    key = f"{metric.lower()}_seconds"
    tight = computed - 1
    base = build_spec(tmp_path, with_objective(inside, name, **{key: tight}), "inside.yaml")
    assert component(base, label).meets_objectives
    assert dr090(base) == []

    over_file = write_spec(tmp_path, with_objective(outside, name, **{key: tight}), "out.yaml")
    over = load_model(over_file)
    estimate_over = component(over, label)
    total = estimate_over.rpo_seconds if metric == "RPO" else estimate_over.rto_seconds
    assert total == computed
    assert estimate_over.margins[metric.lower()] == -1
    findings = [f for f in dr090(over) if f.resource == label]
    assert len(findings) == 1
    assert f"computed {metric} {computed} s" in findings[0].message
    assert f"exceeds the objective of {tight} s by 1 s" in findings[0].message
    assert findings[0].location == over.locate(*estimate_over.setting_to_change)
    assert ".".join(map(str, estimate_over.setting_to_change)) == setting

    relaxed = build_spec(tmp_path, with_objective(outside, name, **{key: computed}), "ok.yaml")
    assert component(relaxed, label).meets_objectives
    assert [f for f in dr090(relaxed) if f.resource == label] == []


# --- the arithmetic at the edge of each objective -----------------------------------------


def all_figures(estimates: tuple[ComponentEstimate, ...]) -> list[Figure]:
    return [f for e in estimates for f in (*e.rpo, *e.rto_steps, *e.not_counted)]
