"""Books payments from the SQS queue (event source mapping with ReportBatchItemFailures).

SQS delivers at least once, so booking is a conditional update: PENDING (or a record not yet
replicated to this region) becomes BOOKED exactly once; a redelivered message for a BOOKED
payment is a successful no-op. A message that cannot be booked is reported in
`batchItemFailures`, so only it is retried and, after max_receive_count, lands in the DLQ.

Environment: TABLE_TRANSACTIONS, AWS_REGION (set by Lambda).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3})
TRANSACTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
AMOUNT_TEXT = re.compile(r"^[0-9]+\.[0-9]{2}$")


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str) -> Any:
    """One client per service, reused across warm invocations."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=AWS_CONFIG)


class MessageError(Exception):
    """This message cannot be booked now; SQS should redeliver it (and finally dead-letter)."""


def main(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            payment = parse_message(record.get("body", ""))
            outcome = book(payment)
            log("INFO", "message processed", message_id=message_id, outcome=outcome, **payment)
        except MessageError as exc:
            log("ERROR", "message failed", message_id=message_id, error=str(exc))
            failures.append({"itemIdentifier": message_id})
    log("INFO", "batch done", records=len(event.get("Records", [])), failures=len(failures))
    return {"batchItemFailures": failures}


def parse_message(body: str) -> dict[str, str]:
    """The payment from a message body, as written by the payment API."""
    try:
        payment = json.loads(body)
    except ValueError as exc:
        raise MessageError(f"body is not JSON: {exc}") from exc
    if not isinstance(payment, dict):
        raise MessageError("body is not a JSON object")
    problems = [name for name, ok in _field_checks(payment).items() if not ok]
    if problems:
        raise MessageError(f"invalid fields: {', '.join(problems)}")
    return {name: payment[name] for name in ("transaction_id", "amount", "currency", "merchant_id")}


def _field_checks(payment: dict[str, Any]) -> dict[str, bool]:
    def matches(name: str, pattern: re.Pattern[str]) -> bool:
        value = payment.get(name)
        return isinstance(value, str) and pattern.fullmatch(value) is not None

    merchant_id = payment.get("merchant_id")
    return {
        "transaction_id": matches("transaction_id", TRANSACTION_ID),
        "amount": matches("amount", AMOUNT_TEXT) and _positive(payment["amount"]),
        "currency": matches("currency", CURRENCY),
        "merchant_id": isinstance(merchant_id, str) and 0 < len(merchant_id) <= 128,
    }


def _positive(amount: str) -> bool:
    try:
        return Decimal(amount) > 0
    except InvalidOperation:
        return False


def book(payment: dict[str, str]) -> str:
    """'booked' or 'already-booked'; raises MessageError when the booking must be retried."""
    try:
        client("dynamodb").update_item(**_booking_update(payment))
        return "booked"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise MessageError(f"update failed: {exc}") from exc
        status = exc.response.get("Item", {}).get("status", {}).get("S")
    except BotoCoreError as exc:
        raise MessageError(f"update failed: {exc}") from exc
    if status == "BOOKED":
        # A redelivery, or a second message for the same payment: it is booked once already.
        return "already-booked"
    # No code path writes any other state; a person should look at it via the DLQ.
    raise MessageError(f"transaction is in state {status!r}, not PENDING")


def _booking_update(payment: dict[str, str]) -> dict[str, Any]:
    """An update that succeeds only from PENDING or absent, so it books at most once.

    "Absent" happens after a regional failover when the global table has not yet
    replicated the API's PENDING record: the message carries everything needed to book it.
    """
    return {
        "TableName": os.environ["TABLE_TRANSACTIONS"],
        "Key": {"transaction_id": {"S": payment["transaction_id"]}},
        "UpdateExpression": (
            "SET #status = :booked, booked_at = :now, booked_region = :region,"
            " amount = if_not_exists(amount, :amount),"
            " currency = if_not_exists(currency, :currency),"
            " merchant_id = if_not_exists(merchant_id, :merchant)"
        ),
        "ConditionExpression": "attribute_not_exists(transaction_id) OR #status = :pending",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":booked": {"S": "BOOKED"},
            ":pending": {"S": "PENDING"},
            ":now": {"S": datetime.now(UTC).isoformat()},
            ":region": {"S": os.environ["AWS_REGION"]},
            ":amount": {"N": payment["amount"]},
            ":currency": {"S": payment["currency"]},
            ":merchant": {"S": payment["merchant_id"]},
        },
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
