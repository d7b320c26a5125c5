"""DR020: `lifecycle.force_destroy: true` makes every stack of the build deletable.

Only for a spec with force_destroy (a template set without a spec is not judged). Every S3
bucket is emptied before it is deleted by a custom resource in its own stack that names it
and is ordered after it; every data store is deleted, not retained or snapshotted, when its
stack is deleted or the resource replaced; nothing has deletion protection on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler.blocks import RESOURCE_KINDS
from dr_compiler.blocks.alb import LOAD_BALANCER
from dr_compiler.blocks.aurora import DB_CLUSTER, GLOBAL_CLUSTER
from dr_compiler.blocks.bucket_emptier import CUSTOM_PREFIX, CUSTOM_RESOURCE
from dr_compiler.blocks.descriptor import DELETE, Keeps
from dr_compiler.blocks.dynamodb import GLOBAL_TABLE
from dr_compiler.blocks.s3 import BUCKET
from dr_compiler.policies.cfn import as_list, is_true, referenced_ids
from dr_compiler.policies.cfn_names import name_text
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

# Judged: every kind that holds data, and the Aurora global cluster, which holds it through
# its member clusters: under force_destroy none may be kept.
DELETABLE = {
    type_: kind
    for type_, kind in RESOURCE_KINDS.items()
    if kind.holds_data or kind.keeps is Keeps.MEMBERS
}
# CloudFormation deletes a resource whose DeletionPolicy or UpdateReplacePolicy is unset,
# except that an Aurora cluster's unset DeletionPolicy means Snapshot (its kind's
# unset_deletion_policy): there, only an explicit Delete deletes. Retain,
# RetainExceptOnCreate (which deletes only when the create that made the resource rolls back)
# and Snapshot all keep something on a stack deletion.
POLICY_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")
ALB_PROTECTION = "deletion_protection.enabled"


def _policies(
    template: TemplateDoc, logical_id: str, resource: Mapping[str, Any]
) -> Iterator[Violation]:
    kind = DELETABLE[resource["Type"]]
    for attribute in POLICY_ATTRIBUTES:
        value = resource.get(attribute)
        unset = kind.unset_deletion_policy if attribute == "DeletionPolicy" else DELETE
        if value == DELETE or (value is None and unset == DELETE):
            continue
        shown = value if value is not None else f"unset ({unset})"
        yield resource_violation(
            template,
            logical_id,
            f"{kind.noun} {logical_id} has {attribute} {shown} with force_destroy: use Delete",
            attribute,
        )


def _is_custom_resource(resource: Mapping[str, Any]) -> bool:
    kind = resource.get("Type", "")
    return kind.startswith(CUSTOM_PREFIX) or kind == CUSTOM_RESOURCE.type


def _empties(bucket_id: str, bucket_name: str | None, emptier: Mapping[str, Any]) -> bool:
    """Whether a custom resource's BucketName designates the bucket (Ref or same name text),
    and it is ordered after it: DependsOn, or any reference (CloudFormation then deletes
    the custom resource, emptying the bucket, before the bucket)."""
    target = emptier.get("Properties", {}).get("BucketName")
    names_it = bucket_id in referenced_ids(target) or (
        bucket_name is not None and name_text(target) == bucket_name
    )
    ordered = bucket_id in as_list(emptier.get("DependsOn")) or bucket_id in referenced_ids(
        emptier.get("Properties", {})
    )
    return names_it and ordered


def _emptier(
    template: TemplateDoc, logical_id: str, resource: Mapping[str, Any]
) -> Iterator[Violation]:
    name = name_text(resource.get("Properties", {}).get("BucketName"))
    emptiers = (r for _, r in template.resources() if _is_custom_resource(r))
    if not any(_empties(logical_id, name, emptier) for emptier in emptiers):
        yield resource_violation(
            template,
            logical_id,
            f"bucket {logical_id} has no bucket-emptying custom resource naming it and "
            "depending on it: CloudFormation cannot delete a non-empty bucket",
        )


def _protection(
    template: TemplateDoc, logical_id: str, resource: Mapping[str, Any]
) -> Iterator[Violation]:
    props = resource.get("Properties", {})
    kind = resource["Type"]
    if kind in (DB_CLUSTER.type, GLOBAL_CLUSTER.type) and is_true(props.get("DeletionProtection")):
        yield resource_violation(
            template,
            logical_id,
            f"{DELETABLE[kind].noun} {logical_id} has DeletionProtection true with force_destroy",
            "DeletionProtection",
        )
    elif kind == GLOBAL_TABLE.type:
        for index, replica in enumerate(as_list(props.get("Replicas"))):
            if is_true(replica.get("DeletionProtectionEnabled")):
                yield resource_violation(
                    template,
                    logical_id,
                    f"replica {replica.get('Region', index)} of global table {logical_id} has "
                    "DeletionProtectionEnabled true with force_destroy",
                    "Replicas",
                    index,
                    "DeletionProtectionEnabled",
                )
    elif kind == LOAD_BALANCER.type:
        for index, attribute in enumerate(as_list(props.get("LoadBalancerAttributes"))):
            if attribute.get("Key") == ALB_PROTECTION and is_true(attribute.get("Value")):
                yield resource_violation(
                    template,
                    logical_id,
                    f"load balancer {logical_id} has {ALB_PROTECTION} true with force_destroy",
                    "LoadBalancerAttributes",
                    index,
                )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    if templates.spec is None or not templates.spec.force_destroy:
        return
    for template, logical_id, resource in templates.all_resources():
        kind = resource.get("Type")
        if kind in DELETABLE:
            yield from _policies(template, logical_id, resource)
        if kind == BUCKET.type:
            yield from _emptier(template, logical_id, resource)
        yield from _protection(template, logical_id, resource)


RULE = Rule(
    id="DR020",
    title="force_destroy makes everything deletable: buckets emptied, DeletionPolicy Delete, "
    "no deletion protection",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "The seed designs promised a disposable dev environment, yet `destroy` stopped at "
        "the first bucket: CloudFormation cannot delete a bucket that still holds objects "
        "(and replicated, versioned buckets always do), Aurora clusters default to a final "
        "snapshot, and deletion protection on clusters, tables and load balancers fails the "
        "stack deletion outright. Each leftover keeps costing money and blocks the next "
        "deployment that reuses its name."
    ),
    remediation=(
        "Compile the spec with dr_compiler: with lifecycle.force_destroy: true (and "
        "metadata.production: false) it emits DeletionPolicy/UpdateReplacePolicy Delete, "
        "turns deletion protection off and adds a Custom::BucketEmptier per bucket. In a "
        "hand-written template do the same, or set force_destroy: false to keep the data."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html",
    bad_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  DeletionPolicy: Retain\n"
        "DatabaseCluster:\n  Type: AWS::RDS::DBCluster\n"
        "  Properties: {DeletionProtection: true}\n"
    ),
    good_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  DeletionPolicy: Delete\n"
        "  UpdateReplacePolicy: Delete\n"
        "DocumentsBucketEmptier:\n  Type: Custom::BucketEmptier\n  DependsOn: [DocumentsBucket]\n"
        "  Properties:\n    ServiceToken: !GetAtt BucketEmptierFunction.Arn\n"
        "    BucketName: !Ref DocumentsBucket\n"
        "DatabaseCluster:\n  Type: AWS::RDS::DBCluster\n  DeletionPolicy: Delete\n"
        "  UpdateReplacePolicy: Delete\n  Properties: {DeletionProtection: false}\n"
    ),
    check_templates=check_templates,
    tags=("lifecycle",),
)
