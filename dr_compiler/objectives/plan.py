"""The ARC Region switch plan (failover.orchestrator: region_switch): its workflow, step by
step, with each step's share of the RTO."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.objectives.aws import REGION_SWITCH_URL
from dr_compiler.objectives.figures import Figure
from dr_compiler.objectives.steps import manual_decision, promotion, traffic_shift
from dr_compiler.objectives.text import fmt_seconds


@dataclass(frozen=True)
class PlanStep:
    """One step of the plan's workflow that activates the secondary, in execution order.

    The builder (compiler/services/region_switch.py) compiles these steps, and the figure is
    the step's share of the RTO, so the estimate and the plan cannot drift apart."""

    name: str
    """The step's name in the plan."""
    block: str
    """Its ExecutionBlockType."""
    component: str
    """What it acts on: "approval", "database" or "dns"."""
    figure: Figure


def plan_steps(spec: Spec) -> tuple[PlanStep, ...]:
    """The workflow that activates the first secondary: an approval when a person decides
    (failover.automatic: false), the Aurora global database's promotion, then DNS.

    DynamoDB global tables and replicated buckets get no step: every region already holds a
    writable table replica and a readable bucket replica (see their estimates), and Region
    switch has no execution block for either
    (https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-execution-blocks.html).
    """
    steps = []
    if not spec.failover.automatic:
        steps.append(
            PlanStep("approve-failover", "ManualApproval", "approval", manual_decision(spec))
        )
    if spec.database is not None:
        steps.append(
            PlanStep("promote-database", "AuroraGlobalDatabase", "database", promotion(spec))
        )
    steps.append(PlanStep("shift-dns", "Route53HealthCheck", "dns", traffic_shift(spec)))
    return tuple(steps)


def plan_objective_minutes(spec: Spec) -> int:
    """The plan's RecoveryTimeObjectiveMinutes: the failover objective in whole minutes,
    rounded up (the property takes 1 to 10080 minutes)."""
    return max(1, math.ceil(blocks.region_switch.BLOCK.objective(spec).rto_seconds / 60))


def plan_workflow_text(spec: Spec) -> str:
    """The plan's trigger and workflow in one line, for the failover estimate's notes."""
    secondary = spec.regions.failover_target
    monitor = spec.health_monitor
    trigger = (
        f"{secondary}'s FailoverTriggerAlarm starts it"
        if monitor is not None and monitor.schedule is not None
        else "a person starts it (no trigger alarm)"
    )
    workflow = "; ".join(
        f"{index}. {step.name} ({step.block}, {fmt_seconds(step.figure.seconds)})"
        for index, step in enumerate(plan_steps(spec), 1)
    )
    return (
        f"ARC Region switch plan activating {secondary} (RecoveryTimeObjectiveMinutes "
        f"{plan_objective_minutes(spec)}): {trigger}; workflow {workflow}. Region switch "
        f"documents no latency from the alarm to the first step: not counted ({REGION_SWITCH_URL})"
    )
