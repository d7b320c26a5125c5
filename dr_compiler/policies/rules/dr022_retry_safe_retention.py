"""DR022: a resource with a fixed physical name is not plainly retained, so a failed first
create can be retried.

When a stack's first create fails, CloudFormation rolls it back and deletes what it made,
except what DeletionPolicy Retain keeps. A kept resource with a name the template fixes (a
bucket, queue, log group, table, secret, vault) then blocks the rerun: the same create asks
for the same name and fails with AlreadyExists. DeletionPolicy RetainExceptOnCreate keeps the
resource on every operation but the rollback of the create that made it (CloudFormation
DeletionPolicy attribute reference); Snapshot deletes it after a snapshot. Both free the name.
Resources without an explicit name (CloudFormation generates one per attempt) are not judged.
Any template is judged, with or without a spec: the hazard is in the template alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler.policies.cfn import NAME_PROPERTIES
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateSet,
    Violation,
    resource_violation,
)

RETAIN = "Retain"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(*NAME_PROPERTIES):
        if resource.get("DeletionPolicy") != RETAIN:
            continue
        props = resource.get("Properties", {})
        named = [prop for prop in NAME_PROPERTIES[resource["Type"]] if prop in props]
        if named:
            yield resource_violation(
                template,
                logical_id,
                f"{logical_id} ({resource['Type']}) has a fixed {named[0]} and DeletionPolicy "
                "Retain: if its stack's first create fails, the rollback keeps it and the "
                "rerun fails with AlreadyExists; use RetainExceptOnCreate",
                "DeletionPolicy",
            )


RULE = Rule(
    id="DR022",
    title="Production data resources with fixed names use RetainExceptOnCreate (or Snapshot), "
    "so a failed first create can be retried",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "The documented way out of a failed deploy is: fix the cause and run deploy again. "
        "With DeletionPolicy Retain, the rollback of a failed first create keeps every "
        "retained resource, and the ones with names the compiler fixes (queues, log groups, "
        "global tables, the database secret, backup vaults, buckets) make the rerun fail with "
        "AlreadyExists until someone deletes them by hand, in every region. "
        "RetainExceptOnCreate keeps the data on every later update and on stack deletion, "
        "and deletes the resource only when the create that made it rolls back, when it "
        "holds nothing yet."
    ),
    remediation=(
        "Compile with dr_compiler: retained resources get DeletionPolicy RetainExceptOnCreate "
        "and UpdateReplacePolicy Retain (Aurora clusters Snapshot on both). In a hand-written "
        "template, replace DeletionPolicy Retain with RetainExceptOnCreate on every resource "
        "whose name the template sets, or let CloudFormation generate its name."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html",
    bad_example=(
        "PaymentsQueue:\n  Type: AWS::SQS::Queue\n  DeletionPolicy: Retain\n"
        "  UpdateReplacePolicy: Retain\n  Properties:\n    QueueName: payments-prod\n"
    ),
    good_example=(
        "PaymentsQueue:\n  Type: AWS::SQS::Queue\n  DeletionPolicy: RetainExceptOnCreate\n"
        "  UpdateReplacePolicy: Retain\n  Properties:\n    QueueName: payments-prod\n"
    ),
    check_templates=check_templates,
    tags=("lifecycle", "deployment"),
)
