"""Recovery objectives (DR090): what each component of a spec can achieve, from the spec alone.

The scenario is the one the architecture is built for: the primary region fails its Route53
health check. For every component the model computes

- its RPO: how much data (in seconds of writes) that failure can lose, and
- its RTO steps: detection, decision, promotion and traffic shift, as far as the component
  needs them before it serves again,

as `Figure`s. Each figure carries the AWS documentation page its number comes from, the spec
values it used (by spec path), and the arithmetic, so a report can show exactly how a total
was reached. Figures that AWS does not bound (S3 replication without RTC, a person deciding
by hand) are `UNBOUNDED` (infinity): they fail every finite objective.

Trigger paths (each starts when the primary fails, and ends with the Aurora promotion):

- Route53: the health check's detection (interval x failure threshold), the health-check
  alarm in us-east-1 (Route53 publishes one datapoint a minute there, and the alarm needs
  failover.datapoints_to_alarm of them), the decision (SNS invokes the failover function,
  bounded by its timeout), the promotion. It needs us-east-1's CloudWatch and SNS.
- the secondary's own probe (when the spec has a health monitor on a schedule): the first
  failing probe (the monitor's schedule period), the rest of the M-of-N evidence (M - 1 more
  one-minute datapoints), the decision, the promotion. It needs nothing of the primary's
  region.
- a person, when no automatic path survives the loss of the primary region (or the spec is
  manual): the page (the first surviving alarm), the decision a person is committed to
  (failover.decision_seconds; unbounded without it), the promotion.

Critical paths per component:

- dns: detection (health-check interval x failure threshold), then traffic shift (the record's
  TTL, which resolvers may still hold; alias records carry the load balancer's 60 s).
- tables and buckets: the same as dns. Every region already holds a readable (for DynamoDB,
  writable) replica, so the component is back as soon as clients reach the secondary.
- database: the fastest trigger path that survives the loss of the primary region.
- failover: that path end to end, plus the traffic shift, counted serially (DNS starts moving
  clients at detection, in parallel with the promotion, so the serial sum is an upper bound;
  it is the figure the objective is held to because a client is only served once its DNS
  answer has expired *and* the database is writable). When the fastest path overall is
  another one (the Route53 path, with a primary in us-east-1), it is reported separately as
  "failover (fastest path)".
- backups: RPO only (the schedule's period, when copies reach the secondaries). Restoring a
  recovery point is not part of the failover path, and its duration depends on the data size,
  so no RTO is estimated.

Known limits, stated where they apply: the DNS TTL is what resolvers are asked to honour,
not a guarantee; Aurora documents promotion as "under a minute" and the end-to-end RTO as "in
the order of minutes" (this model decomposes the latter); CloudWatch may notify "several
minutes" after a health check fails in the worst case; cron schedules with L, W or # are not
modelled (see `schedule_period`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from dr_compiler.loader import format_path
from dr_compiler.model import Backup, Bucket, Function, Objective, Spec, Table
from dr_compiler.schedules import EVENTBRIDGE_SCHEDULES_URL, UnsupportedSchedule, schedule_period

UNBOUNDED = math.inf
"""No documented bound: fails every finite objective."""

SpecPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Documented:
    """A number AWS documents, the page that documents it, and what the page says."""

    seconds: float
    url: str
    says: str


# --- What AWS documents (each figure below cites exactly one of these pages) -------------

ROUTE53_HEALTH_CHECKS_URL = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
"""Health checkers request every 10 or 30 s; 'failure threshold' consecutive failures make
the endpoint unhealthy: detection takes interval x threshold."""
ROUTE53_METRIC_PERIOD = Documented(
    seconds=60,
    url="https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html",
    says="health-check status reaches CloudWatch in one-minute intervals; several minutes may "
    "elapse before the SNS notification",
)
CLOUDWATCH_ALARM_EVALUATION_URL = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html"
)
ALIAS_TTL = Documented(
    seconds=60,
    url="https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html",
    says="the load balancer's DNS entry has a TTL of 60 seconds; Route53 alias records to a "
    "load balancer use it (the Route53 FAQ: 'fixed TTL of 60 seconds')",
)
RECORD_TTL_URL = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-basic.html#rrsets-values-basic-ttl"
LAMBDA_SNS_URL = "https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html"
AURORA_REPLICATION_LAG = Documented(
    seconds=1,
    url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html",
    says="Aurora replicates to the secondary Regions with latency typically under a second",
)
AURORA_PROMOTION = Documented(
    seconds=60,
    url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html",
    says="a secondary Region can be promoted to take full read/write workloads in under a "
    "minute (the BCDR guide puts the end-to-end RTO 'in the order of minutes')",
)
AURORA_SWITCHOVER = Documented(
    seconds=0,
    url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html",
    says="a switchover synchronizes the secondaries before promoting: RPO 0, but it needs "
    "every cluster healthy; a failover after an outage loses the replication lag",
)
DYNAMODB_REPLICATION = Documented(
    seconds=1,
    url="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html",
    says="multi-Region eventual consistency replicates changes typically within a second or "
    "less; multi-Region strong consistency gives RPO 0 with exactly three Regions",
)
S3_RTC = Documented(
    seconds=900,
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html",
    says="S3 RTC replicates 99.99 % of objects within 15 minutes, backed by an SLA; "
    "15 minutes is the only setting",
)
S3_REPLICATION_URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html"
AWS_BACKUP_PLAN_URL = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html"
)
ROUTE53_METRICS_REGION = "us-east-1"
"""Route53 publishes health-check metrics only here (ROUTE53_METRIC_PERIOD's page)."""
AURORA_MANUAL_FAILOVER_URL = AURORA_SWITCHOVER.url
"""The Aurora page describing the unplanned failover a person runs."""
STANDARD_PERIOD_SECONDS = 60
"""Custom metrics put without StorageResolution are one datapoint a minute."""

# Route53 health checks allow these request intervals; the fast one is the floor.
FAST_HEALTH_CHECK_INTERVAL = 10
MRSC_REGIONS = 3


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


def fmt_seconds(seconds: float | None) -> str:
    """`90 s`, `0.5 s`, `unbounded`, or `n/a` for a figure that does not apply."""
    if seconds is None:
        return "n/a"
    if math.isinf(seconds):
        return "unbounded"
    if float(seconds).is_integer():
        return f"{int(seconds)} s"
    return f"{seconds:g} s"


# --- The figures ------------------------------------------------------------------------

HEALTH_CHECK = ("dns", "health_check")


def detection(spec: Spec) -> Figure:
    check = spec.dns.health_check
    interval_path: SpecPath = (*HEALTH_CHECK, "interval_seconds")
    threshold_path: SpecPath = (*HEALTH_CHECK, "failure_threshold")
    # The cheapest knob first: the fast interval triples detection speed at no other cost.
    if check.interval_seconds > FAST_HEALTH_CHECK_INTERVAL:
        setting: SpecPath | None = interval_path
        advice = (
            f"lower dns.health_check.interval_seconds from {check.interval_seconds} to "
            f"{FAST_HEALTH_CHECK_INTERVAL}: detection takes interval x failure threshold"
        )
    elif check.failure_threshold > 1:
        setting = threshold_path
        advice = (
            f"lower dns.health_check.failure_threshold ({check.failure_threshold}): detection "
            f"takes interval ({check.interval_seconds} s) x failure threshold"
        )
    else:
        setting, advice = None, ""
    return Figure(
        name="detection",
        seconds=float(check.interval_seconds * check.failure_threshold),
        source_url=ROUTE53_HEALTH_CHECKS_URL,
        spec_inputs={
            format_path(interval_path): check.interval_seconds,
            format_path(threshold_path): check.failure_threshold,
        },
        arithmetic=f"{check.interval_seconds} s x {check.failure_threshold}",
        note="Route53 health check: request interval x consecutive failures",
        setting=setting,
        advice=advice,
    )


def traffic_shift(spec: Spec) -> Figure:
    ttl = spec.dns.ttl_seconds
    inputs = {"dns.ttl_seconds": ttl}
    if ttl is None:
        return Figure(
            name="traffic shift",
            seconds=ALIAS_TTL.seconds,
            source_url=ALIAS_TTL.url,
            spec_inputs=inputs,
            arithmetic="alias record: the load balancer's TTL",
            note="resolvers may keep the primary's answer for the alias target's 60 s TTL",
            setting=("dns", "ttl_seconds"),
            advice="alias records carry the load balancer's fixed 60 s TTL: set "
            "dns.ttl_seconds below 60 to publish CNAME records with a shorter TTL",
        )
    return Figure(
        name="traffic shift",
        seconds=float(ttl),
        source_url=RECORD_TTL_URL,
        spec_inputs=inputs,
        arithmetic=f"CNAME TTL {ttl} s",
        note="resolvers may keep the primary's answer for the record's TTL",
        setting=("dns", "ttl_seconds"),
        advice=f"lower dns.ttl_seconds ({ttl}): resolvers keep the old answer that long",
    )


def health_alarm(spec: Spec) -> Figure:
    """The Route53 health-check alarm: one datapoint a minute, M of them (the failover's
    M-of-N evidence when it starts the failover; the paging evaluation periods when not)."""
    if spec.failover.automatic:
        datapoints = spec.failover.datapoints_to_alarm
        path: SpecPath = ("failover", "datapoints_to_alarm")
        what = f"{datapoints} of {spec.failover.evaluation_periods} one-minute datapoints"
    else:
        datapoints = spec.monitoring.alarms.evaluation_periods
        path = ("monitoring", "alarms", "evaluation_periods")
        what = f"{datapoints} one-minute datapoints"
    period = int(ROUTE53_METRIC_PERIOD.seconds)
    return Figure(
        name="alarm",
        seconds=float(period * datapoints),
        source_url=ROUTE53_METRIC_PERIOD.url,
        spec_inputs={format_path(path): datapoints},
        arithmetic=f"{period} s x {datapoints}",
        # The compiler fixes this alarm's period at 60 s whatever monitoring.alarms says,
        # because Route53 publishes one datapoint a minute (see alarms.py).
        note=f"HealthCheckStatus alarm in {ROUTE53_METRICS_REGION}: {what} "
        f"(evaluation: {CLOUDWATCH_ALARM_EVALUATION_URL}); CloudWatch may notify later "
        "than this in the worst case",
        setting=path if datapoints > 1 else None,
        advice=f"lower {format_path(path)} ({datapoints}): the health-check alarm waits that "
        "many one-minute datapoints (DR063 keeps at least 2 for a failover that may lose data)",
    )


def probe_detection(monitor: Function) -> Figure:
    """The first failing probe of the primary API by a secondary's health monitor."""
    schedule = monitor.schedule or ""
    path: SpecPath = ("functions", monitor.index, "schedule")
    try:
        period = schedule_period(schedule)
    except UnsupportedSchedule:
        period = UNBOUNDED
    return Figure(
        name="detection",
        seconds=period,
        source_url=EVENTBRIDGE_SCHEDULES_URL,
        spec_inputs={format_path(path): schedule},
        arithmetic=f"longest gap between runs of {schedule}",
        note=f"{monitor.name} probes the primary's load balancer from the secondary; the "
        "outage can start just after a probe",
        setting=path if period > STANDARD_PERIOD_SECONDS else None,
        advice=f"run {monitor.name} every minute: rate(1 minute) is EventBridge's finest",
    )


def probe_alarm(spec: Spec) -> Figure:
    """The rest of the secondary trigger alarm's M-of-N evidence after the first failure."""
    return _minute_datapoints_alarm(
        spec.failover.datapoints_to_alarm,
        ("failover", "datapoints_to_alarm"),
        {"failover.evaluation_periods": spec.failover.evaluation_periods},
        note="the secondary's trigger alarm: one datapoint a minute, the first failing one "
        "being the detection; CloudWatch may notify later than this in the worst case",
        advice="lower failover.datapoints_to_alarm ({n}): each datapoint is a minute "
        "(DR063 keeps at least 2 for a failover that may lose data)",
    )


def paging_alarm(spec: Spec) -> Figure:
    """The secondary's monitor alarm that pages on-call (PrimaryApiHealthAlarm)."""
    return _minute_datapoints_alarm(
        spec.monitoring.alarms.evaluation_periods,
        ("monitoring", "alarms", "evaluation_periods"),
        {},
        note="the secondary's PrimaryApiHealthAlarm pages on-call; the first failing probe "
        "is the detection",
        advice="lower monitoring.alarms.evaluation_periods ({n}): the page waits that many "
        "one-minute datapoints",
    )


def _minute_datapoints_alarm(
    datapoints: int, path: SpecPath, other_inputs: dict[str, Any], *, note: str, advice: str
) -> Figure:
    """An alarm on a one-datapoint-a-minute metric that needs `datapoints` (set at `path`):
    the first failing one is the detection, each further one a minute."""
    return Figure(
        name="alarm",
        seconds=float(STANDARD_PERIOD_SECONDS * (datapoints - 1)),
        source_url=CLOUDWATCH_ALARM_EVALUATION_URL,
        spec_inputs={format_path(path): datapoints, **other_inputs},
        arithmetic=f"{STANDARD_PERIOD_SECONDS} s x ({datapoints} - 1)",
        note=note,
        setting=path if datapoints > 1 else None,
        advice=advice.format(n=datapoints),
    )


def decision(spec: Spec) -> Figure:
    failover = spec.failover
    function = spec.failover_function
    if not failover.automatic:
        return manual_decision(spec)
    if function is None:
        return _manual(
            ("failover", "function"),
            {"failover.automatic": True, "failover.function": failover.function},
            "set failover.function to a spec function: without one the health-check alarm "
            "invokes nothing",
        )
    path: SpecPath = ("functions", function.index, "timeout_seconds")
    return Figure(
        name="decision",
        seconds=float(function.timeout_seconds),
        source_url=LAMBDA_SNS_URL,
        spec_inputs={
            "failover.function": function.name,
            format_path(path): function.timeout_seconds,
        },
        arithmetic=f"{function.name} timeout {function.timeout_seconds} s",
        note="the alarm notifies the failover topic, SNS invokes the function asynchronously, "
        "and the function requests the promotion within its timeout",
        setting=path,
        advice=f"lower functions[{function.index}].timeout_seconds "
        f"({function.timeout_seconds}) of {function.name}: the decision is bounded by it",
    )


def manual_decision(spec: Spec) -> Figure:
    """A person decides and runs the runbook's promotion step: bounded only by the time the
    spec commits them to (failover.decision_seconds)."""
    declared = spec.failover.decision_seconds
    inputs = {"failover.automatic": spec.failover.automatic, "failover.decision_seconds": declared}
    if declared is None and spec.failover.automatic:
        return _manual(
            ("failover", "decision_seconds"),
            inputs,
            "give every secondary a trigger path of its own (a health monitor with "
            "access.metrics: publish on a schedule, DR062), or declare "
            "failover.decision_seconds: the only automatic path needs the primary's region",
        )
    # Without a public API nothing automatic exists (the schema refuses automatic: true).
    automatic = "set failover.automatic: true, or " if spec.dns is not None else ""
    if declared is None:
        return _manual(
            ("failover", "automatic"),
            inputs,
            f"{automatic}declare failover.decision_seconds: without "
            + ("either" if automatic else "it")
            + " a person must notice the page and promote the database by hand, which "
            "nothing bounds",
        )
    return Figure(
        name="decision",
        seconds=float(declared),
        source_url=AURORA_MANUAL_FAILOVER_URL,
        spec_inputs=inputs,
        arithmetic=f"a person decides within {declared} s (declared)",
        note="on-call is paged, decides and runs the runbook's promotion step; the figure is "
        "the commitment the spec declares, not a measurement",
        setting=("failover", "decision_seconds"),
        advice=f"lower failover.decision_seconds ({declared})"
        + (" or set failover.automatic: true" if spec.dns is not None else ""),
    )


def _manual(setting: SpecPath, inputs: dict[str, Any], advice: str) -> Figure:
    return Figure(
        name="decision",
        seconds=UNBOUNDED,
        source_url=LAMBDA_SNS_URL,
        spec_inputs=inputs,
        arithmetic="a person decides",
        note="no automatic invocation of the failover function, and no declared decision time",
        setting=setting,
        advice=advice,
    )


def promotion(spec: Spec) -> Figure:
    """Promotion after the loss of the primary region.

    A managed switchover needs the primary's writer, which a regional loss takes away; without
    allow_data_loss the failover function refuses and pages on-call, so nothing bounds it.
    """
    allow = spec.failover.allow_data_loss
    if not allow:
        return Figure(
            name="promotion",
            seconds=UNBOUNDED,
            source_url=AURORA_SWITCHOVER.url,
            spec_inputs={"failover.allow_data_loss": allow},
            arithmetic="a switchover needs the lost primary: the function refuses",
            note=AURORA_SWITCHOVER.says,
            setting=("failover", "allow_data_loss"),
            advice="set failover.allow_data_loss: true: an unplanned failover loses at most "
            "the replication lag",
        )
    return Figure(
        name="promotion",
        seconds=AURORA_PROMOTION.seconds,
        source_url=AURORA_PROMOTION.url,
        spec_inputs={"failover.allow_data_loss": allow},
        arithmetic="Aurora unplanned failover (AllowDataLoss): under a minute",
        note=AURORA_PROMOTION.says,
    )


def _estimate(
    spec: Spec,
    component: str,
    label: str,
    rpo: tuple[Figure, ...],
    rto: tuple[Figure, ...],
    notes: tuple[str, ...] = (),
    not_counted: tuple[Figure, ...] = (),
) -> ComponentEstimate:
    return ComponentEstimate(
        component=component,
        label=label,
        objective=spec.objectives.for_component(component),
        rpo=rpo,
        rto_steps=rto,
        notes=notes,
        not_counted=not_counted,
    )


# --- The ARC Region switch plan (failover.orchestrator: region_switch) --------------------

REGION_SWITCH_URL = "https://docs.aws.amazon.com/r53recovery/latest/dg/region-switch.html"
"""Region switch runs a plan's workflow step by step in the Region being activated (a data
plane in each Region); CloudWatch alarm triggers start it."""


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
    return max(1, math.ceil(spec.objectives.for_component("failover").rto_seconds / 60))


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


def _paths_note(spec: Spec) -> str:
    primary = spec.regions.primary
    described = [
        f"{p.name} {fmt_seconds(p.seconds)} to promotion"
        + ("" if p.survives_loss_of(primary) else f" (needs {primary}: lost with it)")
        for p in trigger_paths(spec)
    ]
    return "trigger paths: " + "; ".join(described)


def _database(spec: Spec) -> ComponentEstimate:
    lag = Figure(
        name="replication lag",
        seconds=AURORA_REPLICATION_LAG.seconds,
        source_url=AURORA_REPLICATION_LAG.url,
        spec_inputs={"database.engine": spec.database.engine},
        arithmetic="typically under 1 s",
        # Whoever promotes after a regional loss (the function or a person), the writes not
        # yet replicated are lost; only a switchover, which needs a healthy primary, is 0.
        note=f"{AURORA_REPLICATION_LAG.says}; {AURORA_SWITCHOVER.says}",
    )
    path = surviving_path(spec)
    return _estimate(
        spec, "database", "database", (lag,), path.steps, notes=(f"path: {path.name}",)
    )


def _table(spec: Spec, table: Table) -> ComponentEstimate:
    rpo = _table_rpo(spec, table)
    label = f"table {table.name}"
    return _estimate(spec, "tables", label, (rpo,), _dns_steps(spec))


def _table_rpo(spec: Spec, table: Table) -> Figure:
    consistency: SpecPath = ("tables", table.index, "consistency")
    inputs = {
        format_path(consistency): table.consistency,
        "regions.secondaries": list(spec.regions.secondaries),
    }
    if table.consistency != "strong":
        can_be_strong = len(spec.regions.all) == MRSC_REGIONS
        return Figure(
            name="replication lag",
            seconds=DYNAMODB_REPLICATION.seconds,
            source_url=DYNAMODB_REPLICATION.url,
            spec_inputs=inputs,
            arithmetic="eventual consistency: typically within a second",
            note=DYNAMODB_REPLICATION.says,
            setting=consistency if can_be_strong else ("regions", "secondaries"),
            advice=(
                f"set consistency: strong on table {table.name}: multi-Region strong "
                "consistency has RPO 0"
                if can_be_strong
                else f"table {table.name} replicates asynchronously; RPO 0 needs consistency: "
                f"strong, which needs exactly {MRSC_REGIONS} regions"
            ),
        )
    if len(spec.regions.all) != MRSC_REGIONS:
        return Figure(
            name="replication",
            seconds=UNBOUNDED,
            source_url=DYNAMODB_REPLICATION.url,
            spec_inputs=inputs,
            arithmetic=f"strong consistency with {len(spec.regions.all)} regions",
            note="multi-Region strong consistency cannot be created with this many regions",
            setting=("regions", "secondaries"),
            advice=f"consistency: strong on table {table.name} needs exactly {MRSC_REGIONS} "
            f"regions, the spec has {len(spec.regions.all)}",
        )
    return Figure(
        name="replication",
        seconds=0.0,
        source_url=DYNAMODB_REPLICATION.url,
        spec_inputs=inputs,
        arithmetic="strong consistency: writes commit in more than one region",
        note=DYNAMODB_REPLICATION.says,
    )


def _bucket(spec: Spec, bucket: Bucket) -> ComponentEstimate:
    rto = _dns_steps(spec)
    return _estimate(spec, "buckets", f"bucket {bucket.name}", (_bucket_rpo(bucket),), rto)


def _bucket_rpo(bucket: Bucket) -> Figure:
    path: SpecPath = ("storage", "buckets", bucket.index, "replication")
    if not bucket.replicated:
        return Figure(
            name="replication",
            seconds=UNBOUNDED,
            source_url=S3_REPLICATION_URL,
            spec_inputs={format_path(path): None},
            arithmetic="not replicated",
            note="objects exist only in the primary region",
            setting=("storage", "buckets", bucket.index),
            advice=f"add replication: {{rtc: true}} to bucket {bucket.name}: without "
            "replication its objects exist only in the primary region",
        )
    inputs = {format_path((*path, "rtc")): bucket.rtc}
    if not bucket.rtc:
        return Figure(
            name="replication",
            seconds=UNBOUNDED,
            source_url=S3_REPLICATION_URL,
            spec_inputs=inputs,
            arithmetic="replication without RTC",
            note="most objects replicate quickly, but S3 states no bound without RTC",
            setting=path,
            advice=f"enable rtc on bucket {bucket.name}: replication without RTC has no time bound",
        )
    return Figure(
        name="replication",
        seconds=S3_RTC.seconds,
        source_url=S3_RTC.url,
        spec_inputs=inputs,
        arithmetic="RTC: 99.99 % within 15 min",
        note=S3_RTC.says,
    )


def _backups(spec: Spec) -> ComponentEstimate:
    backup = spec.backup
    schedule: SpecPath = ("backup", "schedule")
    inputs = {
        format_path(schedule): backup.schedule,
        "backup.copy_to_secondaries": backup.copy_to_secondaries,
    }
    if not backup.copy_to_secondaries:
        rpo = Figure(
            name="backup period",
            seconds=UNBOUNDED,
            source_url=AWS_BACKUP_PLAN_URL,
            spec_inputs=inputs,
            arithmetic="recovery points stay in the primary region",
            note="a regional failure takes the primary's vault with it",
            setting=("backup", "copy_to_secondaries"),
            advice="set backup.copy_to_secondaries: true: recovery points in the failed "
            "region are out of reach",
        )
    else:
        rpo = _backup_period(backup.schedule, inputs)
    notes = (
        "restoring a recovery point is not part of the failover path and depends on the "
        "data size: no RTO is estimated",
        *_isolated_copy_note(backup),
    )
    return _estimate(spec, "backups", "backups", (rpo,), (), notes=notes)


def _isolated_copy_note(backup: Backup) -> tuple[str, ...]:
    """With backup.isolated_copy, the same period bounds what an account compromise loses."""
    if not backup.isolated_account:
        return ()
    return (
        f"every recovery point is also copied to the {backup.isolated_vault.replace('_', ' ')} "
        f"vault of account {backup.isolated_account} in its own region: a compromise of the "
        "protected accounts loses at most the backup period too (the copy is out of their "
        "reach; it does not survive the loss of that region)",
    )


def _backup_period(expression: str, inputs: dict[str, Any]) -> Figure:
    try:
        period = schedule_period(expression)
        arithmetic = f"longest gap between runs of {expression}"
        advice = (
            f"run backup.schedule more often: recovery points are up to {fmt_seconds(period)} apart"
        )
    except UnsupportedSchedule as unsupported:
        period, arithmetic = UNBOUNDED, f"not modelled: {unsupported}"
        advice = "use a rate() or a plain cron() backup.schedule (no L, W or #)"
    return Figure(
        name="backup period",
        seconds=period,
        source_url=AWS_BACKUP_PLAN_URL,
        spec_inputs=inputs,
        arithmetic=arithmetic,
        # The compiled plan lets a job start up to an hour late (AWS Backup's minimum
        # start window), which the DR090 design leaves out of the figure.
        note="a recovery point per scheduled run, copied to every secondary; the schedule "
        "is a cron expression in UTC (EventBridge syntax)",
        setting=("backup", "schedule"),
        advice=advice,
    )


def _dns(spec: Spec) -> ComponentEstimate:
    return _estimate(spec, "dns", "dns", (), _dns_steps(spec))


def _dns_steps(spec: Spec) -> tuple[Figure, ...]:
    """Moving clients to another region: detection and the traffic shift; nothing for a
    service without a public API (no clients to move: each region's workers use their own
    region's replicas)."""
    if spec.dns is None:
        return ()
    return (detection(spec), traffic_shift(spec))


def _failover_loss(spec: Spec) -> Figure:
    if spec.database is None:
        return Figure(
            name="failover data loss",
            seconds=0.0,
            source_url=ROUTE53_HEALTH_CHECKS_URL,
            spec_inputs={"database": None},
            arithmetic="no promotion: nothing is lost by moving DNS",
            note="the tables' own replication lag is each table's RPO, estimated per table",
        )
    return Figure(
        name="promotion data loss",
        seconds=(
            AURORA_REPLICATION_LAG.seconds
            if spec.failover.allow_data_loss
            else AURORA_SWITCHOVER.seconds
        ),
        source_url=AURORA_SWITCHOVER.url,
        spec_inputs={"failover.allow_data_loss": spec.failover.allow_data_loss},
        arithmetic="failover loses the replication lag"
        if spec.failover.allow_data_loss
        else "switchover loses nothing",
        note=AURORA_SWITCHOVER.says,
    )


def _failover(spec: Spec) -> tuple[ComponentEstimate, ...]:
    """The path that survives the loss of the primary region; and the fastest path, when it
    is another one (it then needs the primary's region)."""
    loss = _failover_loss(spec)
    serial = (
        "steps counted serially: DNS starts moving clients at detection, in parallel "
        "with the promotion, so the total is an upper bound"
    )
    surviving, fastest = surviving_path(spec), fastest_path(spec)
    estimates = [
        _estimate(
            spec,
            "failover",
            "failover",
            (loss,),
            (*surviving.steps, *_dns_steps(spec)[1:]),
            notes=(
                f"path surviving the loss of {spec.regions.primary}: {surviving.name}",
                _paths_note(spec),
                serial,
                *((plan_workflow_text(spec),) if spec.failover.region_switch else ()),
            ),
            not_counted=tuple(_monitor_schedules(spec)),
        )
    ]
    if fastest.name != surviving.name:
        estimates.append(
            _estimate(
                spec,
                "failover",
                "failover (fastest path)",
                (loss,),
                (*fastest.steps, *_dns_steps(spec)[1:]),
                notes=(
                    f"fastest path: {fastest.name}; it needs {fastest.needs_region}, so it "
                    f"does not survive the loss of {spec.regions.primary}",
                    serial,
                ),
            )
        )
    return tuple(estimates)


def _monitor_schedules(spec: Spec) -> list[Figure]:
    """Scheduled functions that no trigger path counts: shown, but they only page."""
    in_path = {
        path
        for trigger in trigger_paths(spec)
        for figure in trigger.steps
        for path in figure.spec_inputs
    }
    figures = []
    for function in spec.functions:
        if function.schedule is None:
            continue
        path: SpecPath = ("functions", function.index, "schedule")
        if format_path(path) in in_path:
            continue
        try:
            period = schedule_period(function.schedule)
        except UnsupportedSchedule:
            period = UNBOUNDED
        figures.append(
            Figure(
                name=f"{function.name} schedule",
                seconds=period,
                source_url=EVENTBRIDGE_SCHEDULES_URL,
                spec_inputs={format_path(path): function.schedule},
                arithmetic=f"longest gap between runs of {function.schedule}",
                note="its alarm notifies the alert topic only; it does not start the failover",
            )
        )
    return figures


def estimate(spec: Spec) -> tuple[ComponentEstimate, ...]:
    """Every component's estimate, in report order."""
    return (
        *((_database(spec),) if spec.database is not None else ()),
        *(_table(spec, table) for table in spec.tables),
        *(_bucket(spec, bucket) for bucket in spec.buckets),
        _backups(spec),
        *((_dns(spec),) if spec.dns is not None else ()),
        *_failover(spec),
    )


def sum_text(figures: tuple[Figure, ...]) -> str:
    """`detection 30 s + traffic shift 60 s = 90 s`: the arithmetic of a total."""
    total = _total(figures)
    terms = " + ".join(f"{f.name} {fmt_seconds(f.seconds)}" for f in figures)
    return f"{terms} = {fmt_seconds(total)}" if len(figures) > 1 else terms


def spec_inputs_text(inputs: Mapping[str, Any]) -> str:
    """`a.b=1, c=true` for reports: YAML spellings of the values."""
    return ", ".join(f"{path}={_yaml_value(value)}" for path, value in inputs.items())


def _yaml_value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return str(value)
