"""The orders API behind the ALB: GET /health and POST /orders.

POST /orders stores the order in the orders global table (multi-Region strong consistency, so
a write acknowledged here is in every region before the reply) with a conditional put keyed
by the client's order id, so a retried request never creates a second order, then queues it
for fulfilment. GET /health answers 200 only when this region's table answers, which is what
the Route 53 health check of this region's load balancer reads.

Environment: TABLE_ORDERS, QUEUE_FULFILMENT_URL, AWS_REGION (set by Lambda), and from the
spec's `environment`, MAX_QUANTITY (the most items of one order; 1000 when unset).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3})
ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
SKU = re.compile(r"^[A-Z0-9-]{1,64}$")
DEFAULT_MAX_QUANTITY = 1000


def max_quantity() -> int:
    """The spec's limit (functions[].environment.MAX_QUANTITY), else the default."""
    return int(os.environ.get("MAX_QUANTITY", DEFAULT_MAX_QUANTITY))


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str) -> Any:
    """One client per service, reused across warm invocations."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=AWS_CONFIG)


def respond(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method, path = event.get("httpMethod", ""), event.get("path", "")
    if (method, path) == ("GET", "/health"):
        return health()
    if (method, path) == ("POST", "/orders"):
        return create_order(event.get("body") or "")
    return respond(404, {"error": f"no route {method} {path}"})


def health() -> dict[str, Any]:
    try:
        client("dynamodb").describe_table(TableName=os.environ["TABLE_ORDERS"])
    except (BotoCoreError, ClientError) as exc:
        log("ERROR", "health: table unreachable", error=str(exc))
        return respond(503, {"status": "unhealthy", "region": os.environ["AWS_REGION"]})
    return respond(200, {"status": "ok", "region": os.environ["AWS_REGION"]})


def parse_order(body: str) -> dict[str, Any] | str:
    """The order in a request body, or what is wrong with it."""
    try:
        order = json.loads(body)
    except ValueError:
        return "body is not JSON"
    if not isinstance(order, dict):
        return "body is not a JSON object"
    quantity = order.get("quantity")
    if not isinstance(order.get("order_id"), str) or not ORDER_ID.match(order["order_id"]):
        return "order_id: 1-128 letters, digits, '-' or '_'"
    if not isinstance(order.get("sku"), str) or not SKU.match(order["sku"]):
        return "sku: 1-64 upper-case letters, digits or '-'"
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return "quantity: an integer"
    limit = max_quantity()
    if not 1 <= quantity <= limit:
        return f"quantity: 1 to {limit}"
    return {"order_id": order["order_id"], "sku": order["sku"], "quantity": quantity}


def create_order(body: str) -> dict[str, Any]:
    order = parse_order(body)
    if isinstance(order, str):
        return respond(400, {"error": order})
    try:
        client("dynamodb").put_item(
            TableName=os.environ["TABLE_ORDERS"],
            Item={
                "order_id": {"S": order["order_id"]},
                "sku": {"S": order["sku"]},
                "quantity": {"N": str(order["quantity"])},
                "status": {"S": "ACCEPTED"},
                "region": {"S": os.environ["AWS_REGION"]},
            },
            ConditionExpression="attribute_not_exists(order_id)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return respond(200, {"order_id": order["order_id"], "status": "duplicate"})
        log("ERROR", "order not stored", error=str(exc), order_id=order["order_id"])
        return respond(503, {"error": "order store unavailable"})
    except BotoCoreError as exc:
        log("ERROR", "order not stored", error=str(exc), order_id=order["order_id"])
        return respond(503, {"error": "order store unavailable"})
    # Queued after the put: a lost send leaves an ACCEPTED order the worker can be re-driven to.
    # The queue is FIFO: one message group per order keeps its messages in order, and the
    # order id as deduplication id drops a retried send within SQS's five-minute window.
    client("sqs").send_message(
        QueueUrl=os.environ["QUEUE_FULFILMENT_URL"],
        MessageBody=json.dumps(order),
        MessageGroupId=order["order_id"],
        MessageDeduplicationId=order["order_id"],
    )
    log("INFO", "order accepted", **order)
    return respond(201, {"order_id": order["order_id"], "status": "accepted"})
