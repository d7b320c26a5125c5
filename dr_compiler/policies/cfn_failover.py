"""Readers of failover trigger paths (alarm -> topic -> subscription -> function), for DR062-DR064.

A failover function is recognized by what it may do, not by its name: a Lambda function whose
execution role allows rds:FailoverGlobalCluster (the unplanned, possibly lossy, promotion).
It can lose data unless its environment says ALLOW_DATA_LOSS=false, the compiler's
convention for turning the lossy branch off (functions/failover_trigger).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_names import name_text
from dr_compiler.policies.cfn_roles import actions, allows, function_role, role_statements
from dr_compiler.policies.rule import TemplateDoc, TemplateSet

FAILOVER_ACTION = "rds:FailoverGlobalCluster"
SNS_PRINCIPAL = "sns.amazonaws.com"
FunctionRef = tuple[TemplateDoc, str]
"""A Lambda function of the set: its template and logical id."""


def can_fail_over(template: TemplateDoc, function_id: str) -> bool:
    """Whether the function's role allows the unplanned global-database failover."""
    role = function_role(template, template.properties(function_id))
    if role is None:
        return False
    return any(
        allows(statement) and any(a in (FAILOVER_ACTION, "rds:*", "*") for a in actions(statement))
        for _, _, statement in role_statements(template, role)
    )


def failover_functions(template: TemplateDoc) -> list[str]:
    return [
        logical_id
        for logical_id, _ in template.resources(blocks.lambda_functions.FUNCTION.type)
        if can_fail_over(template, logical_id)
    ]


def loses_data(template: TemplateDoc, function_id: str) -> bool:
    """A failover function that may promote with AllowDataLoss."""
    variables = (template.properties(function_id).get("Environment") or {}).get("Variables") or {}
    allowed = variables.get("ALLOW_DATA_LOSS")
    return can_fail_over(template, function_id) and str(allowed).lower() != "false"


def local_topics(template: TemplateDoc, actions_value: Any) -> set[str]:
    """SNS topics of `template` that a list of alarm actions names by Ref."""
    topics = {lid for lid, _ in template.resources(blocks.sns.TOPIC.type)}
    return {t for a in as_list(actions_value) if (t := local_target(template, a)) in topics}


def subscriptions(template: TemplateDoc, topic_id: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(logical id, properties) of the Lambda subscriptions to a topic of `template`."""
    for logical_id, resource in template.resources(blocks.sns.SUBSCRIPTION.type):
        props = resource.get("Properties", {})
        if (
            props.get("Protocol") == "lambda"
            and local_target(template, props.get("TopicArn")) == topic_id
        ):
            yield logical_id, props


def subscribed_function(
    templates: TemplateSet, template: TemplateDoc, endpoint: Any
) -> FunctionRef | None:
    """The function a subscription's Endpoint names: a GetAtt in the same template, or a
    function ARN text (`...:lambda:<region>:<account>:function:<name>`) whose FunctionName
    is defined by a template of that region."""
    local = local_target(template, endpoint)
    if local is not None:
        return template, local
    text = text_of(endpoint) or ""
    if ":lambda:" not in text or ":function:" not in text:
        return None
    # The partition may be `${AWS::Partition}`, whose `::` defeats splitting the whole ARN.
    region = text.split(":lambda:", 1)[1].split(":", 1)[0]
    name = text.split(":function:", 1)[1]
    for other in templates.templates:
        if other.region != region:
            continue
        for logical_id, resource in other.resources(blocks.lambda_functions.FUNCTION.type):
            if name_text(resource.get("Properties", {}).get("FunctionName")) == name:
                return other, logical_id
    return None


def invoked_functions(
    templates: TemplateSet, template: TemplateDoc, alarm: Mapping[str, Any]
) -> list[FunctionRef]:
    """Every function an alarm's AlarmActions reach through a topic of its template."""
    found = []
    for topic in sorted(local_topics(template, alarm.get("AlarmActions"))):
        for _, props in subscriptions(template, topic):
            target = subscribed_function(templates, template, props.get("Endpoint"))
            if target is not None:
                found.append(target)
    return found


def topic_may_invoke(template: TemplateDoc, topic_id: str, function_id: str) -> bool:
    """A Lambda permission of `template` lets SNS invoke the function from exactly that topic."""
    for _, resource in template.resources(blocks.lambda_functions.PERMISSION.type):
        props = resource.get("Properties", {})
        if (
            props.get("Principal") == SNS_PRINCIPAL
            and local_target(template, props.get("FunctionName")) == function_id
            and local_target(template, props.get("SourceArn")) == topic_id
        ):
            return True
    return False
