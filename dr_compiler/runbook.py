"""The failover runbook (`templates_out/<env>/runbook.md`): what a person does, from the spec.

The templates compile everything that can hold after a failover without a person (DR064):
each secondary's own trigger path, replication-lag alarms that follow the writer, backup
plans in every region, the API on its own region's cluster (writer endpoint, or reader
endpoint with global write forwarding). What is left needs a decision or an order
CloudFormation cannot express, and is written here as numbered steps, each with its AWS CLI
command and the spec line it comes from:

- starting (or confirming) the promotion by hand: always possible, and the only way when
  `failover.automatic` is false
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html);
- the database secret: its replicas are read-only copies of the primary region's secret, so
  rotating or changing credentials while that region is lost needs the replica promoted to
  a standalone secret (StopReplicationToReplica,
  https://docs.aws.amazon.com/secretsmanager/latest/userguide/standalone-secret.html); the
  secret's `host` field keeps naming the old writer's cluster endpoint (the functions connect
  to their own region's cluster endpoints instead);
- with rotation on (`database.rotation_days`), the rotation function runs in the primary
  region and changes the password through that `host` (aurora.py): while the writer is
  elsewhere an attempt can fail, and a failed attempt leaves the secret's current version (and
  the password) as they were; rotation resumes at failback, where the runbook rotates once by
  hand
  (RotateSecret rotates immediately by default,
  https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html). A
  rotation that changed the old writer's password just before an unplanned failover may not
  have replicated to the promoted cluster: the step after the promotion checks, and resets
  the promoted cluster's master password to the secret's (ModifyDBCluster
  MasterUserPassword, valid for Aurora clusters);
- bucket replication back to the primary outside production: the role is compiled into each
  secondary's base stack, but the configuration names a destination that must already exist
  with versioning on (https://docs.aws.amazon.com/AmazonS3/latest/API/example_s3_PutBucketReplication_section.html),
  the primary's bucket, which deploys after that base stack (the same ordering that puts the
  replica buckets before the primary's, DESIGN "Stacks, regions and StackSets"). Production
  compiles it (a custom resource in each secondary's attach stack,
  compiler/services/reverse_replication.py), so the runbook only checks it, and before
  failback waits for it to drain; objects whose replication FAILED need S3 Batch Replication;
- failback: a managed switchover back once the old primary has rejoined as a secondary, and
  undoing the runbook's own reverse replication.

With `failover.orchestrator: region_switch` the ARC Region switch plan replaces the manual
promotion and switchover commands: the runbook starts (or follows) the plan's execution in
the Region being activated, whose data plane serves StartPlanExecution, GetPlanExecution and
ApprovePlanExecutionStep (botocore's arc-region-switch endpoint rules send only plan
management to the us-east-1 control plane; the CLI is `aws arc-region-switch
start-plan-execution --plan-arn --target-region --action activate --mode graceful|ungraceful`,
https://docs.aws.amazon.com/arc-region-switch/latest/api/API_StartPlanExecution.html). The
plan's ARN ends in a suffix AWS picks, so the first command looks it up by name in that Region
(ListPlansInRegion).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dr_compiler.compiler.ids import replication_rule
from dr_compiler.compiler.naming import (
    bucket_name,
    db_cluster_identifier,
    db_secret_name,
    function_name,
    global_cluster_identifier,
    health_check_name,
    physical_name,
    queue_name,
)
from dr_compiler.compiler.services.region_switch import plan_name
from dr_compiler.compiler.services.s3 import RTC_MINUTES
from dr_compiler.model import Bucket, Database, Spec
from dr_compiler.objectives.plan import plan_steps
from dr_compiler.paths import display_path

ACCOUNT = "${ACCOUNT_ID}"
"""Shell variable the commands use for the account id (set in the runbook's first lines)."""


@dataclass(frozen=True)
class Step:
    title: str
    why: str
    commands: tuple[str, ...]
    source: tuple[str | int, ...]
    """The spec path the step comes from."""


def render_runbook(spec: Spec) -> str:
    """The whole runbook as Markdown; the same spec gives the same bytes."""
    target = spec.regions.failover_target
    if spec.database is None:
        sections = (
            ("Start or confirm the failover", _dns_failover_steps(spec) + _queue_steps(spec)),
            ("After the failover", _bucket_steps_after(spec, target)),
            ("Failback, once the old primary region is healthy", _dns_failback_steps(spec)),
        )
    else:
        sections = (
            ("Start or confirm the failover", _promotion_steps(spec, target)),
            ("After the promotion", _after_promotion_steps(spec, target)),
            ("Failback, once the old primary region is healthy", _failback_steps(spec, target)),
        )
    lines = [
        f"# Failover runbook: {spec.app} {spec.environment}",
        "",
        f"Generated by dr_compiler from `{_where(spec, ())}`; do not edit. Failing over from "
        f"{spec.regions.primary} to {target} (the first secondary).",
        "",
        "Already compiled, nothing to do by hand: " + "; ".join(_compiled_facts(spec)) + ".",
        "",
        "```sh",
        _account_line(spec),
        "```",
    ]
    number = 0
    for heading, steps in sections:
        if not steps:
            continue
        lines += ["", f"## {heading}"]
        for step in steps:
            number += 1
            lines += [
                "",
                f"### {number}. {step.title}",
                "",
                f"From `{_where(spec, step.source)}`. {step.why}",
                "",
                "```sh",
                *step.commands,
                "```",
            ]
    return "\n".join(lines) + "\n"


def _where(spec: Spec, path: tuple[str | int, ...]) -> str:
    """`specs/base.yaml:97` for a spec path (the file relative to its project)."""
    location = spec.locate(*path) if path else None
    file = location.file if location else spec.file
    shown = display_path(Path(file).resolve())
    return f"{shown}:{location.line}" if location and location.line else shown


def _account_line(spec: Spec) -> str:
    accounts = spec.deployment.accounts
    if len(accounts) == 1:
        return f"ACCOUNT_ID={accounts[0]}"
    return "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)"


def _api_database_fact(database: Database) -> str:
    if database.write_forwarding:
        return (
            "the API connects only to its own region's cluster: the writer endpoint where "
            "that cluster is the writer, else the reader endpoint, which forwards writes to "
            "the writer (global write forwarding), and it follows a promotion by itself"
        )
    return (
        "the API connects only to its own region's cluster; without write forwarding "
        "(database.write_forwarding: false) a secondary's API is unhealthy until its "
        "cluster is promoted, and healthy after without a redeploy"
    )


def _stream_facts(spec: Spec) -> list[str]:
    """Stream consumers run in the primary only (lambda_functions._stream_trigger)."""
    return [
        f"{function.name} consumes table {function.trigger_table}'s stream in "
        f"{spec.regions.primary} only: changes made while that region is down reach its "
        "stream when replication resumes (records are kept 24 hours), so they are handled "
        "late, not lost, and not twice"
        for function in spec.functions
        if function.trigger_table is not None
    ]


def _compiled_facts(spec: Spec) -> list[str]:
    return _service_facts(spec) + _stream_facts(spec)


def _service_facts(spec: Spec) -> list[str]:
    backups = "every region has a backup plan for its own data stores, copied to the other regions"
    if spec.dns is None:
        return [
            "every region runs its own workers on its own queues and table replicas; with no "
            "public API there is no health check, so nothing starts a failover by itself",
            backups,
        ]
    if spec.database is None:
        return [
            f"Route 53 answers {spec.dns.fqdn} with the next healthy region on its health "
            "checks alone; every table replica is writable, so nothing is promoted",
            "every region has a backup plan for its own data stores, copied to the other regions",
        ]
    facts = [
        _api_database_fact(spec.database),
        "replication-lag alarms watch every region's cluster and go to INSUFFICIENT_DATA, "
        "not ALARM, on the writer",
        "every region has a backup plan for its own data stores, copied to the other regions",
    ]
    if spec.failover.region_switch:
        datapoints, periods = spec.failover.datapoints_to_alarm, spec.failover.evaluation_periods
        facts.insert(
            0,
            f"the ARC Region switch plan {plan_name(spec)} starts by itself when "
            f"{spec.regions.failover_target}'s own probe of the primary API fails {datapoints} "
            f"of {periods} one-minute checks, promotes the global database, updates the DNS "
            "health checks and writes an execution report",
        )
    elif spec.failover.automatic and spec.failover_function is not None:
        datapoints, periods = spec.failover.datapoints_to_alarm, spec.failover.evaluation_periods
        facts.insert(
            0,
            f"the failover starts by itself when {datapoints} of {periods} one-minute checks "
            f"fail, from the Route53 health check in us-east-1 or from each secondary's own "
            "probe of the primary API",
        )
    return facts


def _cluster_arn(spec: Spec, region: str) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{db_cluster_identifier(spec, region)}"


def _promotion_steps(spec: Spec, target: str) -> list[Step]:
    global_id = global_cluster_identifier(spec)
    steps = [
        Step(
            "See which cluster is the writer",
            "Read the global cluster from the target region: the primary region may not answer. "
            "If the target cluster is already the writer, go to the next section.",
            (
                f"aws rds describe-global-clusters --region {target} "
                f"--global-cluster-identifier {global_id} "
                "--query 'GlobalClusters[0].[Status,GlobalClusterMembers]'",
            ),
            ("database",),
        )
    ]
    function = spec.failover_function
    if spec.failover.region_switch:
        steps += _plan_steps(spec, target)
    elif function is not None:
        payload = {
            "event_id": "manual-YYYYMMDD-HHMM",
            "allow_data_loss": spec.failover.allow_data_loss,
            "reason": "describe the outage",
        }
        steps.append(
            Step(
                f"Promote {target} with {function.name}",
                "The function switches over when the old writer still answers and fails over "
                "(losing the replication lag) only when it does not and allow_data_loss is "
                "true; give each attempt a new event_id.",
                (
                    f"aws lambda invoke --region {target} "
                    f"--function-name {function_name(spec, function.name)} "
                    "--cli-binary-format raw-in-base64-out "
                    f"--payload '{json.dumps(payload, sort_keys=True)}' failover-result.json",
                    "cat failover-result.json",
                ),
                ("failover", "function"),
            )
        )
    else:
        steps.append(
            Step(
                f"Promote {target}",
                "No failover function is declared: call RDS directly. --allow-data-loss "
                "discards the writes not yet replicated; leave it out (a switchover) while the "
                "old writer still answers.",
                (
                    f"aws rds failover-global-cluster --region {target} "
                    f"--global-cluster-identifier {global_id} "
                    f"--target-db-cluster-identifier {_cluster_arn(spec, target)} "
                    "--allow-data-loss",
                ),
                ("failover",),
            )
        )
    if len(spec.regions.secondaries) > 1:
        steps.append(
            Step(
                "To promote another secondary instead, list it first in regions.secondaries",
                "Route53 answers with the first healthy region in the order "
                f"{', '.join(spec.regions.all)}, so {target} takes the traffic while it is "
                "healthy. List the region you promote first under regions.secondaries and "
                "deploy the global stack, then run the step above in that region.",
                ("dr-compiler deploy SPEC",),
                ("regions", "secondaries"),
            )
        )
    return steps


def _plan_arn_command(spec: Spec, region: str) -> str:
    return (
        f"PLAN_ARN=$(aws arc-region-switch list-plans-in-region --region {region} "
        f"--query \"plans[?name=='{plan_name(spec)}'].arn\" --output text)"
    )


def _plan_steps(spec: Spec, target: str) -> list[Step]:
    """Start (or follow) the plan's execution toward `target`, in `target`."""
    assert spec.dns is not None, "the schema stage refuses a Region switch plan without dns"
    start = Step(
        f"Activate {target} with the Region switch plan",
        "If the plan's trigger already started an execution, follow it instead of starting "
        "another (list-plan-executions). The plan promotes the global database "
        + (
            "by an Aurora failover (allow_data_loss is true: it may lose the replication lag, "
            "and works with the old writer gone) "
            if spec.failover.allow_data_loss
            else "by a switchover only (allow_data_loss is false: no data loss, but it cannot "
            "promote while the old writer is lost; then fail over by hand with "
            "`aws rds failover-global-cluster --allow-data-loss`) "
        )
        + "and then runs its DNS step; each step's state is in get-plan-execution.",
        (
            _plan_arn_command(spec, target),
            f'aws arc-region-switch list-plan-executions --region {target} --plan-arn "$PLAN_ARN"',
            f"EXECUTION_ID=$(aws arc-region-switch start-plan-execution --region {target} "
            f'--plan-arn "$PLAN_ARN" --target-region {target} --action activate --mode graceful '
            "--comment 'describe the outage' --query executionId --output text)",
            f"aws arc-region-switch get-plan-execution --region {target} "
            '--plan-arn "$PLAN_ARN" --execution-id "$EXECUTION_ID"',
        ),
        ("failover", "orchestrator"),
    )
    steps = [start]
    if not spec.failover.automatic:
        approval = next(s for s in plan_steps(spec) if s.component == "approval")
        steps.append(
            Step(
                "Approve the promotion",
                f"The plan waits at step {approval.name} for a person (failover.automatic is "
                f"false): assume the role {physical_name(spec, 'region-switch-approver')}, "
                "then approve (or decline).",
                (
                    f"aws arc-region-switch approve-plan-execution-step --region {target} "
                    f'--plan-arn "$PLAN_ARN" --execution-id "$EXECUTION_ID" '
                    f"--step-name {approval.name} --approval approve",
                ),
                ("failover", "automatic"),
            )
        )
    steps.append(
        Step(
            "Check what moves DNS",
            "The failover records fail over on the global stack's endpoint health checks "
            "(Route 53's data plane, no control plane needed). The plan's DNS step flips "
            "health checks of its own, which CloudFormation cannot yet attach to the records "
            "per Region (their ids exist only once the plan does, in no per-Region attribute): "
            "compare their status with the records' before relying on the plan for DNS.",
            (
                f"aws arc-region-switch list-route53-health-checks-in-region --region {target} "
                '--arn "$PLAN_ARN"',
                f"dig +short {spec.dns.fqdn}",
            ),
            ("dns",),
        )
    )
    return steps


def _after_promotion_steps(spec: Spec, target: str) -> list[Step]:
    secret = db_secret_name(spec)
    primary = spec.regions.primary
    rotating = bool(spec.rotation_days)
    steps = _password_check_steps(spec, target) if rotating else []
    steps += [
        Step(
            f"Make the database secret writable in {target} (only if {primary} stays down)",
            f"The replica in {target} is read-only while it replicates from {primary}; its "
            "`host` field still names the old writer's cluster endpoint. Promote the replica "
            "to a standalone secret before rotating or changing the credentials."
            + (
                f" The standalone copy does not rotate: the rotation function and schedule "
                f"stay with {primary}'s secret."
                if rotating
                else ""
            ),
            (
                "aws secretsmanager stop-replication-to-replica "
                f"--region {target} --secret-id {secret}",
            ),
            ("database", "credentials"),
        )
    ]
    return steps + _bucket_steps_after(spec, target)


def _password_check_steps(spec: Spec, target: str) -> list[Step]:
    secret = db_secret_name(spec)
    read_password = (
        f"aws secretsmanager get-secret-value --region {target} --secret-id {secret} "
        "--query SecretString --output text | "
        "python3 -c 'import json, sys; print(json.load(sys.stdin)[\"password\"])'"
    )
    return [
        Step(
            f"Check that the promoted cluster in {target} takes the secret's password",
            f"Secrets Manager rotates the master password every {spec.rotation_days} "
            f"days in {spec.regions.primary}. A rotation that changed the old writer's "
            "password moments before an unplanned failover may not have reached the promoted "
            f"cluster. If the functions in {target} fail to authenticate, set the promoted "
            "cluster's master password to the secret's current value (the second command).",
            (
                f"aws secretsmanager describe-secret --region {target} --secret-id {secret} "
                "--query '{LastRotated: LastRotatedDate, Versions: VersionIdsToStages}'",
                f"aws rds modify-db-cluster --region {target} --db-cluster-identifier "
                f"{db_cluster_identifier(spec, target)} --apply-immediately "
                f'--master-user-password "$({read_password})"',
            ),
            ("database", "rotation_days"),
        )
    ]


def _bucket_steps_after(spec: Spec, target: str) -> list[Step]:
    compiled = spec.reverse_replicated_buckets
    return [
        _check_reverse_replication(spec, b, target)
        if b in compiled
        else _reverse_replication(spec, b, target)
        for b in spec.buckets
        if b.replicated
    ]


def _check_reverse_replication(spec: Spec, bucket: Bucket, target: str) -> Step:
    primary = spec.regions.primary
    source = _account_text(bucket_name(spec, bucket.name, target))
    return Step(
        f"Check that bucket {bucket.name} replicates back to {primary}",
        f"Objects written in {target} after the failover exist only there until they reach "
        f"{primary}. The reverse replication is compiled ({target}'s attach stack writes it); "
        f"its rule {replication_rule(primary)} must be listed and Enabled. While {primary} "
        "is down, S3 keeps those objects PENDING and replicates them when it answers again.",
        (
            f'aws s3api get-bucket-replication --region {target} --bucket "{source}" '
            "--query 'ReplicationConfiguration.Rules[].[ID,Status]'",
        ),
        ("storage", "buckets", bucket.index, "replication"),
    )


def _drain_reverse_replication(spec: Spec, target: str) -> list[Step]:
    """Before failback: what was written in `target` has reached the primary."""
    return [_drain_step(spec, b, target) for b in spec.reverse_replicated_buckets]


def _drain_step(spec: Spec, bucket: Bucket, target: str) -> Step:
    primary = spec.regions.primary
    dimensions = " ".join(
        f"Name={key},Value={_account_text(value)}"
        for key, value in (
            ("SourceBucket", bucket_name(spec, bucket.name, target)),
            ("DestinationBucket", bucket_name(spec, bucket.name, primary)),
            ("RuleId", replication_rule(primary)),
        )
    )
    window = '--start-time "$(date -u -d \'-1 hour\' +%FT%TZ)" --end-time "$(date -u +%FT%TZ)"'
    return Step(
        f"Wait until bucket {bucket.name} has replicated back to {primary}",
        f"Before sending writes back to {primary}: {target}'s pending replication operations "
        "must be down to 0. Objects whose replication FAILED (a permission or KMS problem, "
        "never an unavailable region) are not retried by S3; replicate them with S3 Batch "
        "Replication, whose manifest can select the FAILED ones "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html, "
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html).",
        tuple(
            f"aws cloudwatch get-metric-statistics --region {target} --namespace AWS/S3 "
            f"--metric-name {metric} --dimensions {dimensions} --statistics {statistic} "
            f"--period 300 {window}"
            for metric, statistic in (
                ("OperationsPendingReplication", "Maximum"),
                ("OperationsFailedReplication", "Sum"),
            )
        ),
        ("storage", "buckets", bucket.index, "replication"),
    )


def _account_text(name: str) -> str:
    """A computed name as the runbook's shell text: the account id from $ACCOUNT_ID."""
    return name.replace("${AWS::AccountId}", ACCOUNT)


def _health_check_id_command(spec: Spec) -> str:
    """Find the primary's health check by its Name tag (health checks have no name of their
    own; Route 53 API ListTagsForResources, HealthCheckTags in the template)."""
    name = health_check_name(spec, spec.regions.primary)
    return (
        "HC_ID=$(for id in $(aws route53 list-health-checks --query 'HealthChecks[].Id' "
        "--output text); do aws route53 list-tags-for-resource --resource-type healthcheck "
        f'--resource-id "$id" --query "ResourceTagSet.Tags[?Value==\'{name}\'] && '
        "'$id'\" --output text; done | grep -v None)"
    )


def _queue_steps(spec: Spec) -> list[Step]:
    """Producers outside the service send to a region's queue by URL: after the loss of the
    primary they must be pointed at the failover target's queue (every region has its own
    queue and workers consuming it). With an API, each region's API feeds its own queues."""
    if spec.dns is not None:
        return []
    target = spec.regions.failover_target
    return [
        Step(
            f"Send queue {queue.name}'s producers to {target}",
            f"{target}'s workers already consume their own region's queue; messages still in "
            f"{spec.regions.primary}'s queue wait there until it answers again.",
            (
                f"aws sqs get-queue-url --region {target} "
                f"--queue-name {queue_name(spec, queue.name)}",
            ),
            ("queues", queue.index),
        )
        for queue in spec.queues
    ]


def _dns_failover_steps(spec: Spec) -> list[Step]:
    """No database: the failover is Route 53's alone; a person forces it by inverting the
    primary's health check, which Route 53 then reports unhealthy
    (https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html,
    Inverted)."""
    if spec.dns is None:
        return []
    return [
        Step(
            "See where the name points",
            "Route 53 moves the name by itself once the primary's health check fails; check "
            "which region answers before doing anything.",
            (f"dig +short {spec.dns.fqdn}",),
            ("dns",),
        ),
        Step(
            "Force the failover by hand (only if the primary still looks healthy)",
            "Invert the primary's health check: Route 53 then treats the primary as unhealthy "
            + (
                "and leaves it out of its latency answers."
                if spec.dns.latency
                else "and answers with the next region in the failover chain."
            ),
            (
                _health_check_id_command(spec),
                'aws route53 update-health-check --health-check-id "$HC_ID" --inverted',
            ),
            ("dns", "health_check"),
        ),
    ]


def _dns_failback_steps(spec: Spec) -> list[Step]:
    primary = spec.regions.primary
    steps = (
        []
        if spec.dns is None
        else [
            Step(
                f"Send traffic back to {primary}",
                f"Once {primary}'s API answers /health again, Route 53 returns to it by itself; "
                "if the health check was inverted by hand, turn that off.",
                (
                    _health_check_id_command(spec),
                    'aws route53 update-health-check --health-check-id "$HC_ID" --no-inverted',
                    f"dig +short {spec.dns.fqdn}",
                ),
                ("dns", "health_check"),
            )
        ]
    )
    target = spec.regions.failover_target
    return (
        _drain_reverse_replication(spec, target) + steps + _stop_reverse_replication(spec, target)
    )


def _stop_reverse_replication(spec: Spec, target: str) -> list[Step]:
    """The runbook's own reverse rules go at failback; a compiled one stays for the next
    failover."""
    primary = spec.regions.primary
    steps = []
    for bucket in spec.buckets:
        if bucket.replicated and bucket not in spec.reverse_replicated_buckets:
            name = bucket_name(spec, bucket.name, target).replace("${AWS::AccountId}", ACCOUNT)
            steps.append(
                Step(
                    f"Stop replicating bucket {bucket.name} back from {target}",
                    f"{primary} writes again and replicates to {target}; the reverse rule "
                    "would now copy nothing but must not outlive the failover.",
                    (f'aws s3api delete-bucket-replication --region {target} --bucket "{name}"',),
                    ("storage", "buckets", bucket.index, "replication"),
                )
            )
    return steps


def _reverse_replication(spec: Spec, bucket: Bucket, target: str) -> Step:
    primary = spec.regions.primary
    source = bucket_name(spec, bucket.name, target).replace("${AWS::AccountId}", ACCOUNT)
    destination_bucket = bucket_name(spec, bucket.name, primary).replace(
        "${AWS::AccountId}", ACCOUNT
    )
    role = physical_name(spec, "replication", region=target)
    destination: dict[str, object] = {
        "Bucket": f"arn:aws:s3:::{destination_bucket}",
        "EncryptionConfiguration": {
            "ReplicaKmsKeyID": f"arn:aws:kms:{primary}:{ACCOUNT}:alias/"
            + physical_name(spec, primary)
        },
        "Metrics": {"Status": "Enabled"},
    }
    if bucket.rtc:
        # The same RTC settings as the compiled primary-to-secondary rule.
        minutes = {"Minutes": RTC_MINUTES}
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": minutes}
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": minutes}
    rule = {
        "ID": f"replicate-back-to-{primary}",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        "Destination": destination,
    }
    configuration = {"Role": f"arn:aws:iam::{ACCOUNT}:role/{role}", "Rules": [rule]}
    return Step(
        f"Replicate bucket {bucket.name} back to {primary} once it answers again",
        f"Objects written in {target} after the failover exist only there. The role "
        f"{role} is compiled; the configuration waits for the destination bucket.",
        (
            f'aws s3api put-bucket-replication --region {target} --bucket "{source}" '
            '--replication-configuration "$(cat <<EOF',
            json.dumps(configuration, indent=2),
            "EOF",
            ')"',
        ),
        ("storage", "buckets", bucket.index, "replication"),
    )


def _failback_steps(spec: Spec, target: str) -> list[Step]:
    primary = spec.regions.primary
    global_id = global_cluster_identifier(spec)
    secret = db_secret_name(spec)
    check = (
        f"aws rds describe-global-clusters --region {primary} "
        f"--global-cluster-identifier {global_id}"
    )
    if spec.failover.region_switch:
        switch_back = Step(
            f"Activate {primary} again with the Region switch plan",
            f"Wait until the {primary} cluster is listed as a member (not the writer) of the "
            "global cluster and its replication lag alarm is OK; the plan's workflow toward "
            f"{primary} switches the writer back (graceful: no data loss) and updates DNS.",
            (
                check,
                _plan_arn_command(spec, primary),
                f"aws arc-region-switch start-plan-execution --region {primary} "
                f'--plan-arn "$PLAN_ARN" --target-region {primary} --action activate '
                "--mode graceful --comment 'failback'",
            ),
            ("failover", "orchestrator"),
        )
    else:
        switch_back = Step(
            f"Switch the writer back to {primary}",
            f"Wait until the {primary} cluster is listed as a member (not the writer) of the "
            "global cluster and its replication lag alarm is OK; a switchover loses no data.",
            (
                check,
                f"aws rds switchover-global-cluster --region {primary} "
                f"--global-cluster-identifier {global_id} "
                f"--target-db-cluster-identifier {_cluster_arn(spec, primary)}",
            ),
            ("regions", "primary"),
        )
    steps = [
        switch_back,
        Step(
            f"Replicate the database secret from {primary} again",
            f"Only if step 'Make the database secret writable' was run: {primary}'s secret is "
            f"the primary copy again; overwrite the standalone copy in {target}.",
            (
                f"aws secretsmanager replicate-secret-to-regions --region {primary} "
                f"--secret-id {secret} --add-replica-regions "
                f"Region={target},KmsKeyId=alias/{physical_name(spec, target)} "
                "--force-overwrite-replica-secret",
            ),
            ("database", "credentials"),
        ),
    ]
    if spec.rotation_days:
        steps.append(
            Step(
                f"Rotate the database secret in {primary} now",
                "Rotation may have failed while the writer was elsewhere (the rotation "
                f"function reaches the database through {primary}'s cluster endpoint), and a "
                "failed attempt leaves the current password in place; one rotation now "
                "proves the path and restarts the "
                f"{spec.rotation_days}-day interval (PCI DSS 8.3.9).",
                (f"aws secretsmanager rotate-secret --region {primary} --secret-id {secret}",),
                ("database", "rotation_days"),
            )
        )
    return (
        _drain_reverse_replication(spec, target) + steps + _stop_reverse_replication(spec, target)
    )
