"""DR064: after a failover, alarms, secrets, backups and replication work from the promoted region
(or the runbook says how).

For every Aurora cluster that is a member of a global database (primary or attach template):

- alarms follow the writer: an AuroraGlobalDBReplicationLag alarm of the same template watches
  that cluster, and no lag alarm treats missing data as breaching (Aurora publishes the lag
  only for secondaries, so a promoted cluster's alarm would stay in ALARM for good);
- backups: a backup selection of the same template (the same region) covers the cluster, so
  the promoted region keeps taking recovery points with nobody at the console.

For every function of a workload template whose environment names a member cluster's reader
endpoint (GetAtt ReadEndpoint.Address, the way a secondary's API serves before promotion and a
demoted primary's API after it): that cluster has EnableGlobalWriteForwarding, or the reader
endpoint refuses every write ("By default, write operations are not allowed on Aurora DB
clusters that are secondary clusters in an Aurora global database", CreateDBCluster
EnableGlobalWriteForwarding, as cfn-lint's AWS::RDS::DBCluster schema carries it).

For every bucket replication rule (primary to a secondary): the destination region holds an IAM
role S3 can assume that may replicate back into the source bucket, so the runbook's one
`put-bucket-replication` command is all a person runs.

The secrets' replicas and failback need decisions, so they are steps of the generated runbook
(dr_compiler/runbook.py), not template facts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import alarm_metrics, as_list, get_att, is_true, text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_names import name_text
from dr_compiler.policies.cfn_roles import actions, allows, role_statements
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

LAG_METRIC = blocks.aurora.REPLICATION_LAG
WORKLOAD_PHASES = ("primary", "attach")


def _lag_alarms(template: TemplateDoc) -> Iterator[tuple[str, Mapping[str, Any], set[str]]]:
    """(alarm id, properties, watched cluster identifiers) of each replication-lag alarm."""
    for logical_id, resource in template.resources(blocks.alarms.ALARM.type):
        props = resource.get("Properties", {})
        clusters: set[str] = set()
        lag = False
        for _, metric, dimensions in alarm_metrics(props):
            if metric != LAG_METRIC.name:
                continue
            lag = True
            for dimension in as_list(dimensions):
                if (
                    isinstance(dimension, Mapping)
                    and dimension.get("Name") in LAG_METRIC.dimensions
                ):
                    clusters.add(name_text(dimension.get("Value")) or "")
        if lag:
            yield logical_id, props, clusters


def _backed_up(template: TemplateDoc, cluster_id: str) -> bool:
    for _, resource in template.resources(blocks.backup.BACKUP_SELECTION.type):
        selection = resource.get("Properties", {}).get("BackupSelection", {})
        if any(
            local_target(template, r) == cluster_id for r in as_list(selection.get("Resources"))
        ):
            return True
    return False


def _clusters(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.by_phase(*WORKLOAD_PHASES):
        lag_alarms = list(_lag_alarms(template))
        for alarm_id, props, _ in lag_alarms:
            if props.get("TreatMissingData") == "breaching":
                yield resource_violation(
                    template,
                    alarm_id,
                    f"replication-lag alarm {alarm_id} treats missing data as breaching: Aurora "
                    "publishes no lag for the writer, so after a failover it stays in ALARM",
                    "TreatMissingData",
                )
        watched = set().union(*(clusters for _, _, clusters in lag_alarms))
        for cluster_id, resource in template.resources(blocks.aurora.DB_CLUSTER.type):
            props = resource.get("Properties", {})
            if "GlobalClusterIdentifier" not in props:
                continue
            identifier = name_text(props.get("DBClusterIdentifier"))
            if identifier not in watched:
                yield resource_violation(
                    template,
                    cluster_id,
                    f"no replication-lag alarm in {template.region} watches {cluster_id}: once "
                    "another region is the writer, this cluster's replication goes unwatched",
                )
            if not _backed_up(template, cluster_id):
                yield resource_violation(
                    template,
                    cluster_id,
                    f"no backup selection in {template.region} covers {cluster_id}: after a "
                    "failover to this region, nothing backs up the new writer",
                )


def _reader_users(template: TemplateDoc) -> dict[str, list[str]]:
    """Cluster logical id -> the functions whose environment names its reader endpoint."""
    users: dict[str, list[str]] = {}
    for function_id, resource in template.resources(blocks.lambda_functions.FUNCTION.type):
        environment = resource.get("Properties", {}).get("Environment") or {}
        for value in (environment.get("Variables") or {}).values():
            target = get_att(value)
            if target is not None and target[1] == "ReadEndpoint.Address":
                users.setdefault(target[0], []).append(function_id)
    return users


def _forwarding(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.by_phase(*WORKLOAD_PHASES):
        clusters = dict(template.resources(blocks.aurora.DB_CLUSTER.type))
        for cluster_id, functions in sorted(_reader_users(template).items()):
            props = clusters.get(cluster_id, {}).get("Properties", {})
            if "GlobalClusterIdentifier" not in props:
                continue
            if is_true(props.get("EnableGlobalWriteForwarding")):
                continue
            yield resource_violation(
                template,
                cluster_id,
                f"{', '.join(functions)} {'reaches' if len(functions) == 1 else 'reach'} "
                f"{cluster_id} through its reader endpoint, but "
                f"{cluster_id} does not forward writes: while another region is the writer "
                "(before a promotion, after a demotion) every write fails",
                "EnableGlobalWriteForwarding",
            )


def _replicates_back(templates: TemplateSet, region: str, source_bucket: str) -> bool:
    """Some role in `region`, assumable by S3, may replicate objects into `source_bucket`."""
    for template in templates.templates:
        if template.region != region:
            continue
        for role_id, resource in template.resources(blocks.iam.ROLE.type):
            trust = resource.get("Properties", {}).get("AssumeRolePolicyDocument", {})
            if "s3.amazonaws.com" not in str(trust):
                continue
            for _, _, statement in role_statements(template, role_id):
                if not allows(statement) or "s3:ReplicateObject" not in actions(statement):
                    continue
                resources = [text_of(r) or "" for r in as_list(statement.get("Resource"))]
                if any(f":::{source_bucket}/" in r for r in resources):
                    return True
    return False


def _bucket_regions(templates: TemplateSet) -> dict[str, str]:
    """Bucket name text -> the region of the template that defines it."""
    return {
        name: template.region
        for template, _, resource in templates.all_resources(blocks.s3.BUCKET.type)
        if (name := name_text(resource.get("Properties", {}).get("BucketName")))
    }


def _replication(templates: TemplateSet) -> Iterator[Violation]:
    regions = _bucket_regions(templates)
    for template in templates.by_phase("primary"):
        for bucket_id, resource in template.resources(blocks.s3.BUCKET.type):
            props = resource.get("Properties", {})
            source = name_text(props.get("BucketName"))
            rules = (props.get("ReplicationConfiguration") or {}).get("Rules", [])
            for index, rule in enumerate(as_list(rules)):
                destination = (text_of(rule.get("Destination", {}).get("Bucket")) or "").split(
                    ":::"
                )[-1]
                region = regions.get(destination)
                if source is None or region is None or _replicates_back(templates, region, source):
                    continue
                yield resource_violation(
                    template,
                    bucket_id,
                    f"bucket {bucket_id} replicates to {region}, but no role there may replicate "
                    "back after a failover: objects written in the promoted region stay there",
                    "ReplicationConfiguration",
                    "Rules",
                    index,
                )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    yield from _clusters(templates)
    yield from _forwarding(templates)
    yield from _replication(templates)


RULE = Rule(
    id="DR064",
    title="After a failover, alarms, secrets, backups and replication work from the promoted "
    "region (or the runbook says how)",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "A failover that succeeds leaves a system nobody designed for: a replication-lag alarm "
        "that treats missing data as breaching stays in ALARM once its cluster is the writer, "
        "the backup plan and the bucket replication run only from the lost region, and the "
        "replicated secret is a read-only copy naming the old host. What can be compiled must "
        "be (alarms per cluster, a backup plan per region, the reverse replication role); the "
        "rest is the generated runbook's, each step with its command and spec line."
    ),
    remediation=(
        "Compile with dr_compiler: every workload stack gets a lag alarm on its own cluster "
        "(TreatMissingData missing, InsufficientDataActions to the alert topic) and a backup "
        "plan for its own data stores, every secondary a replication role back to the primary, "
        "every member EnableGlobalWriteForwarding (database.write_forwarding), and `build` "
        "writes templates_out/<env>/runbook.md. In a hand-written template set the same "
        "resources in every region."
    ),
    docs="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html",
    bad_example=(
        "ReplicationLagAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
        "    MetricName: AuroraGlobalDBReplicationLag\n"
        "    TreatMissingData: breaching   # stuck in ALARM after promotion\n"
    ),
    good_example=(
        "ReplicationLagAlarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n"
        "    MetricName: AuroraGlobalDBReplicationLag\n    TreatMissingData: missing\n"
        "    InsufficientDataActions: [!Ref AlertTopic]\n"
    ),
    check_templates=check_templates,
    tags=("failover", "resilience", "backup"),
)
