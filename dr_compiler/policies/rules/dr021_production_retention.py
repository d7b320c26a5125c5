"""DR021: a production environment cannot force-destroy its data.

Spec: `metadata.production: true` with `lifecycle.force_destroy: true` is a contradiction.
Templates (of a production spec): every data store keeps its data when its stack is deleted
or the resource is replaced (DeletionPolicy Retain or RetainExceptOnCreate, UpdateReplacePolicy
Retain, or Snapshot on both for Aurora clusters), Aurora has deletion protection, DynamoDB has
point-in-time recovery and deletion protection on every replica, and no bucket-emptying
custom resource exists.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler.blocks import DATA_STORES, RESOURCE_KINDS
from dr_compiler.blocks.aurora import DB_CLUSTER, GLOBAL_CLUSTER
from dr_compiler.blocks.bucket_emptier import BUCKET_EMPTIER
from dr_compiler.blocks.descriptor import (
    DELETE,
    RETAIN,
    RETAIN_EXCEPT_ON_CREATE,
    SNAPSHOT,
    Keeps,
)
from dr_compiler.blocks.dynamodb import GLOBAL_TABLE, TABLE
from dr_compiler.model import Spec
from dr_compiler.policies.cfn import as_list, is_true
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Scanner,
    ScannerCheck,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
)

# What keeps the data, per attribute, for the kinds that hold data (blocks.DATA_STORES: keys
# and secrets count, deleting the KMS key makes every encrypted copy unreadable, deleting the
# secret loses the credentials a retained snapshot restores with; log groups hold the audit
# trail). RetainExceptOnCreate retains on every stack operation but the rollback of the
# create that made the resource (when it holds nothing yet); it is a DeletionPolicy value
# only, UpdateReplacePolicy has no such value (CloudFormation DeletionPolicy and
# UpdateReplacePolicy attribute references). Snapshot keeps the data only where
# CloudFormation can snapshot it: the kinds that keep a snapshot (Aurora clusters).
KEEPING: dict[str, tuple[str, ...]] = {
    "DeletionPolicy": (RETAIN, RETAIN_EXCEPT_ON_CREATE),
    "UpdateReplacePolicy": (RETAIN,),
}


def check_spec(spec: Spec) -> Iterator[Violation]:
    if spec.metadata.production and spec.force_destroy:
        yield Violation(
            f"environment {spec.environment} is production but lifecycle.force_destroy is true: "
            "production data stores must survive a stack deletion",
            "lifecycle.force_destroy",
            path=("lifecycle", "force_destroy"),
        )


def _policy_violations(
    template: TemplateDoc, logical_id: str, resource: Mapping[str, Any]
) -> Iterator[Violation]:
    kind = DATA_STORES[resource["Type"]]
    for attribute, keeping in KEEPING.items():
        allowed = (*keeping, SNAPSHOT) if kind.keeps is Keeps.SNAPSHOT else keeping
        value = resource.get(attribute)
        if value not in allowed:
            shown = value if value is not None else f"unset ({DELETE})"
            yield Violation(
                f"{kind.noun} {logical_id} has {attribute} {shown} in production: "
                f"use {' or '.join(allowed)}",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=(attribute,),
            )


def _protection_violations(
    template: TemplateDoc, logical_id: str, resource: Mapping[str, Any]
) -> Iterator[Violation]:
    props = resource.get("Properties", {})
    kind = resource["Type"]
    if kind in (DB_CLUSTER.type, GLOBAL_CLUSTER.type) and not is_true(
        props.get("DeletionProtection")
    ):
        yield Violation(
            f"{RESOURCE_KINDS[kind].noun} {logical_id} has no DeletionProtection in production",
            logical_id,
            template=template,
            logical_id=logical_id,
            property_path=("DeletionProtection",),
        )
    elif kind == GLOBAL_TABLE.type:
        for index, replica in enumerate(as_list(props.get("Replicas"))):
            region = replica.get("Region", f"#{index}")
            yield from _table_protection(
                template, logical_id, replica, ("Replicas", index), f"replica {region} of "
            )
    elif kind == TABLE.type:
        yield from _table_protection(template, logical_id, props, (), "")


def _table_protection(
    template: TemplateDoc,
    logical_id: str,
    props: Mapping[str, Any],
    base: tuple[str | int, ...],
    what: str,
) -> Iterator[Violation]:
    """PITR and deletion protection, on a table or on one replica of a global table."""
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    if not is_true(pitr.get("PointInTimeRecoveryEnabled")):
        yield Violation(
            f"{what}table {logical_id} has no point-in-time recovery in production",
            logical_id,
            template=template,
            logical_id=logical_id,
            property_path=(*base, "PointInTimeRecoverySpecification"),
        )
    if not is_true(props.get("DeletionProtectionEnabled")):
        yield Violation(
            f"{what}table {logical_id} has no DeletionProtectionEnabled in production",
            logical_id,
            template=template,
            logical_id=logical_id,
            property_path=(*base, "DeletionProtectionEnabled"),
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    if templates.spec is None or not templates.spec.metadata.production:
        return
    for template, logical_id, resource in templates.all_resources():
        kind = resource.get("Type")
        if kind in DATA_STORES:
            yield from _policy_violations(template, logical_id, resource)
        yield from _protection_violations(template, logical_id, resource)
        if kind == BUCKET_EMPTIER.type:
            yield Violation(
                f"{logical_id} is a bucket emptier in production: it deletes every object "
                "version when its stack is deleted",
                logical_id,
                template=template,
                logical_id=logical_id,
            )


RULE = Rule(
    id="DR021",
    title="A production environment cannot force-destroy its data stores",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "The seed designs made buckets destroyable with an emptying custom resource and left "
        "DeletionPolicy at its default, Delete, everywhere: in production one mistaken stack "
        "deletion, or a property change that replaces a resource, wipes the payment "
        "documents, the transactions table and the database for good. Retain (or an Aurora "
        "Snapshot), deletion protection and DynamoDB point-in-time recovery make that "
        "impossible or recoverable."
    ),
    remediation=(
        "In a production spec set lifecycle.force_destroy: false (the compiler then emits "
        "Retain/Snapshot policies, deletion protection and PITR). To tear a production "
        "environment down, first set metadata.production: false in a reviewed change."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html",
    bad_example="metadata:\n  production: true\nlifecycle:\n  force_destroy: true\n",
    good_example="metadata:\n  production: true\nlifecycle:\n  force_destroy: false\n",
    check_spec=check_spec,
    check_templates=check_templates,
    pci_dss=("12.10.1",),
    tags=("data-protection", "backup"),
    scanner_checks=(
        ScannerCheck(
            Scanner.GUARD, "rds_cluster_deletion_protection_enabled_check", DB_CLUSTER.type
        ),
    ),
)
