"""The trigger paths: every way the promotion gets started after the primary fails, and which
of them survive the loss of the primary region."""

from __future__ import annotations

from dataclasses import dataclass

from dr_compiler.model import Function, Spec
from dr_compiler.objectives.aws import ROUTE53_METRICS_REGION
from dr_compiler.objectives.figures import Figure
from dr_compiler.objectives.plan import plan_steps
from dr_compiler.objectives.steps import (
    decision,
    detection,
    health_alarm,
    manual_decision,
    paging_alarm,
    probe_alarm,
    probe_detection,
    promotion,
)
from dr_compiler.objectives.text import fmt_seconds


def _plan_path(spec: Spec, monitor: Function) -> TriggerPath:
    """The secondary's trigger alarm starts the plan in that region; its steps up to the
    promotion follow (the traffic shift is counted with the failover, as for every path)."""
    target = spec.regions.failover_target
    before_dns = tuple(step.figure for step in plan_steps(spec) if step.component != "dns")
    return TriggerPath(
        f"ARC Region switch plan, triggered by {target}'s probe alarm",
        (probe_detection(monitor), probe_alarm(spec), *before_dns),
        None,
    )


@dataclass(frozen=True)
class TriggerPath:
    """One way the promotion gets started, from the primary's failure to the promotion."""

    name: str
    steps: tuple[Figure, ...]
    needs_region: str | None
    """The region whose control plane (CloudWatch, SNS) the path needs, if any."""

    @property
    def seconds(self) -> float:
        return sum((f.seconds for f in self.steps), 0.0)

    def survives_loss_of(self, region: str) -> bool:
        return self.needs_region != region


def trigger_paths(spec: Spec) -> tuple[TriggerPath, ...]:
    """Every path that can start the promotion: the automatic ones, then a person's when no
    automatic one survives the loss of the primary region."""
    if spec.dns is None:
        return (_person_without_health_check(spec),)
    if spec.database is None:
        return (_dns_only_path(spec),)
    paths: list[TriggerPath] = []
    target = spec.regions.failover_target
    monitor = spec.health_monitor
    probing = monitor is not None and monitor.schedule is not None
    if spec.failover.region_switch:
        # The plan is the only orchestrator; without a probe it has no trigger and a person
        # starts it (the person's path below).
        if probing:
            assert monitor is not None
            paths.append(_plan_path(spec, monitor))
    elif spec.failover.automatic:
        paths.append(
            TriggerPath(
                f"Route53 health check, alarm and topic in {ROUTE53_METRICS_REGION}",
                (detection(spec), health_alarm(spec), decision(spec), promotion(spec)),
                ROUTE53_METRICS_REGION,
            )
        )
        if probing and spec.failover_function is not None:
            assert monitor is not None
            paths.append(
                TriggerPath(
                    f"{target}'s own probe of the primary API",
                    (probe_detection(monitor), probe_alarm(spec), decision(spec), promotion(spec)),
                    None,
                )
            )
    primary = spec.regions.primary
    if not any(path.survives_loss_of(primary) for path in paths):
        paths.append(_person(spec, monitor if probing else None))
    return tuple(paths)


def _person_without_health_check(spec: Spec) -> TriggerPath:
    """Without a public API there is no health check: nothing automatic starts a failover
    (the schema requires failover.automatic: false). A person, paged by the functions' and
    queues' alarms, decides; detection is that page, not a figure this report can bound."""
    promote = (promotion(spec),) if spec.database is not None else ()
    return TriggerPath(
        "a person, paged by the service's alarms (no health check)",
        (manual_decision(spec), *promote),
        None,
    )


def _dns_only_path(spec: Spec) -> TriggerPath:
    """Without a relational database nothing is promoted: every table replica is already
    writable, so Route 53 moving the name on its health check is the whole failover. Health
    checks and failover routing are Route 53's global data plane, not one region's
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-how-route-53-chooses-records.html)."""
    return TriggerPath("Route53 DNS failover on its health check", (detection(spec),), None)


def _person(spec: Spec, monitor: Function | None) -> TriggerPath:
    """A person paged by the first alarm that survives the primary's loss, deciding by hand."""
    if spec.regions.primary != ROUTE53_METRICS_REGION or monitor is None:
        page: tuple[Figure, ...] = (detection(spec), health_alarm(spec))
        needs = ROUTE53_METRICS_REGION
    else:
        page, needs = (probe_detection(monitor), paging_alarm(spec)), None
    # An automatic spec without a function has nobody to invoke: say so, not "decide".
    missing_function = (
        spec.failover.automatic
        and spec.failover_function is None
        and not spec.failover.region_switch
    )
    decider = decision(spec) if missing_function else manual_decision(spec)
    return TriggerPath("a person, paged", (*page, decider, promotion(spec)), needs)


def surviving_path(spec: Spec) -> TriggerPath:
    """The fastest path that survives the loss of the primary region (else the fastest)."""
    paths = trigger_paths(spec)
    surviving = [p for p in paths if p.survives_loss_of(spec.regions.primary)] or list(paths)
    return min(surviving, key=lambda p: p.seconds)


def fastest_path(spec: Spec) -> TriggerPath:
    return min(trigger_paths(spec), key=lambda p: p.seconds)


def paths_note(spec: Spec) -> str:
    primary = spec.regions.primary
    described = [
        f"{p.name} {fmt_seconds(p.seconds)} to promotion"
        + ("" if p.survives_loss_of(primary) else f" (needs {primary}: lost with it)")
        for p in trigger_paths(spec)
    ]
    return "trigger paths: " + "; ".join(described)
