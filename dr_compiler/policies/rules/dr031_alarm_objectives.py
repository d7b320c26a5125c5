"""DR031: alarm thresholds agree with the objectives, and Route53 alarms live in us-east-1.

Spec: the Aurora replication-lag alarm threshold is at most the database RPO (an alarm that
fires only after the lag exceeds the RPO fires too late to act within it). Templates: every
alarm on an AWS/Route53 metric is in a us-east-1 template (Route53 publishes health-check
metrics only there, so anywhere else the alarm never leaves INSUFFICIENT_DATA), and every
AuroraGlobalDBReplicationLag alarm's threshold is at most the spec's database RPO.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.policies.cfn import alarm_metrics
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateSet, Violation

ROUTE53_NAMESPACE = blocks.route53.HEALTH_CHECK_STATUS.namespace
ROUTE53_METRICS_REGION = "us-east-1"
REPLICATION_LAG_METRIC = blocks.aurora.REPLICATION_LAG.name
LAG_PATH = ("monitoring", "alarms", "replication_lag_ms")


def rpo_ms(spec: Spec) -> int:
    return blocks.aurora.BLOCK.objective(spec).rpo_seconds * 1000


def check_spec(spec: Spec) -> Iterator[Violation]:
    lag, rpo = spec.monitoring.alarms.replication_lag_ms, rpo_ms(spec)
    if lag > rpo:
        yield Violation(
            f"replication_lag_ms {lag} exceeds the database RPO of {rpo} ms: the alarm would "
            "fire only after more data than the objective allows is already at risk",
            "monitoring.alarms.replication_lag_ms",
            path=LAG_PATH,
        )


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    spec = templates.spec
    for template, logical_id, resource in templates.all_resources(blocks.alarms.ALARM.type):
        props = resource.get("Properties", {})
        metrics = list(alarm_metrics(props))
        namespaces = {namespace for namespace, _, _ in metrics}
        if ROUTE53_NAMESPACE in namespaces and template.region != ROUTE53_METRICS_REGION:
            yield Violation(
                f"alarm {logical_id} watches an {ROUTE53_NAMESPACE} metric from {template.region}: "
                f"Route53 health-check metrics exist only in {ROUTE53_METRICS_REGION}",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=("Namespace",) if "Namespace" in props else ("Metrics",),
            )
        if spec is None or REPLICATION_LAG_METRIC not in {name for _, name, _ in metrics}:
            continue
        threshold = _number(props.get("Threshold"))
        if threshold is None or threshold > rpo_ms(spec):
            yield Violation(
                f"alarm {logical_id} on {REPLICATION_LAG_METRIC} has Threshold "
                f"{props.get('Threshold')}: it must be at most the database RPO of "
                f"{rpo_ms(spec)} ms",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=("Threshold",),
            )


RULE = Rule(
    id="DR031",
    title=(
        "Alarm thresholds are within the objectives; Route53 health-check alarms live in us-east-1"
    ),
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "An alarm is only useful if it fires while there is still time to act. A "
        "replication-lag threshold above the RPO reports the breach after the data is "
        "already at risk. And Route53 publishes health-check metrics only in us-east-1: the "
        "seed designs put the health-check alarm in the primary's regional stack, where it "
        "sat in INSUFFICIENT_DATA forever and the failover it was meant to trigger never ran."
    ),
    remediation=(
        "Set monitoring.alarms.replication_lag_ms at or below the database RPO "
        "(objectives.components.database.rpo_seconds, else objectives.rpo_seconds, times 1000). "
        "Health-check alarms are compiled into global.json (us-east-1); do not move them."
    ),
    docs="https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html",
    bad_example=(
        "objectives:\n  rpo_seconds: 5\nmonitoring:\n  alarms:\n    replication_lag_ms: 30000\n"
    ),
    good_example=(
        "objectives:\n  rpo_seconds: 5\nmonitoring:\n  alarms:\n    replication_lag_ms: 1000\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("monitoring", "objectives"),
)
