"""DR042: Aurora runs as a global database with an encrypted secondary in every secondary region.

Primary template: an AWS::RDS::GlobalCluster and a DBCluster joined to it (its
GlobalClusterIdentifier a Ref of the global cluster or its identifier text). Every secondary
region (the spec's; without a spec, every attach template's) has an attach template whose
DBCluster joins the same global cluster by its identifier text, is StorageEncrypted with a
KMS key of its own region, and sets no master credentials (a secondary takes the primary's).

Order matters too: the secondary cluster can only join a global cluster that exists. That is
a fact of the deployment, not of a template: the attach stacks are separate templates, and
their waves (compiled from what each stack requires) are tested on the compiler's manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import is_true
from dr_compiler.policies.cfn_imports import import_name, local_target
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

DB_CLUSTER = blocks.aurora.DB_CLUSTER.type
GLOBAL_CLUSTER = blocks.aurora.GLOBAL_CLUSTER.type
KEY_TYPES = frozenset({blocks.kms.KEY.type, blocks.kms.ALIAS.type})
CREDENTIALS = ("MasterUsername", "MasterUserPassword")


def _identifier(template: TemplateDoc, logical_id: str) -> str | None:
    return resource_name(template, logical_id, "GlobalClusterIdentifier")


def _joins(template: TemplateDoc, cluster_id: str, global_id: str) -> bool:
    value = template.properties(cluster_id).get("GlobalClusterIdentifier")
    if local_target(template, value) == global_id:
        return True
    identifier = _identifier(template, global_id)
    return identifier is not None and rendered_name(value, template.region) == identifier


def _primary(templates: TemplateSet, identifiers: set[str]) -> Iterator[Violation]:
    """Check each primary template; collect its global clusters' identifiers."""
    for template in templates.by_phase("primary"):
        globals_ = [lid for lid, _ in template.resources(GLOBAL_CLUSTER)]
        clusters = [lid for lid, _ in template.resources(DB_CLUSTER)]
        if not globals_:
            if _spec_has_database(templates) and not clusters:
                yield Violation(
                    f"primary template {template.file} has no AWS::RDS::GlobalCluster and no "
                    "Aurora cluster for the spec's database",
                    "database",
                    path=("database",),
                )
            for cluster_id in clusters:
                yield resource_violation(
                    template,
                    cluster_id,
                    f"Aurora cluster {cluster_id} of the primary template has no "
                    "AWS::RDS::GlobalCluster to join: no secondary region can replicate it",
                    "GlobalClusterIdentifier",
                )
            continue
        for global_id in globals_:
            identifier = _identifier(template, global_id)
            if identifier is not None:
                identifiers.add(identifier)
            if not any(_joins(template, cluster_id, global_id) for cluster_id in clusters):
                yield resource_violation(
                    template,
                    global_id,
                    f"global cluster {global_id} has no DBCluster of the primary template "
                    "joined to it (GlobalClusterIdentifier referencing it)",
                )


def _own_region_key(template: TemplateDoc, value: Any) -> bool:
    """A KMS key (or alias) of this template, an import of this region's exported key ARN,
    or a KMS ARN in this region."""
    local = local_target(template, value)
    if local is not None:
        return template.body["Resources"][local].get("Type") in KEY_TYPES
    export = import_name(value)
    if export is not None:
        return template.region in export and "KmsKeyArn" in export
    text = rendered_name(value, template.region) or ""
    return text.startswith("arn:") and f":kms:{template.region}:" in text


def _secondary_cluster(
    template: TemplateDoc, cluster_id: str, identifiers: set[str]
) -> Iterator[Violation]:
    props = template.properties(cluster_id)
    identifier = _identifier(template, cluster_id)
    if identifiers and identifier not in identifiers:
        expected = " or ".join(f"'{i}'" for i in sorted(identifiers))
        yield resource_violation(
            template,
            cluster_id,
            f"secondary cluster {cluster_id} GlobalClusterIdentifier "
            f"{repr(identifier) if identifier else 'is not a literal identifier'}: "
            f"expected the primary's global cluster {expected}",
            "GlobalClusterIdentifier",
        )
    if not is_true(props.get("StorageEncrypted")):
        yield resource_violation(
            template,
            cluster_id,
            f"secondary cluster {cluster_id} is not StorageEncrypted",
            "StorageEncrypted",
        )
    if not _own_region_key(template, props.get("KmsKeyId")):
        yield resource_violation(
            template,
            cluster_id,
            f"secondary cluster {cluster_id} KmsKeyId is not a KMS key of its own region "
            f"{template.region}: a cross-region replica needs a key where it runs",
            "KmsKeyId",
        )
    for credential in CREDENTIALS:
        if credential in props:
            yield resource_violation(
                template,
                cluster_id,
                f"secondary cluster {cluster_id} sets {credential}: a secondary cluster "
                "takes the primary's credentials, and CloudFormation rejects it",
                credential,
            )


def _attach(template: TemplateDoc, identifiers: set[str]) -> Iterator[Violation]:
    for cluster_id, resource in template.resources(DB_CLUSTER):
        if resource.get("Properties", {}).get("GlobalClusterIdentifier") is None:
            yield resource_violation(
                template,
                cluster_id,
                f"Aurora cluster {cluster_id} in {template.region} is not joined to the "
                "global cluster (no GlobalClusterIdentifier)",
                "GlobalClusterIdentifier",
            )
        else:
            yield from _secondary_cluster(template, cluster_id, identifiers)


def _joined(template: TemplateDoc) -> bool:
    return any(
        r.get("Properties", {}).get("GlobalClusterIdentifier") is not None
        for _, r in template.resources(DB_CLUSTER)
    )


def _spec_has_database(templates: TemplateSet) -> bool:
    """Templates checked against a spec with a database section (Aurora must then exist)."""
    return templates.spec is not None and templates.spec.database is not None


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    identifiers: set[str] = set()
    yield from _primary(templates, identifiers)
    attach = list(templates.by_phase("attach"))
    for template in attach:
        yield from _attach(template, identifiers)
    if templates.spec is None or not _spec_has_database(templates):
        return
    # Every secondary region of the spec needs its secondary cluster somewhere.
    for index, region in enumerate(templates.spec.regions.secondaries):
        if not any(t.region == region and _joined(t) for t in attach):
            yield Violation(
                f"secondary region {region} has no attach template with an Aurora cluster "
                "joined to the global cluster",
                region,
                path=("regions", "secondaries", index),
            )


RULE = Rule(
    id="DR042",
    title="Aurora: a secondary cluster in every secondary region joined to the global cluster, "
    "encrypted with a regional key, created after the primary",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "The database is the payments system of record: without an Aurora Global Database "
        "secondary in each standby region there is nothing to fail over to, and a secondary "
        "that names another global cluster, or none, replicates nothing. An encrypted global "
        "database needs each secondary encrypted with a KMS key of the secondary's own "
        "region (keys do not cross regions). The seed designs also gave the secondary its "
        "own master password, which CloudFormation rejects: it inherits the primary's."
    ),
    remediation=(
        "Compile with dr_compiler: it creates the global cluster and primary cluster in the "
        "primary stack and one secondary cluster per regions.secondaries entry in that "
        "region's attach stack, deployed in a later wave. In a hand-written template set the "
        "secondary's GlobalClusterIdentifier to the global cluster's identifier, "
        "StorageEncrypted true, KmsKeyId to a key of its region, and no master credentials."
    ),
    docs="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html",
    bad_example=(
        "SecondaryCluster:   # us-west-2 attach template\n  Type: AWS::RDS::DBCluster\n"
        "  Properties:\n    GlobalClusterIdentifier: payments-global\n"
        "    MasterUsername: admin\n    MasterUserPassword: hunter2\n"
    ),
    good_example=(
        "SecondaryCluster:   # us-west-2 attach template\n  Type: AWS::RDS::DBCluster\n"
        "  Properties:\n    GlobalClusterIdentifier: payments-global-prod\n"
        "    StorageEncrypted: true\n"
        "    KmsKeyId: !ImportValue payments-us-west-2-base-prod-KmsKeyArn\n"
    ),
    check_templates=check_templates,
    pci_dss=("3.5.1", "12.10.1"),
    tags=("database", "replication"),
)
