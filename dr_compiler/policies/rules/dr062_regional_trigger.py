"""DR062: every secondary can start the failover without the primary region's control plane.

In every secondary's templates (attach phase), each failover function (a function whose role
allows rds:FailoverGlobalCluster, see cfn_failover) must be reachable through a path that lives
entirely in that region: an SNS topic of the template with a Lambda subscription to the
function, a Lambda permission for exactly that topic, and a CloudWatch alarm of the template
notifying the topic on a metric published there (never AWS/Route53 outside us-east-1: Route53
publishes health-check metrics only in us-east-1). With a spec, a spec whose failover is not
automatic needs no trigger, and each secondary region of an automatic spec needs a failover
function in its attach template.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler import blocks
from dr_compiler.policies.cfn import alarm_metrics
from dr_compiler.policies.cfn_failover import (
    failover_functions,
    local_topics,
    subscriptions,
    topic_may_invoke,
)
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

ROUTE53_METRICS_REGION = "us-east-1"


def _alarms_notifying(template: TemplateDoc, topic_id: str) -> Iterator[tuple[str, bool]]:
    """(alarm id, whether its metric is published in the template's region) of each alarm
    whose AlarmActions name the topic."""
    for logical_id, resource in template.resources(blocks.alarms.ALARM.type):
        props = resource.get("Properties", {})
        if topic_id not in local_topics(template, props.get("AlarmActions")):
            continue
        namespaces = {namespace for namespace, _, _ in alarm_metrics(props)}
        regional = (
            blocks.route53.HEALTH_CHECK_STATUS.namespace not in namespaces
            or template.region == ROUTE53_METRICS_REGION
        )
        yield logical_id, regional


def _function_paths(template: TemplateDoc, function_id: str) -> Iterator[Violation]:
    topics = [
        (subscription_id, topic_id)
        for topic_id, _ in template.resources(blocks.sns.TOPIC.type)
        for subscription_id, props in subscriptions(template, topic_id)
        if local_target(template, props.get("Endpoint")) == function_id
    ]
    if not topics:
        yield resource_violation(
            template,
            function_id,
            f"failover function {function_id} in {template.region} is subscribed to no SNS "
            "topic of its own region: only another region's control plane can start it",
        )
        return
    for subscription_id, topic_id in topics:
        if not topic_may_invoke(template, topic_id, function_id):
            yield resource_violation(
                template,
                subscription_id,
                f"topic {topic_id} cannot invoke {function_id}: no Lambda permission for "
                f"sns.amazonaws.com with SourceArn {topic_id}",
            )
        alarms = list(_alarms_notifying(template, topic_id))
        if not any(regional for _, regional in alarms):
            detail = (
                f"its alarm {alarms[0][0]} watches Route53 metrics, which exist only in "
                f"{ROUTE53_METRICS_REGION}"
                if alarms
                else "no alarm notifies it"
            )
            yield resource_violation(
                template,
                topic_id,
                f"topic {topic_id} in {template.region} never starts {function_id}: {detail}",
            )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    spec = templates.spec
    if spec is not None and (not spec.failover.automatic or spec.failover.region_switch):
        # A Region switch plan is started by its own trigger alarms (DR066), not by a topic.
        return
    attach = {t.region: t for t in templates.by_phase("attach")}
    for template in attach.values():
        for function_id in failover_functions(template):
            yield from _function_paths(template, function_id)
    if spec is None or spec.failover_function is None:
        return
    for index, region in enumerate(spec.regions.secondaries):
        secondary = attach.get(region)
        if secondary is None or not failover_functions(secondary):
            yield Violation(
                f"secondary region {region} has no failover function of its own: a failover "
                "to it depends on another region",
                region,
                path=("regions", "secondaries", index),
            )


RULE = Rule(
    id="DR062",
    title="Every secondary can start the failover without the primary region's control plane",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Route53 publishes health-check metrics only in us-east-1, so an alarm on them, its "
        "topic and the subscription that starts the failover all run there. When us-east-1 is "
        "the region being failed away from, its CloudWatch or SNS may be impaired exactly then, "
        "and nothing promotes the secondary. AWS advises against failover mechanisms that "
        "depend on the Region you fail out of. Each secondary needs its own probe, alarm, "
        "topic, subscription and permission, all in its own region; the us-east-1 path can stay "
        "as a second source."
    ),
    remediation=(
        "Compile with failover.automatic, a failover.function and a health monitor "
        "(access.metrics: publish): dr_compiler gives every secondary's attach stack a "
        "FailoverTriggerAlarm on the monitor's probe of the primary API, a regional failover "
        "topic, a Lambda subscription and the permission for that topic. In a hand-written "
        "template, add those four resources in the secondary's own region."
    ),
    docs="https://aws.amazon.com/blogs/networking-and-content-delivery/creating-disaster-recovery-mechanisms-using-amazon-route-53/",
    bad_example=(
        "# us-west-2: the only way in is the us-east-1 topic\n"
        "FailoverTriggerFunctionFailoverTopicPermission:\n  Type: AWS::Lambda::Permission\n"
        "  Properties:\n    Principal: sns.amazonaws.com\n"
        "    SourceArn: !Sub arn:${AWS::Partition}:sns:us-east-1:${AWS::AccountId}:failover\n"
    ),
    good_example=(
        "# us-west-2: a path of its own, next to the us-east-1 one\n"
        "FailoverTriggerAlarm: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: "
        "PrimaryApiHealthy, AlarmActions: [!Ref AlertTopic, !Ref FailoverTopic]}}\n"
        "FailoverTopicSubscription: {Type: AWS::SNS::Subscription, Properties: {Protocol: "
        "lambda, TopicArn: !Ref FailoverTopic, Endpoint: !GetAtt FailoverTriggerFunction.Arn}}\n"
        "FailoverTriggerFunctionRegionalTopicPermission: {Type: AWS::Lambda::Permission, "
        "Properties: {Principal: sns.amazonaws.com, SourceArn: !Ref FailoverTopic}}\n"
    ),
    check_templates=check_templates,
    tags=("failover", "resilience"),
)
