"""What is deployed: every StackSet of the spec, its stack instances and their status, and, with
drift detection, whether the deployed resources still match their templates.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dr_compiler.deploy.operations import Poller, run_operation
from dr_compiler.deploy.plan import Target
from dr_compiler.deploy.progress import Progress
from dr_compiler.deploy.state import INSTANCE_PAGE, read_stack_set

NOT_DEPLOYED = "NOT DEPLOYED"
DRIFTED = "DRIFTED"
COLUMNS = ("wave", "StackSet", "account", "region", "status", "detail", "drift", "reason")
SUMMARY_COLUMNS = ("wave", "StackSet", "region", "instances", "status", "detail", "drift")
# More instances than this and the text output sums them up per wave, StackSet, region and
# outcome (hundreds of lines are not a status display); `--format json` lists every one.
SUMMARY_ABOVE = 20


@dataclass(frozen=True)
class InstanceStatus:
    wave: int
    stack_set: str
    target: Target | None
    status: str
    detail: str = ""
    reason: str = ""
    drift: str = ""

    @property
    def cells(self) -> tuple[str, ...]:
        account, region = (self.target.account, self.target.region) if self.target else ("", "")
        return (
            str(self.wave),
            self.stack_set,
            account,
            region,
            self.status,
            self.detail,
            self.drift,
            self.reason,
        )


def collect(cfn: Any, waves: Sequence[tuple[int, str]]) -> tuple[InstanceStatus, ...]:
    rows: list[InstanceStatus] = []
    for wave, name in waves:
        state = read_stack_set(cfn, name, overrides=False)
        if state is None:
            rows.append(InstanceStatus(wave, name, None, NOT_DEPLOYED))
            continue
        rows.extend(
            InstanceStatus(wave, name, i.target, i.status, i.detailed_status, i.reason)
            for i in state.instances
        )
    return tuple(rows)


def detect_drift(
    cfn: Any,
    rows: Sequence[InstanceStatus],
    progress: Progress,
    poller: Poller,
    preferences: Mapping[str, Any],
) -> tuple[InstanceStatus, ...]:
    """Run drift detection on every deployed StackSet and add each instance's drift status."""
    drift: dict[tuple[str, Target], str] = {}
    for name in dict.fromkeys(r.stack_set for r in rows if r.target is not None):
        targets = [r.target for r in rows if r.stack_set == name and r.target is not None]
        run_operation(
            cfn,
            "detect_stack_set_drift",
            name,
            targets,
            progress,
            poller,
            {"OperationPreferences": dict(preferences)},
        )
        drift.update(_instance_drift(cfn, name))
    return tuple(
        InstanceStatus(
            r.wave,
            r.stack_set,
            r.target,
            r.status,
            r.detail,
            r.reason,
            drift.get((r.stack_set, r.target), "") if r.target else "",
        )
        for r in rows
    )


def _instance_drift(cfn: Any, name: str) -> dict[tuple[str, Target], str]:
    pages = cfn.get_paginator("list_stack_instances").paginate(
        StackSetName=name, PaginationConfig=INSTANCE_PAGE
    )
    return {
        (name, Target(str(s["Account"]), str(s["Region"]))): str(s.get("DriftStatus", ""))
        for page in pages
        for s in page.get("Summaries", [])
    }


def drifted(rows: Sequence[InstanceStatus]) -> bool:
    return any(r.drift == DRIFTED for r in rows)


def render(rows: Sequence[InstanceStatus]) -> str:
    """A plain aligned table: readable in a terminal and in a CI log alike. Past SUMMARY_ABOVE
    instances, one row per wave, StackSet, region and outcome, with the count, and one row per
    instance that is not CURRENT (those are the ones to look at)."""
    if len(rows) <= SUMMARY_ABOVE:
        return _table(COLUMNS, [r.cells for r in rows])
    totals = Counter(
        (r.wave, r.stack_set, r.target.region if r.target else "", r.status, r.detail, r.drift)
        for r in rows
    )
    summary = [
        (str(wave), name, region, str(count), status, detail, drift)
        for (wave, name, region, status, detail, drift), count in totals.items()
    ]
    unhealthy = [r.cells for r in rows if r.target is not None and r.status != "CURRENT"]
    text = _table(SUMMARY_COLUMNS, summary)
    if unhealthy:
        text += "\n" + _table(COLUMNS, unhealthy)
    return text


def _table(columns: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    table = [tuple(columns), *(tuple(c) for c in cells)]
    used = [i for i in range(len(columns)) if any(row[i] for row in table[1:])]
    widths = {i: max(len(row[i]) for row in table) for i in used}
    lines = ["  ".join(row[i].ljust(widths[i]) for i in used).rstrip() for row in table]
    return "\n".join(lines) + "\n"


def render_json(rows: Sequence[InstanceStatus]) -> str:
    """Every stack instance, for tools."""
    document = [
        {
            "wave": r.wave,
            "stack_set": r.stack_set,
            "account": r.target.account if r.target else None,
            "region": r.target.region if r.target else None,
            "status": r.status,
            "detail": r.detail,
            "reason": r.reason,
            "drift": r.drift,
        }
        for r in rows
    ]
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
