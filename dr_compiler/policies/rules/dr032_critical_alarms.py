"""DR032: every critical component has a CloudWatch alarm on the metric that shows it failing.

Critical components and their metrics (an alarm must name the metric's namespace, metric name
and the dimension values that select this component, or it watches nothing):

- a secondary Aurora cluster (the DBCluster of an attach template): AWS/RDS
  AuroraGlobalDBReplicationLag by DBClusterIdentifier;
- every Lambda function: AWS/Lambda Errors by FunctionName;
- every dead-letter queue (a RedrivePolicy's deadLetterTargetArn): AWS/SQS
  ApproximateNumberOfMessagesVisible by QueueName;
- every S3 replication rule with replication metrics or RTC: AWS/S3
  OperationsFailedReplication by SourceBucket, DestinationBucket and RuleId (S3 publishes the
  metric with exactly these dimensions);
- every Route53 health check: AWS/Route53 HealthCheckStatus by HealthCheckId.

A dimension value designates a resource by name (a string or Fn::Sub text equal to the
resource's name once `${AWS::Region}` is substituted) or by the intrinsic that returns that
name (Ref of a function, cluster or bucket, GetAtt QueueName of a queue, Ref of a health
check) in the same template. Metrics are regional, so only alarms of the same region count.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dr_compiler import blocks
from dr_compiler.blocks.descriptor import CloudWatchMetric
from dr_compiler.policies.cfn import alarm_metrics, as_list, get_att
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_names import rendered_name, resource_name
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

ALARM = blocks.alarms.ALARM.type


@dataclass(frozen=True)
class Target:
    """How a dimension value may designate something: by its name text, or (in its own
    template) by the intrinsic that returns that name: `Ref`, or GetAtt of `attribute`."""

    template: TemplateDoc
    name: str | None
    logical_id: str | None = None
    attribute: str | None = None

    def designated_by(self, template: TemplateDoc, value: Any) -> bool:
        if self.logical_id is not None and template is self.template:
            if self.attribute is None and _is_ref(value, self.logical_id):
                return True
            if self.attribute is not None and get_att(value) == (self.logical_id, self.attribute):
                return True
        return self.name is not None and rendered_name(value, template.region) == self.name


@dataclass(frozen=True)
class Metric:
    template: TemplateDoc
    namespace: Any
    name: Any
    dimensions: Mapping[str, Any]


def _is_ref(value: Any, logical_id: str) -> bool:
    return isinstance(value, Mapping) and value.get("Ref") == logical_id


def _dimensions(raw: Any) -> dict[Any, Any]:
    return {d.get("Name"): d.get("Value") for d in as_list(raw) if isinstance(d, Mapping)}


def _metrics_by_region(templates: TemplateSet) -> dict[str, list[Metric]]:
    found: dict[str, list[Metric]] = {}
    for template, _, alarm in templates.all_resources(ALARM):
        metrics = alarm_metrics(alarm.get("Properties", {}))
        found.setdefault(template.region, []).extend(
            Metric(template, namespace, name, _dimensions(dimensions))
            for namespace, name, dimensions in metrics
        )
    return found


def _watched(
    metrics: list[Metric], metric: CloudWatchMetric, dimensions: Mapping[str, Target]
) -> bool:
    return any(
        m.namespace == metric.namespace
        and m.name == metric.name
        and all(
            key in m.dimensions and target.designated_by(m.template, m.dimensions[key])
            for key, target in dimensions.items()
        )
        for m in metrics
    )


def _shown(name: str | None) -> str:
    return f" ({name})" if name else ""


def _no_alarm(metric: CloudWatchMetric) -> str:
    """ "no AWS/SQS ApproximateNumberOfMessagesVisible alarm on its QueueName"."""
    return f"no {metric.namespace} {metric.name} alarm on its {metric.dimensions[0]}"


def _secondary_clusters(template: TemplateDoc, metrics: list[Metric]) -> Iterator[Violation]:
    if template.phase != "attach":
        return
    for logical_id, _ in template.resources(blocks.aurora.DB_CLUSTER.type):
        name = resource_name(template, logical_id, "DBClusterIdentifier")
        target = Target(template, name, logical_id)
        lag = blocks.aurora.REPLICATION_LAG
        if not _watched(metrics, lag, {"DBClusterIdentifier": target}):
            yield resource_violation(
                template,
                logical_id,
                f"secondary Aurora cluster {logical_id}{_shown(name)} has {_no_alarm(lag)}",
            )


def _functions(template: TemplateDoc, metrics: list[Metric]) -> Iterator[Violation]:
    for logical_id, _ in template.resources(blocks.lambda_functions.FUNCTION.type):
        name = resource_name(template, logical_id, "FunctionName")
        target = Target(template, name, logical_id)
        errors = blocks.lambda_functions.ERRORS
        if not _watched(metrics, errors, {"FunctionName": target}):
            yield resource_violation(
                template,
                logical_id,
                f"Lambda function {logical_id}{_shown(name)} has {_no_alarm(errors)}",
            )


def _redrive(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """RedrivePolicy: a JSON object, or (in older templates) its JSON text."""
    policy = props.get("RedrivePolicy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return {}
    return policy if isinstance(policy, Mapping) else {}


def _dead_letter_queue(template: TemplateDoc, arn: Any) -> tuple[str | None, str | None]:
    """(logical id, name) of the queue a deadLetterTargetArn designates: a GetAtt of a queue
    of this template, or an ARN text whose name may be a queue of this template too."""
    dlq_id = local_target(template, arn)
    if dlq_id is not None:
        return dlq_id, resource_name(template, dlq_id, "QueueName")
    text = rendered_name(arn, template.region)
    name = text.rsplit(":", 1)[-1] if text else None
    same_name = (
        lid
        for lid, _ in template.resources(blocks.sqs.QUEUE.type)
        if resource_name(template, lid, "QueueName") == name
    )
    return next(same_name, None) if name else None, name


def _dead_letter_queues(template: TemplateDoc, metrics: list[Metric]) -> Iterator[Violation]:
    reported: set[str] = set()
    for source_id, queue in template.resources(blocks.sqs.QUEUE.type):
        arn = _redrive(queue.get("Properties", {})).get("deadLetterTargetArn")
        if arn is None:
            continue
        dlq_id, name = _dead_letter_queue(template, arn)
        key = dlq_id or name or source_id
        if key in reported:
            continue
        reported.add(key)
        target = Target(template, name, dlq_id, "QueueName")
        if _watched(metrics, blocks.sqs.VISIBLE_MESSAGES, {"QueueName": target}):
            continue
        # A queue of another stack is reported where this template points at it.
        where, path = (
            (dlq_id, ()) if dlq_id else (source_id, ("RedrivePolicy", "deadLetterTargetArn"))
        )
        yield resource_violation(
            template,
            where,
            f"dead-letter queue {dlq_id or name or arn} of {source_id} has "
            f"{_no_alarm(blocks.sqs.VISIBLE_MESSAGES)}",
            *path,
        )


def _metrics_enabled(rule: Mapping[str, Any]) -> bool:
    destination = rule.get("Destination") or {}
    return any(
        (destination.get(key) or {}).get("Status") == "Enabled"
        for key in ("Metrics", "ReplicationTime")
    )


def _destination_name(template: TemplateDoc, destination: Any) -> str | None:
    """A destination bucket ARN's name: of a bucket of this template, or after `:::`."""
    local = local_target(template, destination)
    if local is not None:
        return resource_name(template, local, "BucketName")
    text = rendered_name(destination, template.region)
    return text.rsplit(":::", 1)[-1] if text and ":::" in text else None


def _replication(template: TemplateDoc, metrics: list[Metric]) -> Iterator[Violation]:
    for logical_id, bucket in template.resources(blocks.s3.BUCKET.type):
        props = bucket.get("Properties", {})
        name = resource_name(template, logical_id, "BucketName")
        rules = as_list((props.get("ReplicationConfiguration") or {}).get("Rules"))
        for index, rule in enumerate(rules):
            if not _metrics_enabled(rule):
                continue
            dimensions = {"SourceBucket": Target(template, name, logical_id)}
            destination = _destination_name(template, (rule.get("Destination") or {}).get("Bucket"))
            if destination is not None:
                dimensions["DestinationBucket"] = Target(template, destination)
            if isinstance(rule.get("Id"), str):
                dimensions["RuleId"] = Target(template, rule["Id"])
            failures = blocks.s3.REPLICATION_FAILURES
            if not _watched(metrics, failures, dimensions):
                yield resource_violation(
                    template,
                    logical_id,
                    f"bucket {logical_id} replication rule {rule.get('Id', index)} reports "
                    f"replication metrics but no {failures.namespace} {failures.name} alarm "
                    f"watches it (dimensions {', '.join(dimensions)})",
                    "ReplicationConfiguration",
                    "Rules",
                    index,
                )


def _health_checks(template: TemplateDoc, metrics: list[Metric]) -> Iterator[Violation]:
    for logical_id, _ in template.resources(blocks.route53.HEALTH_CHECK.type):
        target = Target(template, None, logical_id)
        status = blocks.route53.HEALTH_CHECK_STATUS
        if not _watched(metrics, status, {"HealthCheckId": target}):
            yield resource_violation(
                template, logical_id, f"health check {logical_id} has {_no_alarm(status)}"
            )


CHECKS = (_secondary_clusters, _functions, _dead_letter_queues, _replication, _health_checks)


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    by_region = _metrics_by_region(templates)
    for template in templates.templates:
        metrics = by_region.get(template.region, [])
        for check in CHECKS:
            yield from check(template, metrics)


RULE = Rule(
    id="DR032",
    title="Every critical component has an alarm: Aurora replication lag, Lambda errors, DLQ "
    "depth, S3 replication failures, health-check status",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "A DR design fails silently: the seed designs had a secondary cluster falling "
        "minutes behind, a payment processor erroring into a dead-letter queue and objects "
        "failing to replicate, with no alarm on any of them, so the RPO they promised was "
        "already lost when a region went down. An alarm on the wrong dimension (a queue URL "
        "instead of its name, a bucket without the rule id S3 publishes) watches a metric "
        "that never exists and is as silent as no alarm."
    ),
    remediation=(
        "Compile with dr_compiler: it emits these alarms for every cluster, function, "
        "dead-letter queue, replication rule and health check, with thresholds from "
        "monitoring.alarms. In a hand-written template add an AWS::CloudWatch::Alarm with "
        "the namespace, metric name and dimension values listed in the message."
    ),
    docs="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
    bad_example=(
        "PaymentProcessorFunction:\n  Type: AWS::Lambda::Function\n"
        "  Properties: {FunctionName: payments-payment-processor-prod}\n"
        "# no alarm on AWS/Lambda Errors for it\n"
    ),
    good_example=(
        "PaymentProcessorErrorsAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
        "    Namespace: AWS/Lambda\n    MetricName: Errors\n"
        "    Dimensions: [{Name: FunctionName, Value: payments-payment-processor-prod}]\n"
    ),
    check_templates=check_templates,
    pci_dss=("12.10.1",),
    tags=("monitoring",),
)
