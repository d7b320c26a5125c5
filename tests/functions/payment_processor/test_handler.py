"""payment_processor against a DynamoDB table served by moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import boto3
import pytest

TABLE = "payments-transactions-test"


@pytest.fixture
def processor(
    aws: None, load_handler: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("TABLE_TRANSACTIONS", TABLE)
    return load_handler("payment_processor")


def payment(transaction_id: str, amount: str = "10.50") -> dict[str, str]:
    return {
        "transaction_id": transaction_id,
        "amount": amount,
        "currency": "EUR",
        "merchant_id": "m-1",
        "region": "us-east-1",
        "request_hash": "abc",
    }


def sqs_event(*messages: tuple[str, str]) -> dict[str, Any]:
    """An SQS batch from (messageId, body) pairs."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"rh-{message_id}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "eventSource": "aws:sqs",
                "awsRegion": "us-east-1",
            }
            for message_id, body in messages
        ]
    }


def put_pending(transaction_id: str, status: str = "PENDING") -> None:
    boto3.client("dynamodb", region_name="us-east-1").put_item(
        TableName=TABLE,
        Item={
            "transaction_id": {"S": transaction_id},
            "status": {"S": status},
            "amount": {"N": "10.50"},
            "currency": {"S": "EUR"},
            "merchant_id": {"S": "m-1"},
            "region": {"S": "us-east-1"},
            "request_hash": {"S": "abc"},
        },
    )


def item(transaction_id: str) -> dict[str, Any]:
    return boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"transaction_id": {"S": transaction_id}}
    )["Item"]


def test_pending_payment_is_booked(processor: ModuleType) -> None:
    put_pending("t1")

    result = processor.main(sqs_event(("m1", json.dumps(payment("t1")))), None)

    assert result == {"batchItemFailures": []}
    booked = item("t1")
    assert booked["status"] == {"S": "BOOKED"}
    assert booked["booked_region"] == {"S": "us-east-1"}
    assert set(booked) == {
        "transaction_id",
        "status",
        "amount",
        "currency",
        "merchant_id",
        "region",
        "request_hash",
        "booked_at",
        "booked_region",
    }


def test_redelivered_message_does_not_double_book(processor: ModuleType) -> None:
    put_pending("t1")
    message = ("m1", json.dumps(payment("t1")))
    processor.main(sqs_event(message), None)
    after_first = item("t1")

    result = processor.main(sqs_event(message), None)

    assert result == {"batchItemFailures": []}
    # Not even booked_at moves: the second delivery wrote nothing.
    assert item("t1") == after_first


def test_payment_not_yet_replicated_is_booked_from_the_message(processor: ModuleType) -> None:
    result = processor.main(sqs_event(("m1", json.dumps(payment("t2", "3.00")))), None)

    assert result == {"batchItemFailures": []}
    booked = item("t2")
    assert booked["status"] == {"S": "BOOKED"}
    # Compared as numbers: DynamoDB returns "3", moto "3.00".
    assert Decimal(booked["amount"]["N"]) == Decimal("3.00")
    assert booked["currency"] == {"S": "EUR"}
    assert booked["merchant_id"] == {"S": "m-1"}


def test_only_the_bad_messages_are_reported(processor: ModuleType) -> None:
    put_pending("good")
    event = sqs_event(
        ("ok", json.dumps(payment("good"))),
        ("not-json", "{nope"),
        ("not-object", json.dumps(["t3"])),
        ("no-id", json.dumps({k: v for k, v in payment("x").items() if k != "transaction_id"})),
        ("bad-amount", json.dumps(payment("t4", "-1.00"))),
        ("float-amount", json.dumps({**payment("t5"), "amount": 10.5})),
    )

    result = processor.main(event, None)

    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": "not-json"},
            {"itemIdentifier": "not-object"},
            {"itemIdentifier": "no-id"},
            {"itemIdentifier": "bad-amount"},
            {"itemIdentifier": "float-amount"},
        ]
    }
    assert item("good")["status"] == {"S": "BOOKED"}
    scanned = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    assert [entry["transaction_id"]["S"] for entry in scanned] == ["good"]


def test_unexpected_state_is_reported_for_the_dlq(processor: ModuleType) -> None:
    put_pending("t6", status="CANCELLED")

    result = processor.main(sqs_event(("m6", json.dumps(payment("t6")))), None)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m6"}]}
    assert item("t6")["status"] == {"S": "CANCELLED"}


def test_table_down_fails_every_message(processor: ModuleType) -> None:
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=TABLE)
    event = sqs_event(("a", json.dumps(payment("t7"))), ("b", json.dumps(payment("t8"))))

    result = processor.main(event, None)

    assert result == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}


def test_empty_batch(processor: ModuleType) -> None:
    assert processor.main({"Records": []}, None) == {"batchItemFailures": []}
