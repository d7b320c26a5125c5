"""The recovery-objective estimates as text, JSON and Markdown (`dr-compiler objectives`).

Every format shows, per component, the RPO and RTO figures with their arithmetic, the spec
values they used and the AWS page each comes from, the totals, the objective and the margin.
The JSON form is also the `objectives` section of policy-report.json.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from dr_compiler.escaping import markdown_text as _cell
from dr_compiler.loader import format_path
from dr_compiler.model import Spec
from dr_compiler.objectives.estimators import estimate
from dr_compiler.objectives.figures import ComponentEstimate, Figure, Metric, sum_text
from dr_compiler.objectives.text import fmt_seconds, spec_inputs_text
from dr_compiler.topology.build import build_graph
from dr_compiler.topology.mermaid import to_mermaid

FORMATS = ("text", "json", "markdown")


def render(spec: Spec, fmt: str) -> str:
    estimates = estimate(spec)
    if fmt == "json":
        document = {"format": "dr-compiler-objectives/v1", "spec": spec.file}
        document.update(objectives_dict(estimates))
        return json.dumps(document, indent=2, sort_keys=True) + "\n"
    if fmt == "markdown":
        return markdown(estimates) + "\n" + mermaid_section(spec)
    return text(spec.file, estimates)


def passed(estimates: tuple[ComponentEstimate, ...]) -> bool:
    return all(e.meets_objectives for e in estimates)


# --- JSON -----------------------------------------------------------------------------------


def _number(seconds: float | None) -> int | float | None:
    """Seconds for JSON: integral values as ints, unbounded as null (see `unbounded`)."""
    if seconds is None or math.isinf(seconds):
        return None
    return int(seconds) if float(seconds).is_integer() else seconds


def figure_dict(figure: Figure) -> dict[str, Any]:
    return {
        "name": figure.name,
        "seconds": _number(figure.seconds),
        "unbounded": figure.unbounded,
        "arithmetic": figure.arithmetic,
        "source": figure.source_url,
        "spec_inputs": dict(figure.spec_inputs),
        "note": figure.note,
    }


def _metric(metric: Metric) -> dict[str, Any]:
    total = metric.seconds
    return {
        "applies": bool(metric.figures),
        "seconds": _number(total),
        "unbounded": total is not None and math.isinf(total),
        "objective": metric.objective,
        "margin": _number(metric.margin),
        "arithmetic": sum_text(metric.figures) if metric.figures else "",
        "figures": [figure_dict(f) for f in metric.figures],
    }


def estimate_dict(component: ComponentEstimate) -> dict[str, Any]:
    rpo, rto = component.metrics
    return {
        "component": component.component,
        "label": component.label,
        "rpo": _metric(rpo),
        "rto": _metric(rto),
        "meets_objectives": component.meets_objectives,
        "breaches": [
            {
                "metric": b.metric,
                "seconds": _number(b.computed),
                "unbounded": math.isinf(b.computed),
                "objective": b.objective,
                "setting": format_path(b.setting),
                "advice": b.advice,
            }
            for b in component.breaches()
        ],
        "notes": list(component.notes),
        "not_counted": [figure_dict(f) for f in component.not_counted],
    }


def objectives_dict(estimates: tuple[ComponentEstimate, ...]) -> dict[str, Any]:
    """The `objectives` section of policy-report.json (and the body of the JSON format)."""
    return {"passed": passed(estimates), "components": [estimate_dict(e) for e in estimates]}


# --- Text -----------------------------------------------------------------------------------


def _status(component: ComponentEstimate) -> str:
    return "ok" if component.meets_objectives else "OVER"


def _summary_rows(estimates: tuple[ComponentEstimate, ...]) -> list[tuple[str, ...]]:
    rows = []
    for e in estimates:
        cells = [e.label]
        for metric in e.metrics:
            cells += [
                fmt_seconds(metric.seconds),
                fmt_seconds(metric.objective),
                _margin_text(metric.margin),
            ]
        rows.append((*cells, _status(e)))
    return rows


SUMMARY_HEADER = ("component", "RPO", "objective", "margin", "RTO", "objective", "margin", "")


def _margin_text(margin: float | None) -> str:
    if margin is None:
        return "n/a"
    if math.isinf(margin):
        return "-unbounded" if margin < 0 else "unbounded"
    return fmt_seconds(margin) if margin >= 0 else f"-{fmt_seconds(-margin)}"


def _totals_text(metric: Metric) -> str:
    """`detection 30 s + traffic shift 60 s = 90 s; objective 120 s, margin 30 s`."""
    return (
        f"{sum_text(metric.figures)}; objective {fmt_seconds(metric.objective)}, "
        f"margin {_margin_text(metric.margin)}"
    )


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in (header, *rows)
    ]


def text(spec_file: str, estimates: tuple[ComponentEstimate, ...]) -> str:
    verdict = "met" if passed(estimates) else "NOT met"
    lines = [f"Recovery objectives of {spec_file}: {verdict}", ""]
    lines += _table(_summary_rows(estimates), SUMMARY_HEADER)
    for component in estimates:
        lines += ["", *_component_text(component)]
    return "\n".join(lines) + "\n"


def _component_text(component: ComponentEstimate) -> Iterator[str]:
    objective = component.objective
    yield (
        f"{component.label}: objective RPO {fmt_seconds(objective.rpo_seconds)}, "
        f"RTO {fmt_seconds(objective.rto_seconds)}"
    )
    for metric in component.metrics:
        if not metric.figures:
            yield f"  {metric.name}  n/a"
            continue
        for index, figure in enumerate(metric.figures):
            head = metric.name if index == 0 else ""
            yield (
                f"  {head:<4} {figure.name:<20} {fmt_seconds(figure.seconds):>10}  "
                f"{figure.arithmetic}"
            )
            if figure.spec_inputs:
                yield f"{'':<8}spec: {spec_inputs_text(figure.spec_inputs)}"
            yield f"{'':<8}source: {figure.source_url}"
        yield f"  {metric.name} total: {_totals_text(metric)}"
    for figure in component.not_counted:
        yield (
            f"  not counted: {figure.name} {fmt_seconds(figure.seconds)} ({figure.note}); "
            f"source: {figure.source_url}"
        )
    for breach in component.breaches():
        yield f"  ! {breach.metric} over the objective: {breach.advice}"
    for note in component.notes:
        yield f"  note: {note}"


# --- Markdown -------------------------------------------------------------------------------


def _link(url: str) -> str:
    page = url.rstrip("/").rsplit("/", 1)[-1].split("#")[0].removesuffix(".html")
    return f"[{page}]({url})"


def summary_markdown(estimates: tuple[ComponentEstimate, ...], heading: str = "##") -> str:
    """The verdict and one row per component (the policy report's section)."""
    verdict = "✅ objectives met" if passed(estimates) else "❌ objectives not met"
    lines = [
        f"{heading} Recovery objectives: {verdict}",
        "",
        "| " + " | ".join(SUMMARY_HEADER[:-1]) + " | status |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in _summary_rows(estimates)]
    return "\n".join(lines) + "\n"


def markdown(estimates: tuple[ComponentEstimate, ...], heading: str = "##") -> str:
    """The summary, then every component's figures with their sources."""
    lines = [summary_markdown(estimates, heading).rstrip("\n")]
    for component in estimates:
        lines += ["", *_component_markdown(component, heading + "#")]
    return "\n".join(lines) + "\n"


def _component_markdown(component: ComponentEstimate, heading: str) -> Iterator[str]:
    yield f"{heading} {component.label}"
    yield ""
    yield "| | step | seconds | arithmetic | spec inputs | source |"
    yield "|---|---|---:|---|---|---|"
    for metric in component.metrics:
        if not metric.figures:
            yield f"| {metric.name} | n/a | | | | |"
            continue
        for index, figure in enumerate(metric.figures):
            inputs = spec_inputs_text(figure.spec_inputs)
            yield (
                f"| {metric.name if index == 0 else ''} | {_cell(figure.name)} | "
                f"{fmt_seconds(figure.seconds)} | {_cell(figure.arithmetic)} | "
                f"{_cell(inputs) if inputs else ''} | {_link(figure.source_url)} |"
            )
    yield ""
    for metric in component.metrics:
        if metric.figures:
            yield f"- {metric.name}: {_cell(_totals_text(metric))}"
    for figure in component.not_counted:
        yield (
            f"- not counted: {figure.name} {fmt_seconds(figure.seconds)} ({_cell(figure.note)}), "
            f"{_link(figure.source_url)}"
        )
    for breach in component.breaches():
        yield f"- ❌ {breach.metric} over the objective: {_cell(breach.advice)}"
    for note in component.notes:
        yield f"- note: {_cell(note)}"


def mermaid_section(spec: Spec, heading: str = "##") -> str:
    """The topology as a fenced Mermaid block (it renders on code-hosting pages)."""
    return f"{heading} Topology\n\n```mermaid\n{to_mermaid(build_graph(spec))}```\n"
