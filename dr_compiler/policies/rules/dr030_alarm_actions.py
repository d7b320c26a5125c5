"""DR030: every CloudWatch alarm notifies an SNS topic of its own region, on ALARM and on OK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, imported_names, referenced_ids, text_of
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation


def _own_region_topic(template: TemplateDoc, action: Any) -> bool:
    """A Ref/GetAtt to an SNS topic of this template, an import of this region's base stack,
    or a topic ARN naming this region."""
    topics = {lid for lid, _ in template.resources(blocks.sns.TOPIC.type)}
    if referenced_ids(action) & topics:
        return True
    if any(
        f"-{template.region}-" in name and name.endswith("AlertTopic")
        for name in imported_names(action)
    ):
        return True
    text = text_of(action) or ""
    return text.startswith("arn:") and f":sns:{template.region}:" in text.replace(
        "${AWS::Region}", template.region
    )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(blocks.alarms.ALARM.type):
        props = resource.get("Properties", {})
        for prop in ("AlarmActions", "OKActions"):
            actions = as_list(props.get(prop))
            if not actions:
                yield Violation(
                    f"alarm {logical_id} has no {prop}: nobody hears it",
                    logical_id,
                    template=template,
                    logical_id=logical_id,
                    property_path=(prop,),
                )
                continue
            for index, action in enumerate(actions):
                if not _own_region_topic(template, action):
                    yield Violation(
                        f"alarm {logical_id} {prop}[{index}] is not an SNS topic "
                        f"in {template.region}",
                        logical_id,
                        template=template,
                        logical_id=logical_id,
                        property_path=(prop, index),
                    )


RULE = Rule(
    id="DR030",
    title="Every CloudWatch alarm has AlarmActions and OKActions to an SNS topic in its own region",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "An alarm without actions changes state in a console nobody watches; the seed designs "
        "shipped replication-lag and health alarms that notified no one. CloudWatch can only "
        "publish to an SNS topic in the alarm's own region, and OK notifications tell on-call "
        "that a failover or recovery finished."
    ),
    remediation=(
        "Compile alarms through dr_compiler (it wires every alarm to the region's alert topic) "
        "and list at least one address under monitoring.email. In a hand-written template set "
        "AlarmActions and OKActions to the Ref of an SNS topic in the same region."
    ),
    docs="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html",
    bad_example=(
        "ReplicationLagAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
        "    MetricName: AuroraGlobalDBReplicationLag\n    # no AlarmActions, no OKActions\n"
    ),
    good_example=(
        "ReplicationLagAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
        "    MetricName: AuroraGlobalDBReplicationLag\n"
        "    AlarmActions: [!Ref AlertTopic]\n    OKActions: [!Ref AlertTopic]\n"
    ),
    check_templates=check_templates,
    pci_dss=("10.7.2",),
    tags=("monitoring",),
)
