"""order_api against a DynamoDB table and a FIFO queue served by moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

TABLE = "orders-orders-test"
QUEUE = "orders-fulfilment-test.fifo"


@pytest.fixture
def api(
    aws: None, load_handler: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    url = boto3.client("sqs", region_name="us-east-1").create_queue(
        QueueName=QUEUE, Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    monkeypatch.setenv("TABLE_ORDERS", TABLE)
    monkeypatch.setenv("QUEUE_FULFILMENT_URL", url)
    return load_handler("order_api")


def post(api: ModuleType, body: Any) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return api.main({"httpMethod": "POST", "path": "/orders", "body": text}, None)


def queued() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"]
    ).get("Messages", [])
    return [
        {"body": json.loads(m["Body"]), "group": m["Attributes"]["MessageGroupId"]}
        for m in messages
    ]


def test_an_order_is_stored_once_and_queued_in_its_own_group(api: ModuleType) -> None:
    order = {"order_id": "o-1", "sku": "SKU-1", "quantity": 2}
    first = post(api, order)
    again = post(api, order)
    assert (first["statusCode"], json.loads(first["body"])) == (
        201,
        {"order_id": "o-1", "status": "accepted"},
    )
    assert (again["statusCode"], json.loads(again["body"])) == (
        200,
        {"order_id": "o-1", "status": "duplicate"},
    )
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"order_id": {"S": "o-1"}}
    )["Item"]
    assert (item["status"]["S"], item["quantity"]["N"], item["region"]["S"]) == (
        "ACCEPTED",
        "2",
        "us-east-1",
    )
    assert queued() == [{"body": order, "group": "o-1"}]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("not json", "body is not JSON"),
        ([], "body is not a JSON object"),
        ({"order_id": "bad id", "sku": "S", "quantity": 1}, "order_id: 1-128 letters"),
        ({"order_id": "o", "sku": "lower", "quantity": 1}, "sku: 1-64 upper-case letters"),
        ({"order_id": "o", "sku": "S", "quantity": True}, "quantity: an integer"),
        ({"order_id": "o", "sku": "S", "quantity": 1001}, "quantity: 1 to 1000"),
    ],
)
def test_an_invalid_order_is_refused_and_nothing_is_stored(
    api: ModuleType, body: Any, error: str
) -> None:
    response = post(api, body)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"].startswith(error)
    assert queued() == []


def test_the_quantity_limit_comes_from_the_spec_environment(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_QUANTITY", "5")
    refused = post(api, {"order_id": "o-6", "sku": "SKU-1", "quantity": 6})
    assert (refused["statusCode"], json.loads(refused["body"])) == (
        400,
        {"error": "quantity: 1 to 5"},
    )
    assert post(api, {"order_id": "o-5", "sku": "SKU-1", "quantity": 5})["statusCode"] == 201
    assert [q["body"]["order_id"] for q in queued()] == ["o-5"]


def test_health_answers_from_this_regions_table(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = api.main({"httpMethod": "GET", "path": "/health"}, None)
    assert (healthy["statusCode"], json.loads(healthy["body"])) == (
        200,
        {"status": "ok", "region": "us-east-1"},
    )
    monkeypatch.setenv("TABLE_ORDERS", "no-such-table")
    assert api.main({"httpMethod": "GET", "path": "/health"}, None)["statusCode"] == 503


def test_an_unknown_route_is_404(api: ModuleType) -> None:
    assert api.main({"httpMethod": "DELETE", "path": "/orders"}, None)["statusCode"] == 404
