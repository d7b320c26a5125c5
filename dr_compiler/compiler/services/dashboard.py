"""CloudWatch: one dashboard per environment, in the primary stack, across every region.

A metric widget reads one region (its "region" property), so each widget names the region
its metric is published in: Aurora replication lag and S3 replication latency in the
secondary, S3 replication failures in the primary, Lambda and SQS metrics where they run.
Route53 health-check status exists only in us-east-1 and the health checks belong to the
global stack, which deploys after this one, so their ids are unknown here; the dashboard
shows the global stack's health-check alarms instead, by their computable ARNs.

The body is JSON rendered with sorted keys, so the same spec gives the same template. Names
with `${AWS::AccountId}` make it an Fn::Sub; nothing else in the body contains `${`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from troposphere.cloudwatch import Dashboard

from dr_compiler import blocks
from dr_compiler.blocks.descriptor import CloudWatchMetric
from dr_compiler.compiler.context import GLOBAL_REGION, Phase, Sourced, StackContext, sourced
from dr_compiler.compiler.naming import (
    arn_text,
    cfn,
    db_cluster_identifier,
    dead_letter_queue_name,
    function_name,
    health_check_name,
)
from dr_compiler.compiler.services.alarms import (
    api_health_metric,
    publishes_health_metrics,
    replication_dimensions,
)
from dr_compiler.model import Spec

DASHBOARD = "DisasterRecoveryDashboard"
PERIOD_SECONDS = 60
WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6
COLUMNS = 24 // WIDGET_WIDTH

Widget = dict[str, Any]


def build(ctx: StackContext) -> Iterator[Sourced]:
    if ctx.phase is not Phase.PRIMARY or not ctx.spec.monitoring.dashboard:
        return
    dashboard = Dashboard(
        DASHBOARD,
        DashboardName=ctx.name("dr"),
        DashboardBody=cfn(dashboard_body(ctx.spec)),
    )
    yield from sourced([dashboard], "monitoring", "dashboard")


def dashboard_body(spec: Spec) -> str:
    widgets = [
        _health_check_widget(spec),
        *_replication_lag_widgets(spec),
        *_lambda_error_widgets(spec),
        *_dead_letter_queue_widgets(spec),
        *_s3_replication_widgets(spec),
        *_api_health_widgets(spec),
    ]
    placed = [_place(widget, index) for index, widget in enumerate(widgets)]
    return json.dumps({"widgets": placed}, sort_keys=True, separators=(",", ":"))


def _metric_line(metric: CloudWatchMetric, values: Sequence[str], *options: Any) -> list[Any]:
    """One line of a metric widget: namespace, metric name, each dimension and its value,
    then the line's options."""
    dimensions = [token for pair in zip(metric.dimensions, values, strict=True) for token in pair]
    return [metric.namespace, metric.name, *dimensions, *options]


def _place(widget: Widget, index: int) -> Widget:
    """A grid of COLUMNS widgets per row, in the order given."""
    return {
        **widget,
        "x": (index % COLUMNS) * WIDGET_WIDTH,
        "y": (index // COLUMNS) * WIDGET_HEIGHT,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
    }


def _metric_widget(
    title: str, region: str, stat: str, metrics: list[list[Any]], **extra: Any
) -> Widget:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": region,
            "stat": stat,
            "period": PERIOD_SECONDS,
            "view": "timeSeries",
            "metrics": metrics,
            **extra,
        },
    }


def _health_check_widget(spec: Spec) -> Widget:
    alarms = [
        arn_text("cloudwatch", GLOBAL_REGION, f"alarm:{health_check_name(spec, region)}")
        for region in spec.regions.all
    ]
    return {
        "type": "alarm",
        "properties": {
            "title": f"Route53 health checks ({GLOBAL_REGION})",
            "alarms": alarms,
            "sortBy": "stateUpdatedTimestamp",
        },
    }


def _replication_lag_widgets(spec: Spec) -> Iterator[Widget]:
    threshold = spec.monitoring.alarms.replication_lag_ms
    for region in spec.regions.secondaries if spec.database is not None else ():
        cluster = db_cluster_identifier(spec, region)
        yield _metric_widget(
            f"Aurora replication lag (ms) {region}",
            region,
            "Maximum",
            [_metric_line(blocks.aurora.REPLICATION_LAG, [cluster])],
            annotations={"horizontal": [{"label": "alarm threshold", "value": threshold}]},
        )


def _lambda_error_widgets(spec: Spec) -> Iterator[Widget]:
    for region in spec.regions.all:
        yield _metric_widget(
            f"Lambda errors {region}",
            region,
            "Sum",
            [
                _metric_line(
                    blocks.lambda_functions.ERRORS, [function_name(spec, f.name)], {"label": f.name}
                )
                for f in spec.functions
            ],
        )


def _dead_letter_queue_widgets(spec: Spec) -> Iterator[Widget]:
    if not spec.queues:
        return
    for region in spec.regions.all:
        yield _metric_widget(
            f"Dead-letter queue depth {region}",
            region,
            "Maximum",
            [
                _metric_line(
                    blocks.sqs.VISIBLE_MESSAGES,
                    [dead_letter_queue_name(spec, q.name)],
                    {"label": q.name},
                )
                for q in spec.queues
            ],
        )


def _s3_replication_widgets(spec: Spec) -> Iterator[Widget]:
    """Latency is published in the destination's region, failures in the source's.

    Both need replication metrics on the rule, which the S3 builder enables on every rule.
    """
    primary = spec.regions.primary
    for bucket in spec.buckets:
        if not bucket.replicated:
            continue
        failures = []
        for region in spec.regions.secondaries:
            dimensions = replication_dimensions(spec, bucket.name, region)
            yield _metric_widget(
                f"S3 replication latency (s) {bucket.name} to {region}",
                region,
                "Maximum",
                [_metric_line(blocks.s3.REPLICATION_LATENCY, dimensions)],
            )
            failures.append(
                _metric_line(blocks.s3.REPLICATION_FAILURES, dimensions, {"label": region})
            )
        yield _metric_widget(f"S3 replication failures {bucket.name}", primary, "Sum", failures)


def _api_health_widgets(spec: Spec) -> Iterator[Widget]:
    """The health monitor's view of the API from each region (1 healthy, 0 not)."""
    if not publishes_health_metrics(spec):
        return
    metric = api_health_metric(spec)
    yield _metric_widget(
        "API health seen from each region",
        spec.regions.primary,
        "Minimum",
        [
            _metric_line(metric, [region], {"label": region, "region": region})
            for region in spec.regions.all
        ],
    )
