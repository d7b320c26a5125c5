"""One figure per RTO step of a failover: detection, the alarms, the decision, the promotion
and the traffic shift."""

from __future__ import annotations

from typing import Any

from dr_compiler.loader import format_path
from dr_compiler.model import Function, Spec
from dr_compiler.objectives.aws import (
    ALIAS_TTL,
    AURORA_MANUAL_FAILOVER_URL,
    AURORA_PROMOTION,
    AURORA_SWITCHOVER,
    CLOUDWATCH_ALARM_EVALUATION_URL,
    FAST_HEALTH_CHECK_INTERVAL,
    LAMBDA_SNS_URL,
    RECORD_TTL_URL,
    ROUTE53_HEALTH_CHECKS_URL,
    ROUTE53_METRIC_PERIOD,
    ROUTE53_METRICS_REGION,
    STANDARD_PERIOD_SECONDS,
)
from dr_compiler.objectives.figures import UNBOUNDED, Figure, SpecPath
from dr_compiler.schedules import EVENTBRIDGE_SCHEDULES_URL, UnsupportedSchedule, schedule_period

HEALTH_CHECK = ("dns", "health_check")


def detection(spec: Spec) -> Figure:
    assert spec.dns is not None, "only the DNS and health-check trigger paths detect this way"
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
    assert spec.dns is not None, "traffic shifts by DNS only in a spec with dns"
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
