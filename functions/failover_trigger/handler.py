"""Promotes this region's Aurora cluster to be the writer of the global cluster.

Invoked two ways:
    * by SNS with a CloudWatch alarm notification; only NewStateValue == "ALARM" acts;
    * by hand: {"event_id": "...", "allow_data_loss": bool, "reason": "..."}.

Every event id is claimed in TABLE_FAILOVER_EVENTS with a conditional put before anything else, so
an SNS redelivery or a double-clicked manual run never promotes twice.

One outage reaches this function from two sources: the Route53 health-check alarm in us-east-1
and this region's own trigger alarm (the health monitor's probe of the primary API). Their
event ids differ, so before promoting, the function also claims the promotion itself, keyed
by the global cluster and the writer it moves away from ("promotion:<global>:<writer>"): the
second source finds the claim and stands down. A promotion that AWS refuses releases its
claim so the next trigger (or a person) can try again; a started one keeps it, and the next
outage has a new writer, hence a new key. Both sources invoke the function of the same region,
where the table's conditional put is atomic.

With several secondaries, each has its own trigger path; a secondary defers while a region
ahead of it in line (FAILOVER_AHEAD, the secondaries listed before it) has an available cluster,
so only one of them promotes and the DNS SECONDARY record (the first secondary) stays right.

Decision:
    writer is already DB_CLUSTER_ARN        -> already-primary, nothing to do
    a region ahead in line is available         -> deferred, that region takes over
    current writer cluster is 'available'       -> switchover (managed, no data loss)
    writer unreachable and data loss allowed    -> failover with AllowDataLoss=True
    otherwise                                   -> refused; a person decides
Data loss is allowed by the manual caller's `allow_data_loss`, or for alarms only when the
environment says ALLOW_DATA_LOSS=true: an alarm alone must never discard committed writes.

Environment: GLOBAL_CLUSTER_ID, DB_CLUSTER_ARN, ALERT_TOPIC_ARN, TABLE_FAILOVER_EVENTS,
ALLOW_DATA_LOSS (optional, default false), FAILOVER_AHEAD (optional, comma-separated regions),
AWS_REGION (set by Lambda).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

AWS_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3})
# Probing a region that may be down: answer fast instead of retrying into the timeout.
PROBE_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 1})
TRANSITIONAL_STATUSES = ("failing-over", "switching-over")
MAX_EVENT_ID = 256
SUBJECT_LIMIT = 100  # SNS rejects longer subjects


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str, region: str | None = None, probe: bool = False) -> Any:
    """One client per (service, region), reused across warm invocations."""
    return boto3.client(
        service,
        region_name=region or os.environ["AWS_REGION"],
        config=PROBE_CONFIG if probe else AWS_CONFIG,
    )


@dataclass(frozen=True)
class Request:
    event_id: str
    allow_data_loss: bool
    reason: str
    source: str  # "alarm" or "manual"


@dataclass(frozen=True)
class Outcome:
    status: str  # started | already-primary | deferred | refused | in-progress | failed | error
    action: str  # switchover | failover | none
    detail: str


class InvalidRequest(Exception):
    """The event is neither an alarm notification nor a well-formed manual request."""


def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = parse_event(event)
    except InvalidRequest as exc:
        log("ERROR", "invalid request", error=str(exc))
        return {"status": "invalid", "action": "none", "detail": str(exc)}
    if request is None:
        return {"status": "ignored", "action": "none"}
    log("INFO", "failover requested", **asdict(request))
    if not claim_event(request):
        log("INFO", "duplicate event", event_id=request.event_id)
        return {"status": "duplicate", "action": "none", "event_id": request.event_id}
    outcome = decide_and_act(request)
    record_outcome(request, outcome)
    notify(request, outcome)
    return {"event_id": request.event_id, **asdict(outcome)}


# --- the request ------------------------------------------------------------------------


def parse_event(event: dict[str, Any]) -> Request | None:
    """The request, or None for an alarm notification that is not a transition to ALARM."""
    records = event.get("Records")
    if records:
        # SNS invokes Lambda with exactly one record per notification.
        return parse_alarm(records[0])
    return parse_manual(event)


def parse_alarm(record: dict[str, Any]) -> Request | None:
    sns = record.get("Sns") or {}
    try:
        alarm = json.loads(sns.get("Message", ""))
    except ValueError as exc:
        raise InvalidRequest(f"SNS message is not an alarm JSON: {exc}") from exc
    if not isinstance(alarm, dict):
        raise InvalidRequest("SNS message is not an alarm JSON object")
    if alarm.get("NewStateValue") != "ALARM":
        log("INFO", "alarm state ignored", state=alarm.get("NewStateValue"))
        return None
    name = str(alarm.get("AlarmName", ""))
    changed = str(alarm.get("StateChangeTime", ""))
    # One id per alarm transition: the same transition published twice (or redelivered by
    # SNS with a new MessageId) is still one event.
    event_id = f"alarm:{name}:{changed}" if name and changed else f"sns:{sns.get('MessageId')}"
    return Request(
        event_id=event_id[:MAX_EVENT_ID],
        allow_data_loss=os.environ.get("ALLOW_DATA_LOSS", "false").strip().lower() == "true",
        reason=f"alarm {name}: {alarm.get('NewStateReason', '')}",
        source="alarm",
    )


def parse_manual(event: dict[str, Any]) -> Request:
    event_id = event.get("event_id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_EVENT_ID:
        raise InvalidRequest(f"event_id must be a string of 1-{MAX_EVENT_ID} characters")
    allow_data_loss = event.get("allow_data_loss", False)
    # A strict bool: the string "false" is truthy, and this flag discards committed writes.
    if not isinstance(allow_data_loss, bool):
        raise InvalidRequest("allow_data_loss must be true or false")
    reason = event.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRequest("reason is required for a manual failover")
    return Request(event_id, allow_data_loss, reason.strip(), "manual")


# --- idempotency and records ------------------------------------------------------------


def claim_event(request: Request) -> bool:
    """True if this invocation owns the event; False if it was seen before.

    Any other error propagates: acting without the claim could promote twice.
    """
    return _put_once(
        {
            "event_id": {"S": request.event_id},
            "status": {"S": "IN_PROGRESS"},
            "source": {"S": request.source},
            "reason": {"S": request.reason},
            "allow_data_loss": {"BOOL": request.allow_data_loss},
        }
    )


def _put_once(item: dict[str, Any]) -> bool:
    """Write `item` (stamped with the time and this region) unless its event_id exists:
    True if written, False if another invocation wrote it first."""
    try:
        client("dynamodb").put_item(
            TableName=os.environ["TABLE_FAILOVER_EVENTS"],
            Item={**item, "received_at": {"S": now()}, "region": {"S": os.environ["AWS_REGION"]}},
            ConditionExpression="attribute_not_exists(event_id)",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def promotion_key(global_cluster_id: str, writer: str | None) -> str:
    """One promotion per writer generation, whichever source asks for it."""
    return f"promotion:{global_cluster_id}:{writer or 'none'}"[:MAX_EVENT_ID]


def claim_promotion(key: str, request: Request) -> bool:
    """True if this invocation may promote; False if another source already claimed it."""
    return _put_once(
        {
            "event_id": {"S": key},
            "status": {"S": "PROMOTING"},
            "claimed_by": {"S": request.event_id},
        }
    )


def release_promotion(key: str) -> None:
    """After a refused promotion call: let the next trigger try again."""
    try:
        client("dynamodb").delete_item(
            TableName=os.environ["TABLE_FAILOVER_EVENTS"], Key={"event_id": {"S": key}}
        )
    except (ClientError, BotoCoreError) as exc:
        log("ERROR", "could not release the promotion claim", key=key, error=str(exc))


def record_outcome(request: Request, outcome: Outcome) -> None:
    try:
        client("dynamodb").update_item(
            TableName=os.environ["TABLE_FAILOVER_EVENTS"],
            Key={"event_id": {"S": request.event_id}},
            UpdateExpression="SET #status = :status, #action = :action, detail = :detail,"
            " finished_at = :finished",
            ExpressionAttributeNames={"#status": "status", "#action": "action"},
            ExpressionAttributeValues={
                ":status": {"S": outcome.status},
                ":action": {"S": outcome.action},
                ":detail": {"S": outcome.detail},
                ":finished": {"S": now()},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        # The RDS call already happened; the notification below still reports it.
        log("ERROR", "could not record outcome", error=str(exc), **asdict(outcome))


def notify(request: Request, outcome: Outcome) -> None:
    subject = f"[DR] {os.environ['AWS_REGION']} failover {outcome.status} ({outcome.action})"
    message = {
        "event_id": request.event_id,
        "source": request.source,
        "reason": request.reason,
        "allow_data_loss": request.allow_data_loss,
        "region": os.environ["AWS_REGION"],
        "global_cluster": os.environ["GLOBAL_CLUSTER_ID"],
        "target_cluster": os.environ["DB_CLUSTER_ARN"],
        **asdict(outcome),
    }
    try:
        client("sns").publish(
            TopicArn=os.environ["ALERT_TOPIC_ARN"],
            Subject=subject[:SUBJECT_LIMIT],
            Message=json.dumps(message, indent=2, sort_keys=True),
        )
    except (ClientError, BotoCoreError) as exc:
        log("ERROR", "could not publish notification", error=str(exc))


def now() -> str:
    return datetime.now(UTC).isoformat()


# --- the decision -----------------------------------------------------------------------


def decide_and_act(request: Request) -> Outcome:
    global_cluster_id = os.environ["GLOBAL_CLUSTER_ID"]
    target = os.environ["DB_CLUSTER_ARN"]
    try:
        cluster = describe_global_cluster(global_cluster_id)
    except (ClientError, BotoCoreError, LookupError) as exc:
        log("ERROR", "cannot describe global cluster", error=str(exc))
        return Outcome("error", "none", f"cannot describe global cluster: {exc}")
    members = [m["DBClusterArn"] for m in cluster.get("GlobalClusterMembers", [])]
    writer = current_writer(cluster)
    outcome = choose_action(
        writer=writer,
        target=target,
        members=members,
        cluster_status=str(cluster.get("Status", "")),
        writer_available=writer is not None and cluster_available(writer),
        allow_data_loss=request.allow_data_loss,
        ahead_available=available_ahead(members, writer, target),
    )
    log("INFO", "decision", writer=writer, target=target, **asdict(outcome))
    if outcome.status != "started":
        return outcome
    key = promotion_key(global_cluster_id, writer)
    if not claim_promotion(key, request):
        return Outcome(
            "in-progress", "none", f"another trigger already promotes away from {writer}"
        )
    result = promote(global_cluster_id, target, outcome)
    if result.status == "failed":
        release_promotion(key)
    return result


def available_ahead(members: list[str], writer: str | None, target: str) -> list[str]:
    """Member clusters in the regions ahead of this one in line that report 'available'."""
    ahead = {r.strip() for r in os.environ.get("FAILOVER_AHEAD", "").split(",") if r.strip()}
    candidates = [m for m in members if m not in (writer, target) and cluster_region(m) in ahead]
    return [m for m in candidates if cluster_available(m)]


def cluster_region(cluster_arn: str) -> str:
    parts = cluster_arn.split(":")
    return parts[3] if len(parts) >= 7 else ""


def choose_action(
    *,
    writer: str | None,
    target: str,
    members: list[str],
    cluster_status: str,
    writer_available: bool,
    allow_data_loss: bool,
    ahead_available: list[str] | None = None,
) -> Outcome:
    """The pure decision, separated from the AWS calls so every branch is easy to test."""
    if writer == target:
        return Outcome("already-primary", "none", f"{target} is already the writer")
    if target not in members:
        return Outcome("refused", "none", f"{target} is not a member of the global cluster")
    if cluster_status in TRANSITIONAL_STATUSES:
        return Outcome("in-progress", "none", f"global cluster is {cluster_status}")
    if ahead_available:
        return Outcome("deferred", "none", f"{ahead_available[0]} is ahead in line and available")
    if writer_available:
        return Outcome("started", "switchover", f"switchover from {writer} to {target}")
    if allow_data_loss:
        return Outcome(
            "started", "failover", f"failover from unavailable {writer} to {target}, data loss"
        )
    return Outcome(
        "refused",
        "none",
        f"writer {writer} is unavailable and data loss is not allowed; "
        "re-run by hand with allow_data_loss=true to fail over",
    )


def describe_global_cluster(global_cluster_id: str) -> dict[str, Any]:
    clusters = client("rds").describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)
    # Match the identifier instead of trusting the filter (moto, for one, ignores it):
    # promoting inside the wrong global cluster is not a mistake to risk.
    for cluster in clusters.get("GlobalClusters", []):
        if str(cluster.get("GlobalClusterIdentifier", "")).lower() == global_cluster_id.lower():
            return cluster
    raise LookupError(f"global cluster {global_cluster_id} not found")


def current_writer(cluster: dict[str, Any]) -> str | None:
    for member in cluster.get("GlobalClusterMembers", []):
        if member.get("IsWriter"):
            return str(member["DBClusterArn"])
    return None


def cluster_available(cluster_arn: str) -> bool:
    """Whether the cluster's own region reports it 'available'; unreachable means no."""
    region = cluster_region(cluster_arn)
    if not region:
        log("WARNING", "writer is not a cluster ARN", cluster=cluster_arn)
        return False
    try:
        clusters = client("rds", region, probe=True).describe_db_clusters(
            DBClusterIdentifier=cluster_arn
        )["DBClusters"]
    except (ClientError, BotoCoreError) as exc:
        log("WARNING", "writer cluster unreachable", cluster=cluster_arn, error=str(exc))
        return False
    status = clusters[0].get("Status") if clusters else None
    log("INFO", "writer cluster status", cluster=cluster_arn, status=status)
    return status == "available"


def promote(global_cluster_id: str, target: str, decision: Outcome) -> Outcome:
    rds = client("rds")
    try:
        if decision.action == "switchover":
            rds.switchover_global_cluster(
                GlobalClusterIdentifier=global_cluster_id, TargetDbClusterIdentifier=target
            )
        else:
            rds.failover_global_cluster(
                GlobalClusterIdentifier=global_cluster_id,
                TargetDbClusterIdentifier=target,
                AllowDataLoss=True,
            )
    except Exception as exc:
        # Deliberately broad: whatever went wrong must still be recorded and announced to
        # the on-call, and a retry of this event would be a duplicate anyway.
        log("ERROR", "promotion failed", action=decision.action, error=repr(exc))
        return Outcome("failed", decision.action, f"{decision.action} failed: {exc!r}")
    return decision
