"""Fulfils orders from the SQS queue (event source mapping with ReportBatchItemFailures).

SQS delivers at least once, so fulfilment is a conditional update: ACCEPTED becomes FULFILLED
exactly once; a redelivered message for a FULFILLED order is a successful no-op. A message
that cannot be processed is reported in `batchItemFailures`, so only it is retried and, after
max_receive_count, lands in the DLQ.

Environment: TABLE_ORDERS, AWS_REGION (set by Lambda).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3})


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str) -> Any:
    """One client per service, reused across warm invocations."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=AWS_CONFIG)


def main(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            order_id = json.loads(record.get("body", ""))["order_id"]
            outcome = fulfil(str(order_id))
            log("INFO", "message processed", message_id=message_id, outcome=outcome)
        except (ValueError, KeyError, TypeError, BotoCoreError, ClientError) as exc:
            log("ERROR", "message failed", message_id=message_id, error=str(exc))
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def fulfil(order_id: str) -> str:
    try:
        client("dynamodb").update_item(
            TableName=os.environ["TABLE_ORDERS"],
            Key={"order_id": {"S": order_id}},
            UpdateExpression="SET #s = :fulfilled",
            ConditionExpression="#s = :accepted",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":fulfilled": {"S": "FULFILLED"},
                ":accepted": {"S": "ACCEPTED"},
            },
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return "already-fulfilled"
        raise
    return "fulfilled"
