"""order_worker against a DynamoDB table served by moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

TABLE = "orders-orders-test"


@pytest.fixture
def worker(
    aws: None, load_handler: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for order_id, status in (("accepted", "ACCEPTED"), ("done", "FULFILLED")):
        dynamodb.put_item(
            TableName=TABLE, Item={"order_id": {"S": order_id}, "status": {"S": status}}
        )
    monkeypatch.setenv("TABLE_ORDERS", TABLE)
    return load_handler("order_worker")


def sqs_event(*messages: tuple[str, str]) -> dict[str, Any]:
    return {"Records": [{"messageId": m, "body": body} for m, body in messages]}


def status(order_id: str) -> str | None:
    item = (
        boto3.client("dynamodb", region_name="us-east-1")
        .get_item(TableName=TABLE, Key={"order_id": {"S": order_id}})
        .get("Item")
    )
    return None if item is None else item["status"]["S"]


def test_accepted_orders_are_fulfilled_once_and_bad_messages_retried(worker: ModuleType) -> None:
    result = worker.main(
        sqs_event(
            ("m1", json.dumps({"order_id": "accepted"})),
            ("m2", json.dumps({"order_id": "done"})),
            ("m3", "not json"),
            ("m4", json.dumps({"order_id": "missing"})),
        ),
        None,
    )
    # m4: no ACCEPTED order of that id, so the conditional update finds nothing to fulfil.
    assert result == {"batchItemFailures": [{"itemIdentifier": "m3"}]}
    assert (status("accepted"), status("done"), status("missing")) == (
        "FULFILLED",
        "FULFILLED",
        None,
    )
