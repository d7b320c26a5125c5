"""payment_api against DynamoDB and SQS served by moto, and a real TCP listener for the DB."""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Callable, Iterator
from decimal import Decimal
from types import ModuleType
from typing import Any

import boto3
import pytest

TABLE = "payments-transactions-test"
GLOBAL_ID = "payments-global-test"
KEY = "order-42_a"
VALID_BODY = {"amount": "10.50", "currency": "EUR", "merchant_id": "m-1"}


@pytest.fixture
def db_listener() -> Iterator[int]:
    """A real listening socket standing in for the Aurora endpoint's TCP port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


@pytest.fixture
def api(
    aws: None,
    load_handler: Callable[[str], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    db_listener: int,
) -> ModuleType:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue_url = boto3.client("sqs", region_name="us-east-1").create_queue(
        QueueName="payments-test"
    )["QueueUrl"]
    monkeypatch.setenv("TABLE_TRANSACTIONS", TABLE)
    monkeypatch.setenv("QUEUE_PAYMENTS_URL", queue_url)
    # This region's cluster is the global database's writer: the steady state of the primary
    # region, and of a secondary after its promotion.
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", GLOBAL_ID)
    monkeypatch.setenv("DB_CLUSTER_ARN", join_global_cluster("us-east-1", "payments-use1"))
    monkeypatch.setenv("DB_WRITER_ENDPOINT", "127.0.0.1")
    # Never resolves: a check that used it would fail with gaierror.
    monkeypatch.setenv("DB_READER_ENDPOINT", "reader.invalid")
    monkeypatch.setenv("DB_PORT", str(db_listener))
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "0.5")
    return load_handler("payment_api")


def join_global_cluster(region: str, identifier: str) -> str:
    """A member cluster of the moto global cluster (created with the first member, which
    becomes its writer); returns the member's ARN."""
    rds = boto3.client("rds", region_name=region)
    if not boto3.client("rds", region_name="us-east-1").describe_global_clusters()[
        "GlobalClusters"
    ]:
        rds.create_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID, Engine="aurora-postgresql", EngineVersion="16.8"
        )
    credentials = {"MasterUsername": "payments_admin", "MasterUserPassword": "not-a-secret-1"}
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=identifier,
        Engine="aurora-postgresql",
        EngineVersion="16.8",
        GlobalClusterIdentifier=GLOBAL_ID,
        **(credentials if region == "us-east-1" else {}),
    )["DBCluster"]
    return str(cluster["DBClusterArn"])


def alb_event(
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    default_headers = {"content-type": "application/json", "idempotency-key": KEY}
    return {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:tg"}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": {},
        "headers": default_headers if headers is None else headers,
        "body": raw_body if raw_body is not None else ("" if body is None else json.dumps(body)),
        "isBase64Encoded": False,
    }


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def queued_bodies() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="payments-test")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def stored_items() -> list[dict[str, Any]]:
    """The table's items, numbers as Decimal: DynamoDB returns "10.5", moto "10.50"."""
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    return [
        {name: {"N": Decimal(v["N"])} if "N" in v else v for name, v in entry.items()}
        for entry in items
    ]


def expected_hash(api: ModuleType) -> str:
    return api.request_hash({"amount": "10.50", "currency": "EUR", "merchant_id": "m-1"})


# --- GET /health ------------------------------------------------------------------------


def test_health_ok_when_table_and_database_answer(api: ModuleType) -> None:
    response = api.main(alb_event("GET", "/health"), None)

    assert response["statusCode"] == 200
    assert response["statusDescription"] == "200 OK"
    assert response["headers"] == {"Content-Type": "application/json"}
    assert response["isBase64Encoded"] is False
    assert body_of(response) == {
        "status": "ok",
        "region": "us-east-1",
        "checks": {"table": "ok", "database": "ok"},
    }


def test_health_503_when_table_is_missing(api: ModuleType) -> None:
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=TABLE)

    response = api.main(alb_event("GET", "/health"), None)

    assert response["statusCode"] == 503
    assert body_of(response) == {
        "status": "degraded",
        "region": "us-east-1",
        "checks": {"table": "unavailable: ResourceNotFoundException", "database": "ok"},
    }


def test_health_503_when_database_port_is_closed(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("DB_PORT", str(closed_port))

    response = api.main(alb_event("GET", "/health"), None)

    assert response["statusCode"] == 503
    assert body_of(response)["checks"] == {
        "table": "ok",
        "database": "unreachable: ConnectionRefusedError",
    }


# --- POST /payments ---------------------------------------------------------------------


def test_new_payment_is_stored_pending_and_enqueued_once(api: ModuleType) -> None:
    response = api.main(alb_event("POST", "/payments", VALID_BODY), None)

    assert response["statusCode"] == 202
    assert body_of(response) == {"transaction_id": KEY, "status": "PENDING"}
    assert stored_items() == [
        {
            "transaction_id": {"S": KEY},
            "status": {"S": "PENDING"},
            "amount": {"N": Decimal("10.50")},
            "currency": {"S": "EUR"},
            "merchant_id": {"S": "m-1"},
            "region": {"S": "us-east-1"},
            "request_hash": {"S": expected_hash(api)},
        }
    ]
    assert queued_bodies() == [
        {
            "transaction_id": KEY,
            "amount": "10.50",
            "currency": "EUR",
            "merchant_id": "m-1",
            "region": "us-east-1",
            "request_hash": expected_hash(api),
        }
    ]


def test_replay_with_same_request_returns_200_and_does_not_enqueue_again(
    api: ModuleType,
) -> None:
    first = api.main(alb_event("POST", "/payments", VALID_BODY), None)
    # The same request in another spelling: a JSON number without the trailing zero.
    replay_body = '{"merchant_id": "m-1", "currency": "EUR", "amount": 10.5}'
    replay = api.main(alb_event("POST", "/payments", raw_body=replay_body), None)

    assert first["statusCode"] == 202
    assert replay["statusCode"] == 200
    assert body_of(replay) == {
        "transaction_id": KEY,
        "status": "PENDING",
        "amount": "10.50",
        "currency": "EUR",
        "merchant_id": "m-1",
        "region": "us-east-1",
    }
    assert len(queued_bodies()) == 1


def test_replay_with_different_request_is_409_and_changes_nothing(api: ModuleType) -> None:
    api.main(alb_event("POST", "/payments", VALID_BODY), None)
    before = stored_items()

    response = api.main(alb_event("POST", "/payments", {**VALID_BODY, "amount": "11.00"}), None)

    assert response["statusCode"] == 409
    assert body_of(response)["error"] == "idempotency_conflict"
    assert stored_items() == before
    assert len(queued_bodies()) == 1


def test_idempotency_header_name_is_case_insensitive_and_base64_bodies_decode(
    api: ModuleType,
) -> None:
    event = alb_event(
        "POST",
        "/payments",
        headers={"Content-Type": "application/json; charset=utf-8", "IDEMPOTENCY-KEY": "k1"},
    )
    event["body"] = base64.b64encode(json.dumps(VALID_BODY).encode()).decode()
    event["isBase64Encoded"] = True

    response = api.main(event, None)

    assert response["statusCode"] == 202
    assert body_of(response) == {"transaction_id": "k1", "status": "PENDING"}


def test_multi_value_header_events_get_multi_value_headers_back(api: ModuleType) -> None:
    event = alb_event("POST", "/payments", VALID_BODY)
    event["multiValueHeaders"] = {name: [value] for name, value in event.pop("headers").items()}

    response = api.main(event, None)

    assert response["statusCode"] == 202
    assert response["multiValueHeaders"] == {"Content-Type": ["application/json"]}
    assert "headers" not in response


def test_malformed_json_is_400_with_message(api: ModuleType) -> None:
    response = api.main(alb_event("POST", "/payments", raw_body='{"amount": '), None)

    assert response["statusCode"] == 400
    body = body_of(response)
    assert body["error"] == "invalid_json"
    assert body["message"].startswith("the body is not valid JSON: ")
    assert stored_items() == []
    assert queued_bodies() == []


def test_json_that_is_not_an_object_is_400(api: ModuleType) -> None:
    response = api.main(alb_event("POST", "/payments", [VALID_BODY]), None)

    assert response["statusCode"] == 400
    assert body_of(response) == {
        "error": "invalid_json",
        "message": "the body must be a JSON object",
    }


def test_every_invalid_field_is_reported(api: ModuleType) -> None:
    body = {"amount": "-5", "currency": "eur", "merchant_id": ""}

    response = api.main(alb_event("POST", "/payments", body), None)

    assert response["statusCode"] == 400
    assert body_of(response) == {
        "error": "validation_failed",
        "message": "invalid fields: amount, currency, merchant_id",
        "details": [
            {"field": "amount", "message": "amount must be a plain decimal like 12.50"},
            {"field": "currency", "message": "currency must be an ISO 4217 code like USD"},
            {
                "field": "merchant_id",
                "message": "merchant_id must be 1-128 printable characters"
                " without leading or trailing spaces",
            },
        ],
    }
    assert queued_bodies() == []


@pytest.mark.parametrize(
    ("raw_amount", "canonical"),
    [('"10"', "10.00"), ('"0.01"', "0.01"), ("7", "7.00"), ("12.3", "12.30"), ("1.10", "1.10")],
)
def test_valid_amounts_are_stored_canonically(
    api: ModuleType, raw_amount: str, canonical: str
) -> None:
    raw = f'{{"amount": {raw_amount}, "currency": "USD", "merchant_id": "m"}}'

    response = api.main(alb_event("POST", "/payments", raw_body=raw), None)

    assert response["statusCode"] == 202
    assert queued_bodies()[0]["amount"] == canonical


@pytest.mark.parametrize(
    ("raw_amount", "message"),
    [
        ('"0"', "amount must be positive"),
        ("0", "amount must be positive"),
        ("-1", "amount must be positive"),
        ('"1.001"', "amount must have at most 2 decimal places"),
        ("1.001", "amount must have at most 2 decimal places"),
        ('"1e3"', "amount must be a plain decimal like 12.50"),
        ('" 10"', "amount must be a plain decimal like 12.50"),
        ("1e400", "amount must be below 1000000000000"),
        ("true", "amount must be a decimal string or a number"),
        ("null", "amount must be a decimal string or a number"),
    ],
)
def test_invalid_amounts_are_400(api: ModuleType, raw_amount: str, message: str) -> None:
    raw = f'{{"amount": {raw_amount}, "currency": "USD", "merchant_id": "m"}}'

    response = api.main(alb_event("POST", "/payments", raw_body=raw), None)

    assert response["statusCode"] == 400
    assert body_of(response)["details"] == [{"field": "amount", "message": message}]


def test_missing_idempotency_key_is_400(api: ModuleType) -> None:
    event = alb_event("POST", "/payments", VALID_BODY, headers={"content-type": "application/json"})

    response = api.main(event, None)

    assert response["statusCode"] == 400
    assert body_of(response) == {
        "error": "missing_idempotency_key",
        "message": "the Idempotency-Key header is required",
    }


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "semi;colon"])
def test_invalid_idempotency_key_is_400(api: ModuleType, key: str) -> None:
    headers = {"content-type": "application/json", "idempotency-key": key}

    response = api.main(alb_event("POST", "/payments", VALID_BODY, headers=headers), None)

    assert response["statusCode"] == 400
    assert body_of(response)["error"] == "invalid_idempotency_key"


def test_non_json_content_type_is_415(api: ModuleType) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded", "idempotency-key": KEY}

    response = api.main(alb_event("POST", "/payments", VALID_BODY, headers=headers), None)

    assert response["statusCode"] == 415
    assert response["statusDescription"] == "415 Unsupported Media Type"
    assert body_of(response)["error"] == "unsupported_media_type"


def test_unknown_path_is_404(api: ModuleType) -> None:
    response = api.main(alb_event("GET", "/refunds"), None)

    assert response["statusCode"] == 404
    assert body_of(response) == {"error": "not_found", "message": "no route for /refunds"}


@pytest.mark.parametrize(
    ("method", "path", "allow"), [("GET", "/payments", "POST"), ("DELETE", "/health", "GET")]
)
def test_wrong_method_is_405_with_allow_header(
    api: ModuleType, method: str, path: str, allow: str
) -> None:
    response = api.main(alb_event(method, path), None)

    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == allow
    assert body_of(response)["error"] == "method_not_allowed"


def test_queue_down_is_503_and_forgets_the_pending_record(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing_queue = "https://sqs.us-east-1.amazonaws.com/123456789012/no-such-queue"
    monkeypatch.setenv("QUEUE_PAYMENTS_URL", missing_queue)

    response = api.main(alb_event("POST", "/payments", VALID_BODY), None)

    assert response["statusCode"] == 503
    assert body_of(response)["error"] == "queue_unavailable"
    # Removed so the client's retry is a fresh attempt, not a 200 "replay" of nothing.
    assert stored_items() == []


def test_table_down_is_503(api: ModuleType) -> None:
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=TABLE)

    response = api.main(alb_event("POST", "/payments", VALID_BODY), None)

    assert response["statusCode"] == 503
    assert body_of(response)["error"] == "table_unavailable"
    assert queued_bodies() == []


def database_check_failures(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if '"database check failed"' in line
    ]


def test_health_never_uses_the_reader_endpoint_while_this_region_is_the_writer(
    api: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    response = api.main(alb_event("GET", "/health"), None)

    # The reader endpoint does not resolve: a 200 means the writer endpoint was checked.
    assert response["statusCode"] == 200
    assert database_check_failures(capsys) == []


def test_secondary_without_write_forwarding_is_503_and_connects_nowhere(
    api: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # This region (us-east-1) joins as a secondary of a writer in eu-west-1; moto reports
    # GlobalWriteForwardingStatus "disabled" for every secondary.
    boto3.client("rds", region_name="us-east-1").remove_from_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, DbClusterIdentifier=os.environ["DB_CLUSTER_ARN"]
    )
    boto3.client("rds", region_name="us-east-1").delete_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID
    )
    writer = join_global_cluster("eu-west-1", "payments-euw1")
    monkeypatch.setenv("DB_CLUSTER_ARN", join_global_cluster("us-east-1", "payments-use1-b"))
    members = boto3.client("rds", region_name="us-east-1").describe_global_clusters()[
        "GlobalClusters"
    ][0]["GlobalClusterMembers"]
    assert [(m["DBClusterArn"], m["IsWriter"]) for m in members] == [
        (writer, True),
        (os.environ["DB_CLUSTER_ARN"], False),
    ]

    response = api.main(alb_event("GET", "/health"), None)

    assert response["statusCode"] == 503
    assert body_of(response)["checks"] == {
        "table": "ok",
        "database": "unavailable: write forwarding disabled",
    }
    assert database_check_failures(capsys) == []


def test_health_503_when_this_cluster_is_not_a_member(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_CLUSTER_ARN", "arn:aws:rds:us-east-1:123456789012:cluster:other")

    response = api.main(alb_event("GET", "/health"), None)

    assert response["statusCode"] == 503
    assert body_of(response)["checks"]["database"] == "unavailable: not a member"


def test_global_cluster_answer_is_reused_for_the_ttl_then_described_again(
    api: ModuleType,
) -> None:
    assert api.main(alb_event("GET", "/health"), None)["statusCode"] == 200
    boto3.client("rds", region_name="us-east-1").remove_from_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, DbClusterIdentifier=os.environ["DB_CLUSTER_ARN"]
    )

    # Within the TTL: the cached answer, no RDS call per Route53 probe.
    assert api.main(alb_event("GET", "/health"), None)["statusCode"] == 200
    api.WRITER_STATE_TTL_SECONDS = 0.0
    expired = api.main(alb_event("GET", "/health"), None)

    assert expired["statusCode"] == 503
    # Its only member removed, the global cluster has no writer left.
    assert body_of(expired)["checks"]["database"] == "unavailable: no writer"


def test_health_503_when_the_global_cluster_cannot_be_described(
    api: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", "no-such-global-cluster")

    response = api.main(alb_event("GET", "/health"), None)

    assert response["statusCode"] == 503
    # AWS answers GlobalClusterNotFoundFault (a ClientError); moto an empty list.
    assert body_of(response)["checks"]["database"] == "unavailable: LookupError"


# endpoint_for on DescribeGlobalClusters answers shaped as the RDS API reference documents
# them (GlobalCluster, GlobalClusterMember), for states moto does not produce.

OWN = "arn:aws:rds:us-west-2:111111111111:cluster:payments-prod-usw2"
WRITER = "arn:aws:rds:us-east-1:111111111111:cluster:payments-prod-use1"
ENV = {
    "DB_CLUSTER_ARN": OWN,
    "DB_WRITER_ENDPOINT": "own-writer",
    "DB_READER_ENDPOINT": "own-reader",
}


def global_cluster(
    status: str = "available", writer: str | None = WRITER, **own: Any
) -> dict[str, Any]:
    members = [{"DBClusterArn": WRITER, "IsWriter": writer == WRITER, "Readers": [OWN]}]
    members.append({"DBClusterArn": OWN, "IsWriter": writer == OWN, "Readers": [], **own})
    return {"GlobalClusterIdentifier": GLOBAL_ID, "Status": status, "GlobalClusterMembers": members}


def test_a_secondary_with_forwarding_enabled_uses_its_own_reader_endpoint(
    api: ModuleType,
) -> None:
    cluster = global_cluster(
        GlobalWriteForwardingStatus="enabled", SynchronizationStatus="connected"
    )

    assert api.endpoint_for(cluster, ENV) == "own-reader"


def test_a_promoted_secondary_uses_its_own_writer_endpoint(api: ModuleType) -> None:
    cluster = global_cluster(writer=OWN, GlobalWriteForwardingStatus="enabled")

    assert api.endpoint_for(cluster, ENV) == "own-writer"


@pytest.mark.parametrize(
    ("cluster", "reason"),
    [
        (global_cluster(GlobalWriteForwardingStatus="enabling"), "write forwarding enabling"),
        (global_cluster(), "write forwarding off"),
        (
            global_cluster(
                GlobalWriteForwardingStatus="enabled", SynchronizationStatus="pending-resync"
            ),
            "replication pending-resync",
        ),
        (
            global_cluster("failing-over", GlobalWriteForwardingStatus="enabled"),
            "global cluster failing-over",
        ),
        (
            global_cluster(writer=None, GlobalWriteForwardingStatus="enabled"),
            "no writer",
        ),
    ],
)
def test_a_secondary_that_cannot_forward_is_not_serving(
    api: ModuleType, cluster: dict[str, Any], reason: str
) -> None:
    with pytest.raises(api.NotServing) as raised:
        api.endpoint_for(cluster, ENV)

    assert str(raised.value) == reason


def test_a_secondary_compiled_without_forwarding_is_not_serving_even_if_it_forwards(
    api: ModuleType,
) -> None:
    cluster = global_cluster(GlobalWriteForwardingStatus="enabled")
    env = {name: value for name, value in ENV.items() if name != "DB_READER_ENDPOINT"}

    with pytest.raises(api.NotServing) as raised:
        api.endpoint_for(cluster, env)

    assert str(raised.value) == "no reader endpoint configured"
