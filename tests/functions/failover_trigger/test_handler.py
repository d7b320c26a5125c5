"""failover_trigger against RDS, DynamoDB, SNS and SQS served by moto.

The function runs in the secondary region (us-west-2) and promotes its cluster. moto 5.2
implements create_global_cluster, describe_global_clusters, describe_db_clusters and
stop_db_cluster, but NOT switchover_global_cluster nor failover_global_cluster: calling
either raises NotImplementedError inside moto. The tests therefore check the decision the
handler makes and the attempt it records ("failed" with NotImplementedError for those two
calls), and test every path that does not promote (refused, already-primary, duplicate)
completely. The AWS service itself is never faked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest

GLOBAL_CLUSTER = "payments-global-test"
TABLE_FAILOVER_EVENTS = "failover-events-test"
PRIMARY_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:payments-primary"
SECONDARY_ARN = "arn:aws:rds:us-west-2:123456789012:cluster:payments-secondary"


@dataclass(frozen=True)
class Env:
    handler: ModuleType
    notifications_url: str


@pytest.fixture
def env(
    aws: None, load_handler: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Env]:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.delenv("ALLOW_DATA_LOSS", raising=False)
    create_global_database()
    boto3.client("dynamodb", region_name="us-west-2").create_table(
        TableName=TABLE_FAILOVER_EVENTS,
        KeySchema=[{"AttributeName": "event_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "event_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    topic_arn, queue_url = subscribed_topic()
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", GLOBAL_CLUSTER)
    monkeypatch.setenv("DB_CLUSTER_ARN", SECONDARY_ARN)
    monkeypatch.setenv("ALERT_TOPIC_ARN", topic_arn)
    monkeypatch.setenv("TABLE_FAILOVER_EVENTS", TABLE_FAILOVER_EVENTS)
    yield Env(load_handler("failover_trigger"), queue_url)


def create_global_database() -> None:
    """An Aurora global database: writer in us-east-1, secondary in us-west-2."""
    east = boto3.client("rds", region_name="us-east-1")
    east.create_global_cluster(GlobalClusterIdentifier=GLOBAL_CLUSTER, Engine="aurora-postgresql")
    primary = east.create_db_cluster(
        DBClusterIdentifier="payments-primary",
        Engine="aurora-postgresql",
        GlobalClusterIdentifier=GLOBAL_CLUSTER,
        MasterUsername="payments",
        MasterUserPassword="not-a-real-secret-1",
    )["DBCluster"]
    secondary = boto3.client("rds", region_name="us-west-2").create_db_cluster(
        DBClusterIdentifier="payments-secondary",
        Engine="aurora-postgresql",
        GlobalClusterIdentifier=GLOBAL_CLUSTER,
    )["DBCluster"]
    assert (primary["DBClusterArn"], secondary["DBClusterArn"]) == (PRIMARY_ARN, SECONDARY_ARN)


def subscribed_topic() -> tuple[str, str]:
    """The alert topic, with a queue subscribed so the tests can read what was published."""
    sns = boto3.client("sns", region_name="us-west-2")
    sqs = boto3.client("sqs", region_name="us-west-2")
    topic_arn = sns.create_topic(Name="dr-alerts-test")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="dr-alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


def stop_primary() -> None:
    """Make the writer report 'stopped': the handler must treat it as unavailable."""
    boto3.client("rds", region_name="us-east-1").stop_db_cluster(
        DBClusterIdentifier="payments-primary"
    )


def notifications(env: Env) -> list[dict[str, Any]]:
    messages = (
        boto3.client("sqs", region_name="us-west-2")
        .receive_message(QueueUrl=env.notifications_url, MaxNumberOfMessages=10)
        .get("Messages", [])
    )
    return [json.loads(json.loads(message["Body"])["Message"]) for message in messages]


def event_record(event_id: str) -> dict[str, Any] | None:
    return (
        boto3.client("dynamodb", region_name="us-west-2")
        .get_item(TableName=TABLE_FAILOVER_EVENTS, Key={"event_id": {"S": event_id}})
        .get("Item")
    )


def manual(event_id: str, allow_data_loss: bool = False) -> dict[str, Any]:
    return {"event_id": event_id, "allow_data_loss": allow_data_loss, "reason": "drill"}


def alarm(state: str = "ALARM", message_id: str = "msg-1") -> dict[str, Any]:
    alarm_message = {
        "AlarmName": "payments-primary-unhealthy",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 3 datapoints were less than 1.0",
        "StateChangeTime": "2026-01-01T00:00:00.000+0000",
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {"MessageId": message_id, "Message": json.dumps(alarm_message)},
            }
        ]
    }


ALARM_EVENT_ID = "alarm:payments-primary-unhealthy:2026-01-01T00:00:00.000+0000"


# --- paths that never promote: tested end to end ----------------------------------------


def test_refuses_failover_without_data_loss_permission(env: Env) -> None:
    stop_primary()

    result = env.handler.main(manual("evt-1"), None)

    assert result["status"] == "refused"
    assert result["action"] == "none"
    record = event_record("evt-1")
    assert record is not None
    assert record["status"] == {"S": "refused"}
    assert record["action"] == {"S": "none"}
    assert record["allow_data_loss"] == {"BOOL": False}
    assert record["source"] == {"S": "manual"}
    published = notifications(env)
    assert len(published) == 1
    assert published[0]["status"] == "refused"
    assert published[0]["event_id"] == "evt-1"
    assert published[0]["target_cluster"] == SECONDARY_ARN


def test_duplicate_event_does_nothing(env: Env) -> None:
    stop_primary()
    first = env.handler.main(manual("evt-2"), None)
    record_after_first = event_record("evt-2")

    second = env.handler.main(manual("evt-2", allow_data_loss=True), None)

    assert first["status"] == "refused"
    assert second == {"status": "duplicate", "action": "none", "event_id": "evt-2"}
    assert event_record("evt-2") == record_after_first
    assert len(notifications(env)) == 1


def test_alarm_redelivered_with_new_message_id_is_a_duplicate(env: Env) -> None:
    stop_primary()

    first = env.handler.main(alarm(message_id="msg-1"), None)
    second = env.handler.main(alarm(message_id="msg-2"), None)

    assert first["status"] == "refused"
    assert first["event_id"] == ALARM_EVENT_ID
    assert second == {"status": "duplicate", "action": "none", "event_id": ALARM_EVENT_ID}


def test_already_primary_does_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CLUSTER_ARN", PRIMARY_ARN)

    result = env.handler.main(manual("evt-3", allow_data_loss=True), None)

    assert result["status"] == "already-primary"
    assert result["action"] == "none"
    assert event_record("evt-3")["status"] == {"S": "already-primary"}  # type: ignore[index]
    assert [n["status"] for n in notifications(env)] == ["already-primary"]


def test_alarm_not_in_alarm_state_is_ignored(env: Env) -> None:
    result = env.handler.main(alarm(state="OK"), None)

    assert result == {"status": "ignored", "action": "none"}
    assert event_record(ALARM_EVENT_ID) is None
    assert notifications(env) == []


@pytest.mark.parametrize(
    "event",
    [
        {"event_id": "e", "allow_data_loss": "true", "reason": "r"},
        {"event_id": "", "allow_data_loss": False, "reason": "r"},
        {"event_id": "e", "allow_data_loss": False},
        {"Records": [{"Sns": {"MessageId": "m", "Message": "not json"}}]},
    ],
)
def test_invalid_requests_are_rejected_before_anything_happens(
    env: Env, event: dict[str, Any]
) -> None:
    result = env.handler.main(event, None)

    assert result["status"] == "invalid"
    assert result["action"] == "none"
    assert (
        boto3.client("dynamodb", region_name="us-west-2").scan(TableName=TABLE_FAILOVER_EVENTS)[
            "Items"
        ]
        == []
    )


def test_target_outside_the_global_cluster_is_refused(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_CLUSTER_ARN", SECONDARY_ARN.replace("secondary", "other"))

    result = env.handler.main(manual("evt-4", allow_data_loss=True), None)

    assert result["status"] == "refused"
    assert "is not a member of the global cluster" in result["detail"]


def test_missing_global_cluster_is_recorded_as_error(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", "no-such-global-cluster")

    result = env.handler.main(manual("evt-5"), None)

    assert (result["status"], result["action"]) == ("error", "none")
    assert event_record("evt-5")["status"] == {"S": "error"}  # type: ignore[index]


# --- switchover vs failover selection ---------------------------------------------------
# moto lacks switchover_global_cluster and failover_global_cluster (NotImplementedError),
# so the attempt ends "failed"; what matters here is which action was chosen and recorded.


def test_available_primary_selects_switchover(env: Env) -> None:
    result = env.handler.main(manual("evt-6", allow_data_loss=True), None)

    assert result["action"] == "switchover"
    assert result["status"] == "failed"
    assert "switchover_global_cluster action has not been implemented" in result["detail"]
    record = event_record("evt-6")
    assert record is not None
    assert (record["status"], record["action"]) == ({"S": "failed"}, {"S": "switchover"})
    assert [(n["status"], n["action"]) for n in notifications(env)] == [("failed", "switchover")]


def test_unavailable_primary_with_permission_selects_failover(env: Env) -> None:
    stop_primary()

    result = env.handler.main(manual("evt-7", allow_data_loss=True), None)

    assert result["action"] == "failover"
    assert "failover_global_cluster action has not been implemented" in result["detail"]
    assert event_record("evt-7")["action"] == {"S": "failover"}  # type: ignore[index]


def test_alarm_fails_over_only_when_environment_allows_data_loss(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_primary()
    monkeypatch.setenv("ALLOW_DATA_LOSS", "true")

    result = env.handler.main(alarm(), None)

    assert result["action"] == "failover"
    record = event_record(ALARM_EVENT_ID)
    assert record is not None
    assert record["allow_data_loss"] == {"BOOL": True}
    assert record["source"] == {"S": "alarm"}


def test_alarm_never_allows_data_loss_by_default(env: Env) -> None:
    stop_primary()

    result = env.handler.main(alarm(), None)

    assert (result["status"], result["action"]) == ("refused", "none")


# --- the pure decision ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "status", "available", "data_loss", "expected"),
    [
        (SECONDARY_ARN, "available", False, False, ("already-primary", "none")),
        (PRIMARY_ARN, "available", True, False, ("started", "switchover")),
        (PRIMARY_ARN, "available", True, True, ("started", "switchover")),
        (PRIMARY_ARN, "available", False, True, ("started", "failover")),
        (PRIMARY_ARN, "available", False, False, ("refused", "none")),
        (None, "available", False, True, ("started", "failover")),
        (PRIMARY_ARN, "switching-over", True, True, ("in-progress", "none")),
        (PRIMARY_ARN, "failing-over", False, True, ("in-progress", "none")),
    ],
)
def test_choose_action(
    load_handler: Callable[[str], ModuleType],
    writer: str | None,
    status: str,
    available: bool,
    data_loss: bool,
    expected: tuple[str, str],
) -> None:
    outcome = load_handler("failover_trigger").choose_action(
        writer=writer,
        target=SECONDARY_ARN,
        members=[PRIMARY_ARN, SECONDARY_ARN],
        cluster_status=status,
        writer_available=available,
        allow_data_loss=data_loss,
    )

    assert (outcome.status, outcome.action) == expected


# --- two trigger sources, several secondaries -------------------------------------------

REGIONAL_ALARM = "payments-failover-trigger-us-west-2-test"


def regional_alarm() -> dict[str, Any]:
    """The same outage as `alarm()`, seen by this region's own trigger alarm."""
    event = alarm(message_id="msg-regional")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    event["Records"][0]["Sns"]["Message"] = json.dumps({**message, "AlarmName": REGIONAL_ALARM})
    return event


def test_second_source_stands_down_while_the_first_holds_the_promotion(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_primary()
    monkeypatch.setenv("ALLOW_DATA_LOSS", "true")
    key = f"promotion:{GLOBAL_CLUSTER}:{PRIMARY_ARN}"
    # The Route53 path's invocation, mid-promotion, holds the claim.
    first = env.handler.Request(ALARM_EVENT_ID, True, "route53 alarm", "alarm")
    assert env.handler.claim_promotion(key, first)

    result = env.handler.main(regional_alarm(), None)

    assert (result["status"], result["action"]) == ("in-progress", "none")
    assert result["detail"] == f"another trigger already promotes away from {PRIMARY_ARN}"
    assert event_record(key)["claimed_by"] == {"S": ALARM_EVENT_ID}  # type: ignore[index]


def test_a_refused_promotion_releases_its_claim_for_the_next_source(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_primary()
    monkeypatch.setenv("ALLOW_DATA_LOSS", "true")

    first = env.handler.main(alarm(), None)
    second = env.handler.main(regional_alarm(), None)

    # moto refuses failover_global_cluster (NotImplementedError): both sources may try.
    assert (first["status"], first["action"]) == ("failed", "failover")
    assert (second["status"], second["action"]) == ("failed", "failover")
    assert event_record(f"promotion:{GLOBAL_CLUSTER}:{PRIMARY_ARN}") is None


def test_a_secondary_defers_to_an_available_region_ahead_in_line(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    third = boto3.client("rds", region_name="eu-west-1").create_db_cluster(
        DBClusterIdentifier="payments-third",
        Engine="aurora-postgresql",
        GlobalClusterIdentifier=GLOBAL_CLUSTER,
    )["DBCluster"]["DBClusterArn"]
    stop_primary()
    monkeypatch.setenv("ALLOW_DATA_LOSS", "true")
    monkeypatch.setenv("DB_CLUSTER_ARN", third)
    monkeypatch.setenv("FAILOVER_AHEAD", "us-west-2")

    result = env.handler.main(regional_alarm(), None)

    assert (result["status"], result["action"]) == ("deferred", "none")
    assert result["detail"] == f"{SECONDARY_ARN} is ahead in line and available"
