"""CloudWatch alarms on every critical component (DR032), each notifying its own region (DR030).

An alarm can only watch metrics of the region it lives in, so each alarm goes where its
metric is published:

- workload stacks (primary, secondary attach): Lambda errors, the depth of every
  dead-letter queue (each queue's DLQ and each function's failure queue), and the health
  monitor's PrimaryApiHealthy metric, all published where the resource runs;
- primary: S3 replication failures, published in the source bucket's region;
- every workload stack: Aurora global replication lag of that region's cluster. Aurora
  publishes the lag only for secondary clusters, so the alarm of whichever cluster is the
  writer sees no data: missing data is "missing" (never breaching), so after a failover
  the promoted cluster's alarm is not stuck in ALARM, and the old primary, once it rejoins
  as a secondary, is watched by its own alarm (alarms follow the writer, DR064). Losing the
  metric is still announced: InsufficientDataActions notify the alert topic;
- secondary attach: the failover trigger alarm on the health monitor's probe of the primary
  API, published in the secondary's own region (its own trigger path, DR062);
- global (us-east-1): Route53 health-check status, which Route53 publishes only there.

The two alarms that can start a failover (the primary's health-check alarm and each
secondary's trigger alarm) use the spec's M-of-N evidence, failover.datapoints_to_alarm out
of failover.evaluation_periods (DR063): one failing datapoint never starts a lossy failover
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html).

Every alarm sends both AlarmActions and OKActions to the alert topic of its own stack's
region (in an attach stack, the base stack's topic through ctx.ref's import), so on-call
hears about the recovery as well as the failure. Each alarm sets TreatMissingData on purpose;
the reason is next to each one.

A function's failure queue is the Lambda builder's resource in the same template; its
alarm reads the name with GetAtt QueueName instead of repeating that builder's naming.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeAlias

from troposphere import AWSHelperFn, GetAtt, Ref
from troposphere.cloudwatch import Alarm, MetricDimension

from dr_compiler import blocks
from dr_compiler.blocks.descriptor import CloudWatchMetric
from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, Sourced, StackContext, sourced
from dr_compiler.compiler.naming import (
    bucket_name,
    cfn,
    db_cluster_identifier,
    dead_letter_queue_name,
    function_name,
    health_check_name,
    metric_namespace,
)
from dr_compiler.compiler.services import bucket_emptier, failover, reverse_replication, sns
from dr_compiler.model import Bucket, Dns, Spec

# AWS-vended metrics (and put_metric_data without StorageResolution) are standard
# resolution: one datapoint per minute. A 10 or 30 s alarm period would only see gaps.
STANDARD_RESOLUTION_SECONDS = 60
PRIMARY_API_HEALTH_METRIC = "PrimaryApiHealthy"

DimensionValue: TypeAlias = str | AWSHelperFn


def health_check_alarm(region: str) -> str:
    return f"HealthCheck{ids.pascal(region)}Alarm"


def replication_dimensions(
    spec: Spec, bucket: str, region: str, *, source: str | None = None
) -> tuple[str, str, str]:
    """Values of S3's replication metric dimensions (`blocks.s3.REPLICATION_DIMENSIONS`) for
    a bucket's rule replicating to `region` from `source` (default the primary; bucket names
    contain `${AWS::AccountId}`)."""
    return (
        bucket_name(spec, bucket, source or spec.regions.primary),
        bucket_name(spec, bucket, region),
        ids.replication_rule(region),
    )


def api_health_metric(spec: Spec) -> CloudWatchMetric:
    """The health monitor's view of the API from each region (1 healthy, 0 not)."""
    return CloudWatchMetric(metric_namespace(spec), PRIMARY_API_HEALTH_METRIC, ("Region",))


def publishes_health_metrics(spec: Spec) -> bool:
    """Whether some function (the health monitor) publishes the custom health metrics."""
    return spec.health_monitor is not None


def build(ctx: StackContext) -> Iterator[Sourced]:
    yield from _function_alarms(ctx)
    yield from _failure_queue_alarms(ctx)
    if ctx.in_regional_workload:
        yield from _custom_alarms(ctx)
        yield from _dead_letter_queue_alarms(ctx)
        yield from _primary_api_health_alarm(ctx)
        if ctx.spec.database is not None:
            yield from _replication_lag_alarm(ctx)
    if ctx.phase is Phase.PRIMARY:
        yield from _replication_failure_alarms(
            ctx, [b for b in ctx.spec.buckets if b.replicated], ctx.spec.regions.secondaries
        )
    if reverse_replication.deployed_in(ctx):
        # The reverse rules, written by the attach stack's custom resource, replicate from
        # this region: their metrics are published here.
        yield from _replication_failure_alarms(
            ctx, ctx.spec.reverse_replicated_buckets, (ctx.spec.regions.primary,)
        )
    if failover.has_trigger_alarm(ctx):
        yield from _failover_trigger_alarm(ctx)
    if failover.has_subscription_dead_letter(ctx):
        yield from _subscription_dead_letter_alarm(ctx)
    if ctx.phase is Phase.GLOBAL and ctx.spec.dns is not None:
        yield from _health_check_alarms(ctx, ctx.spec.dns)


def _alarm(
    ctx: StackContext,
    logical_id: str,
    *,
    name: str,
    description: str,
    metric: CloudWatchMetric,
    dimensions: Sequence[DimensionValue],
    statistic: str,
    comparison: str,
    threshold: float,
    missing: str,
    period: int | None = None,
    extra_actions: Sequence[AWSHelperFn] = (),
    evidence: tuple[int, int] | None = None,
    insufficient_data_actions: bool = False,
) -> Alarm:
    """`dimensions` are the values of the metric's dimensions, in its order; `evidence` is
    (M, N) for an alarm that needs M failing datapoints out of N."""
    alert = ctx.ref(ids.ALERT_TOPIC)
    alarms = ctx.spec.monitoring.alarms
    extra: dict[str, object] = {}
    if evidence is not None:
        extra["DatapointsToAlarm"], extra["EvaluationPeriods"] = evidence
    if insufficient_data_actions:
        extra["InsufficientDataActions"] = [alert]
    return Alarm(
        logical_id,
        AlarmName=name,
        AlarmDescription=description,
        Namespace=metric.namespace,
        MetricName=metric.name,
        Dimensions=[
            MetricDimension(Name=k, Value=v)
            for k, v in zip(metric.dimensions, dimensions, strict=True)
        ],
        Statistic=statistic,
        ComparisonOperator=comparison,
        Threshold=threshold,
        Period=period or max(alarms.period_seconds, STANDARD_RESOLUTION_SECONDS),
        TreatMissingData=missing,
        AlarmActions=[alert, *extra_actions],
        OKActions=[alert],
        **{"EvaluationPeriods": alarms.evaluation_periods, **extra},
    )


def trigger_evidence(spec: Spec) -> tuple[int, int]:
    """(M, N) of every alarm that can start the failover."""
    return spec.failover.datapoints_to_alarm, spec.failover.evaluation_periods


def _functions_here(ctx: StackContext) -> list[tuple[str, tuple[str | int, ...]]]:
    """(function name, spec path) of every function this stack deploys."""
    found: list[tuple[str, tuple[str | int, ...]]] = []
    if ctx.in_regional_workload:
        found += [(f.name, ("functions", f.index)) for f in ctx.spec.functions]
    if bucket_emptier.deployed_in(ctx):
        found.append((bucket_emptier.FUNCTION, ("lifecycle", "force_destroy")))
    if reverse_replication.deployed_in(ctx):
        found.append((reverse_replication.FUNCTION, ("storage", "buckets")))
    return found


def _function_alarms(ctx: StackContext) -> Iterator[Sourced]:
    threshold = ctx.spec.monitoring.alarms.lambda_errors
    for name, path in _functions_here(ctx):
        alarm = _alarm(
            ctx,
            f"{ids.pascal(name)}ErrorsAlarm",
            name=ctx.name(name, "errors"),
            description=f"{name} in {ctx.region}: {threshold} or more invocation errors per period",
            metric=blocks.lambda_functions.ERRORS,
            dimensions=[function_name(ctx.spec, name)],
            statistic="Sum",
            comparison="GreaterThanOrEqualToThreshold",
            threshold=threshold,
            # Lambda publishes Errors only for periods with invocations: no data means
            # nothing ran, so nothing failed.
            missing="notBreaching",
        )
        yield from sourced([alarm], *path)


def _queue_depth_alarm(
    ctx: StackContext, logical_id: str, *, name: str, owner: str, held: str, queue: DimensionValue
) -> Alarm:
    """`dlq_depth` or more messages visible in a queue that only failures reach; `held`
    says what they are, e.g. "messages in the dead-letter queue"."""
    threshold = ctx.spec.monitoring.alarms.dlq_depth
    return _alarm(
        ctx,
        logical_id,
        name=name,
        description=f"{owner} in {ctx.region}: {threshold} or more {held}",
        metric=blocks.sqs.VISIBLE_MESSAGES,
        dimensions=[queue],
        statistic="Maximum",
        comparison="GreaterThanOrEqualToThreshold",
        threshold=threshold,
        # SQS reports metrics only for active queues, and a queue holding messages is
        # active: a gap means an empty, idle queue.
        missing="notBreaching",
    )


def _failure_queue_alarms(ctx: StackContext) -> Iterator[Sourced]:
    """Asynchronous invocations that failed every retry land in the function's failure queue."""
    for name, path in _functions_here(ctx):
        alarm = _queue_depth_alarm(
            ctx,
            f"{ids.pascal(name)}FailureQueueAlarm",
            name=ctx.name(name, "failure-queue-depth"),
            owner=name,
            held="failed asynchronous invocations in its failure queue",
            queue=GetAtt(ids.function_dead_letter_queue(name), "QueueName"),
        )
        yield from sourced([alarm], *path)


def _subscription_dead_letter_alarm(ctx: StackContext) -> Iterator[Sourced]:
    """Failover messages SNS could not deliver to the failover function (sns.py)."""
    alarm = _queue_depth_alarm(
        ctx,
        "FailoverDeliveriesAlarm",
        name=ctx.name("failover-deliveries", "dlq-depth"),
        owner="failover topic",
        held="failover messages SNS could not deliver to the failover function",
        queue=GetAtt(sns.SUBSCRIPTION_DEAD_LETTER_QUEUE, "QueueName"),
    )
    yield from sourced([alarm], "failover", "function")


def _dead_letter_queue_alarms(ctx: StackContext) -> Iterator[Sourced]:
    for queue in ctx.spec.queues:
        alarm = _queue_depth_alarm(
            ctx,
            f"{ids.pascal(queue.name)}DeadLetterQueueAlarm",
            name=ctx.name(queue.name, "dlq-depth"),
            owner=queue.name,
            held="messages in the dead-letter queue",
            queue=dead_letter_queue_name(ctx.spec, queue.name),
        )
        yield from sourced([alarm], "queues", queue.index)


def _custom_alarms(ctx: StackContext) -> Iterator[Sourced]:
    """The spec's own alarms (monitoring.custom_alarms), routed like every other alarm."""
    for custom in ctx.spec.monitoring.custom_alarms:
        alarm = _alarm(
            ctx,
            f"CustomAlarm{ids.pascal(custom.name)}",
            name=ctx.name(f"alarm-{custom.name}", regional=True),
            description=f"{custom.namespace} {custom.metric} {custom.statistic} "
            f"{custom.comparison} {custom.threshold:g} (monitoring.custom_alarms)",
            metric=CloudWatchMetric(custom.namespace, custom.metric, tuple(custom.dimensions)),
            dimensions=tuple(custom.dimensions.values()),
            statistic=custom.statistic,
            comparison=custom.comparison,
            threshold=custom.threshold,
            missing=custom.missing_data,
        )
        yield from sourced([alarm], "monitoring", "custom_alarms", custom.index)


def _primary_api_health_alarm(ctx: StackContext) -> Iterator[Sourced]:
    if not publishes_health_metrics(ctx.spec):
        return
    assert ctx.spec.dns is not None, "the schema stage refuses a health monitor without dns"
    alarm = _alarm(
        ctx,
        "PrimaryApiHealthAlarm",
        name=ctx.name("primary-api-health"),
        description=(
            f"The health monitor in {ctx.region} cannot reach the API ({ctx.spec.dns.fqdn}) "
            "or is not reporting"
        ),
        metric=api_health_metric(ctx.spec),
        dimensions=[ctx.region],
        statistic="Minimum",
        comparison="LessThanThreshold",
        threshold=1,
        # The monitor publishes every minute and reports an unreachable API as 0, so
        # silence means the monitor itself (or CloudWatch) is down: treat it as unhealthy.
        missing="breaching",
    )
    yield from sourced([alarm], "monitoring", "alarms")


def _replication_failure_alarms(
    ctx: StackContext, buckets: Sequence[Bucket], destinations: Sequence[str]
) -> Iterator[Sourced]:
    """One alarm per bucket of this region and destination (replication rule).

    S3 publishes OperationsFailedReplication only for rules with replication metrics
    enabled (RTC turns them on; without RTC they are opt-in). The S3 builder and the reverse
    replication enable them on every rule, RTC or not, so every replicated bucket has the
    metric. It is published in the source bucket's region, this stack's.
    """
    spec = ctx.spec
    for bucket in buckets:
        for region in destinations:
            alarm = _alarm(
                ctx,
                f"{ids.pascal(bucket.name)}ReplicationFailures{ids.pascal(region)}Alarm",
                name=ctx.name(bucket.name, "replication-failures", region),
                description=f"Objects of {bucket.name} failed to replicate to {region}",
                metric=blocks.s3.REPLICATION_FAILURES,
                dimensions=[
                    cfn(v)
                    for v in replication_dimensions(spec, bucket.name, region, source=ctx.region)
                ],
                statistic="Sum",
                comparison="GreaterThanOrEqualToThreshold",
                threshold=1,
                # The metric is published only while replication happens; S3 recommends
                # "ignore" so a quiet bucket keeps the last evaluated state.
                missing="ignore",
            )
            yield from sourced([alarm], "storage", "buckets", bucket.index)


def _replication_lag_alarm(ctx: StackContext) -> Iterator[Sourced]:
    spec = ctx.spec
    threshold = spec.monitoring.alarms.replication_lag_ms
    cluster = db_cluster_identifier(spec, ctx.region)
    alarm = _alarm(
        ctx,
        "ReplicationLagAlarm",
        name=ctx.name("db-replication-lag", regional=True),
        description=(
            f"Aurora global replication lag of {cluster} above {threshold} ms "
            f"(RPO {spec.objectives.rpo_seconds} s)"
        ),
        metric=blocks.aurora.REPLICATION_LAG,
        dimensions=[cluster],
        statistic="Maximum",
        comparison="GreaterThanThreshold",
        threshold=threshold,
        # Aurora publishes the lag only for a secondary cluster. No data means this cluster
        # is the writer (the primary, or a promoted secondary) or is detached: "breaching"
        # would keep a promoted cluster's alarm in ALARM for good. "missing" lets the alarm
        # go to INSUFFICIENT_DATA instead, and InsufficientDataActions tell on-call.
        missing="missing",
        insufficient_data_actions=True,
    )
    yield from sourced([alarm], "monitoring", "alarms", "replication_lag_ms")


def _health_check_alarms(ctx: StackContext, dns: Dns) -> Iterator[Sourced]:
    spec = ctx.spec
    for region in spec.regions.all:
        is_primary = region == spec.regions.primary
        # A Region switch plan is started by the secondaries' own alarms, never by this one.
        automatic = is_primary and spec.failover.automatic and not spec.failover.region_switch
        alarm = _alarm(
            ctx,
            health_check_alarm(region),
            name=health_check_name(spec, region),
            description=(
                f"Route53 health check of the {region} load balancer "
                f"({dns.health_check.protocol} {dns.health_check.path}) is failing"
                + ("; starts the automatic failover" if automatic else "")
            ),
            metric=blocks.route53.HEALTH_CHECK_STATUS,
            dimensions=[Ref(ids.health_check(region))],
            statistic="Minimum",
            comparison="LessThanThreshold",
            threshold=1,
            period=STANDARD_RESOLUTION_SECONDS,
            # Route53 publishes the status every minute while the check exists, so a gap
            # is a delivery problem, not evidence of an outage: never fail over on it.
            missing="missing",
            extra_actions=[Ref(ids.FAILOVER_TOPIC)] if automatic else (),
            evidence=trigger_evidence(spec) if automatic else None,
        )
        yield from sourced([alarm], "monitoring", "alarms")


def _failover_trigger_alarm(ctx: StackContext) -> Iterator[Sourced]:
    """This secondary's own failover trigger: the health monitor here cannot reach the
    primary API in M of the last N minutes. Published, evaluated and acted on in this region."""
    spec = ctx.spec
    datapoints, periods = trigger_evidence(spec)
    starts = "the Region switch plan" if spec.failover.region_switch else "the failover"
    alarm = _alarm(
        ctx,
        failover.FAILOVER_TRIGGER_ALARM,
        name=failover.trigger_alarm_name(spec, ctx.region),
        description=(
            f"The health monitor in {ctx.region} could not reach the {spec.regions.primary} "
            f"API in {datapoints} of the last {periods} minutes; starts {starts} to "
            f"{ctx.region}"
        ),
        metric=api_health_metric(spec),
        dimensions=[ctx.region],
        statistic="Minimum",
        comparison="LessThanThreshold",
        threshold=1,
        period=STANDARD_RESOLUTION_SECONDS,
        # Silence is the monitor (or CloudWatch here) failing, not evidence that the primary
        # is down: never start a failover on it. PrimaryApiHealthAlarm pages on silence.
        missing="missing",
        extra_actions=[Ref(ids.FAILOVER_TOPIC)] if failover.has_regional_trigger(ctx) else (),
        evidence=(datapoints, periods),
    )
    yield from sourced([alarm], "failover", "datapoints_to_alarm")
