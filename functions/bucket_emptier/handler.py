"""The compiler's CloudFormation custom resources on its buckets; two entry points.

`main`, the bucket emptier: CloudFormation cannot delete a non-empty bucket, so with
force_destroy every bucket gets one of these. On Delete it removes every object version and
delete marker; Create and Update only check their input. Resource properties: BucketName.

`replication`, the reverse replication of a production secondary's bucket back to the
primary's (PutBucketReplication on Create and Update, DeleteBucketReplication on Delete).
S3 refuses a replication configuration whose destination bucket does not exist yet
("The destination bucket must have versioning enabled", PutBucketReplication example,
https://docs.aws.amazon.com/AmazonS3/latest/API/example_s3_PutBucketReplication_section.html),
and the primary's bucket deploys after the secondary's, so a Bucket property cannot carry
it: the secondary's attach stack, which deploys after the primary, does. Resource
properties: see `replication_request`.

Both share one package so the response code below exists once. A custom resource that
never answers leaves the stack waiting for an hour, so every entry point ALWAYS answers the
ResponseURL: on success, on any exception, and — through a timer armed from the remaining
invocation time — a few seconds before the Lambda timeout.

Environment: AWS_REGION (set by Lambda).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

AWS_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 5})
# Answer FAILED this long before the Lambda timeout, leaving time for the PUT itself.
DEADLINE_MARGIN_SECONDS = 5.0
DELETE_BATCH = 1000  # the DeleteObjects limit
RESPONSE_ATTEMPTS = 3
RESPONSE_TIMEOUT_SECONDS = 5.0
MAX_REASON = 1024  # the whole response body must stay under CloudFormation's 4 KiB
MISSING_BUCKET_CODES = ("NoSuchBucket", "404")
# Deleting a configuration that is already gone (or whose bucket is) is done: a stack
# deletion after the bucket went, or a retried Delete, must still succeed.
NO_REPLICATION_CODES = (*MISSING_BUCKET_CODES, "ReplicationConfigurationNotFoundError")
ENABLED = {"Status": "Enabled"}


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str) -> Any:
    """One client per service, reused across warm invocations."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=AWS_CONFIG)


class Responder:
    """Sends the one response CloudFormation expects; whoever sends first wins.

    The main thread and the deadline timer may race: the lock is held across the PUT, so
    the loser sees `sent` and does nothing.
    """

    def __init__(self, event: dict[str, Any], physical_resource_id: str) -> None:
        self.event = event
        self.physical_resource_id = physical_resource_id
        self.sent = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def arm(self, remaining_seconds: float, reason: str) -> None:
        """Answer FAILED with `reason` shortly before the invocation runs out of time."""
        delay = max(0.0, remaining_seconds - DEADLINE_MARGIN_SECONDS)
        self._timer = threading.Timer(delay, self.send, args=("FAILED", reason))
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def send(self, status: str, reason: str, data: dict[str, Any] | None = None) -> bool:
        """PUT the response unless one was already sent. True if this call sent it."""
        with self._lock:
            if self.sent:
                return False
            self.sent = True
            body = json.dumps(
                {
                    "Status": status,
                    "Reason": reason[:MAX_REASON],
                    "PhysicalResourceId": self.physical_resource_id,
                    "StackId": self.event.get("StackId", ""),
                    "RequestId": self.event.get("RequestId", ""),
                    "LogicalResourceId": self.event.get("LogicalResourceId", ""),
                    "Data": data or {},
                }
            ).encode()
            put_response(str(self.event.get("ResponseURL", "")), body)
            log("INFO", "responded", status=status, reason=reason)
            return True


def put_response(url: str, body: bytes) -> None:
    """PUT to the presigned URL; the empty Content-Type is part of what S3 signed."""
    for attempt in range(1, RESPONSE_ATTEMPTS + 1):
        request = urllib.request.Request(
            url,
            data=body,
            method="PUT",
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        try:
            with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_SECONDS) as response:
                log("INFO", "response delivered", http_status=response.status, attempt=attempt)
                return
        except (OSError, ValueError) as exc:
            log("ERROR", "response PUT failed", attempt=attempt, error=repr(exc))
            if attempt < RESPONSE_ATTEMPTS:
                time.sleep(attempt)


def main(event: dict[str, Any], context: Any) -> None:
    """The bucket emptier."""
    bucket = (event.get("ResourceProperties") or {}).get("BucketName")
    # Update and Delete must echo the id CloudFormation has; a new id on Update would make
    # CloudFormation delete (empty!) the "old" resource.
    physical_id = event.get("PhysicalResourceId") or (
        bucket if isinstance(bucket, str) and bucket else context.log_stream_name
    )
    answer(
        event,
        context,
        physical_id,
        f"timed out emptying bucket {bucket}",
        lambda: handle(str(event.get("RequestType", "")), bucket),
    )


def replication(event: dict[str, Any], context: Any) -> None:
    """The reverse replication of one bucket. Create and Update answer with the bucket's
    name as physical id, so an Update naming another bucket makes CloudFormation Delete the
    old bucket's configuration; Delete echoes the id CloudFormation has."""
    request_type = str(event.get("RequestType", ""))
    properties = event.get("ResourceProperties") or {}
    bucket = properties.get("BucketName")
    named = bucket if isinstance(bucket, str) and bucket else None
    if request_type == "Delete":
        physical_id = event.get("PhysicalResourceId") or named or context.log_stream_name
    else:
        physical_id = named or context.log_stream_name
    answer(
        event,
        context,
        physical_id,
        f"timed out configuring the replication of bucket {bucket}",
        lambda: handle_replication(request_type, properties),
    )


def answer(
    event: dict[str, Any],
    context: Any,
    physical_id: str,
    timeout_reason: str,
    work: Callable[[], tuple[str, dict[str, Any]]],
) -> None:
    """Run `work` and send CloudFormation its outcome, whatever happens."""
    # The presigned ResponseURL is a credential for answering this request: keep it out of logs.
    log("INFO", "request", event={k: v for k, v in event.items() if k != "ResponseURL"})
    responder = Responder(event, physical_id)
    responder.arm(
        context.get_remaining_time_in_millis() / 1000.0,
        f"{timeout_reason}; see log stream {context.log_stream_name}",
    )
    try:
        reason, data = work()
        responder.send("SUCCESS", reason, data)
    except Exception as exc:
        # Deliberately broad: any failure must reach CloudFormation as FAILED. Not re-raised,
        # because Lambda's async retry would answer the same request a second time.
        log("ERROR", "request failed", error=repr(exc))
        responder.send("FAILED", f"{exc!r}; see log stream {context.log_stream_name}")
    finally:
        responder.cancel()


def handle(request_type: str, bucket: Any) -> tuple[str, dict[str, Any]]:
    """(reason, data) on success; raises on failure."""
    if request_type in ("Create", "Update"):
        if not isinstance(bucket, str) or not bucket:
            raise ValueError("ResourceProperties.BucketName is required")
        return f"bucket {bucket} will be emptied on delete", {}
    if request_type != "Delete":
        raise ValueError(f"unknown RequestType {request_type!r}")
    if not isinstance(bucket, str) or not bucket:
        # Only a failed Create leaves no name; failing here would block its rollback.
        return "no bucket name, nothing to empty", {}
    try:
        deleted = empty_bucket(bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in MISSING_BUCKET_CODES:
            return f"bucket {bucket} does not exist", {"Deleted": 0}
        raise
    return f"deleted {deleted} object versions and delete markers from {bucket}", {
        "Deleted": deleted
    }


def empty_bucket(bucket: str) -> int:
    """Delete every object version and delete marker; the number deleted."""
    s3 = client("s3")
    deleted = 0
    for batch in version_batches(s3, bucket):
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        errors = response.get("Errors", [])
        if errors:
            sample = [f"{e.get('Key')}@{e.get('VersionId')}: {e.get('Code')}" for e in errors[:3]]
            raise RuntimeError(f"{len(errors)} objects in {bucket} not deleted: {sample}")
        deleted += len(batch)
        log("INFO", "deleted batch", bucket=bucket, count=len(batch), total=deleted)
    return deleted


def version_batches(s3: Any, bucket: str) -> Iterator[list[dict[str, str]]]:
    """Batches of ≤1000 {Key, VersionId} covering versions and delete markers.

    Deleting what a page listed does not disturb the next page: the paginator continues
    from key and version-id markers, not from an offset.
    """
    batch: list[dict[str, str]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            batch.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
            if len(batch) == DELETE_BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def handle_replication(request_type: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(reason, data) on success; raises on failure."""
    if request_type in ("Create", "Update"):
        request = replication_request(properties)
        # A full replace of the bucket's configuration: a retry or an update is idempotent.
        client("s3").put_bucket_replication(**request)
        destination = request["ReplicationConfiguration"]["Rules"][0]["Destination"]["Bucket"]
        return f"bucket {request['Bucket']} replicates to {destination}", {}
    if request_type != "Delete":
        raise ValueError(f"unknown RequestType {request_type!r}")
    bucket = properties.get("BucketName")
    if not isinstance(bucket, str) or not bucket:
        # Only a failed Create leaves no name; failing here would block its rollback.
        return "no bucket name, no replication to remove", {}
    try:
        client("s3").delete_bucket_replication(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NO_REPLICATION_CODES:
            return f"bucket {bucket} has no replication configuration", {}
        raise
    return f"removed the replication configuration of bucket {bucket}", {}


def replication_request(properties: dict[str, Any]) -> dict[str, Any]:
    """The PutBucketReplication arguments of the resource properties: BucketName (the
    source), Role (the replication role's ARN), DestinationBucket (ARN), ReplicaKmsKeyId
    (the destination region's key) and RuleId, all required; ReplicationTimeMinutes for
    Replication Time Control. CloudFormation passes every property value as a string.

    The rule is the forward rule's mirror: every object, delete markers, SSE-KMS objects
    re-encrypted with the destination's key, metrics, and replica modification sync so
    metadata changes made to either copy reach the other (it must be on in both
    directions: https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-for-metadata-changes.html).
    """
    names = ("BucketName", "Role", "DestinationBucket", "ReplicaKmsKeyId", "RuleId")
    missing = [n for n in names if not isinstance(properties.get(n), str) or not properties[n]]
    if missing:
        raise ValueError(f"ResourceProperties {', '.join(missing)} required")
    destination: dict[str, Any] = {
        "Bucket": properties["DestinationBucket"],
        "EncryptionConfiguration": {"ReplicaKmsKeyID": properties["ReplicaKmsKeyId"]},
        "Metrics": ENABLED,
    }
    minutes = properties.get("ReplicationTimeMinutes")
    if minutes is not None:
        threshold = {"Minutes": int(minutes)}
        destination["ReplicationTime"] = {**ENABLED, "Time": threshold}
        destination["Metrics"] = {**ENABLED, "EventThreshold": threshold}
    rule = {
        "ID": properties["RuleId"],
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": ENABLED,
        "SourceSelectionCriteria": {
            "SseKmsEncryptedObjects": ENABLED,
            "ReplicaModifications": ENABLED,
        },
        "Destination": destination,
    }
    return {
        "Bucket": properties["BucketName"],
        "ReplicationConfiguration": {"Role": properties["Role"], "Rules": [rule]},
    }
