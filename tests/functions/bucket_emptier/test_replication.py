"""The reverse replication entry point (handler.replication): its request building, against
S3 served by moto, and its Delete path with botocore's Stubber; the CloudFormation
ResponseURL is a real http.server on 127.0.0.1 that records every PUT."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

SOURCE = "payments-documents-123456789012-us-west-2-prod"
DESTINATION = "payments-documents-123456789012-us-east-1-prod"
ROLE = "arn:aws:iam::123456789012:role/payments-replication-us-west-2-prod"
KEY = "arn:aws:kms:us-east-1:123456789012:alias/payments-us-east-1-prod"

# As CloudFormation sends them: every value a string, the number too.
PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:us-west-2:123456789012:function:payments-reverse-prod",
    "BucketName": SOURCE,
    "Role": ROLE,
    "DestinationBucket": f"arn:aws:s3:::{DESTINATION}",
    "ReplicaKmsKeyId": KEY,
    "RuleId": "replicate-to-us-east-1",
    "ReplicationTimeMinutes": "15",
}

RULE = {
    "ID": "replicate-to-us-east-1",
    "Priority": 1,
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "DeleteMarkerReplication": {"Status": "Enabled"},
    "SourceSelectionCriteria": {
        "SseKmsEncryptedObjects": {"Status": "Enabled"},
        "ReplicaModifications": {"Status": "Enabled"},
    },
    "Destination": {
        "Bucket": f"arn:aws:s3:::{DESTINATION}",
        "EncryptionConfiguration": {"ReplicaKmsKeyID": KEY},
        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
        "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
    },
}


@pytest.fixture
def handler(load_handler: Callable[[str], ModuleType]) -> ModuleType:
    return load_handler("bucket_emptier")


@pytest.fixture
def cfn(http_server: Callable[..., Any]) -> Any:
    """The stand-in for CloudFormation's presigned response URL."""
    return http_server(status=200, body=b"")


def request(
    cfn: Any, request_type: str, properties: dict[str, str], physical_id: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": f"{cfn.url}/cfn-response?X-Amz-Signature=abc",
        "StackId": "arn:aws:cloudformation:us-west-2:123456789012:stack/payments/guid",
        "RequestId": "request-1",
        "ResourceType": "Custom::BucketReplication",
        "LogicalResourceId": "DocumentsBucketReverseReplication",
        "ResourceProperties": properties,
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def answers(cfn: Any) -> list[dict[str, Any]]:
    return [json.loads(captured.body) for captured in cfn.requests]


def test_the_request_mirrors_the_forward_rule_with_numbers_converted(handler: ModuleType) -> None:
    assert handler.replication_request(PROPERTIES) == {
        "Bucket": SOURCE,
        "ReplicationConfiguration": {"Role": ROLE, "Rules": [RULE]},
    }


def test_without_rtc_the_rule_keeps_metrics_only(handler: ModuleType) -> None:
    properties = {k: v for k, v in PROPERTIES.items() if k != "ReplicationTimeMinutes"}
    (rule,) = handler.replication_request(properties)["ReplicationConfiguration"]["Rules"]
    assert rule["Destination"] == {
        "Bucket": f"arn:aws:s3:::{DESTINATION}",
        "EncryptionConfiguration": {"ReplicaKmsKeyID": KEY},
        "Metrics": {"Status": "Enabled"},
    }


def test_missing_properties_are_named(handler: ModuleType) -> None:
    properties = {k: v for k, v in PROPERTIES.items() if k not in ("Role", "RuleId")}
    with pytest.raises(ValueError, match=r"^ResourceProperties Role, RuleId required$"):
        handler.replication_request(properties)


def buckets() -> Any:
    """Both buckets, versioned, in their regions (moto)."""
    for name, region in ((SOURCE, "us-west-2"), (DESTINATION, "us-east-1")):
        s3 = boto3.client("s3", region_name=region)
        # us-east-1 takes no LocationConstraint (CreateBucket).
        where = {} if region == "us-east-1" else {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": where} if where else {}))
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return boto3.client("s3", region_name="us-west-2")


def test_create_writes_the_configuration_and_answers_with_the_bucket_as_id(
    aws: None,
    handler: ModuleType,
    cfn: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    s3 = buckets()

    handler.replication(request(cfn, "Create", PROPERTIES), lambda_context)

    configuration = s3.get_bucket_replication(Bucket=SOURCE)["ReplicationConfiguration"]
    assert configuration["Role"] == ROLE
    (rule,) = configuration["Rules"]
    assert rule["ID"] == "replicate-to-us-east-1"
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{DESTINATION}"
    assert rule["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": KEY}
    (answer,) = answers(cfn)
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", SOURCE)
    assert answer["Reason"] == f"bucket {SOURCE} replicates to arn:aws:s3:::{DESTINATION}"

    handler.replication(request(cfn, "Delete", PROPERTIES, physical_id=SOURCE), lambda_context)

    with pytest.raises(s3.exceptions.ClientError, match="ReplicationConfigurationNotFoundError"):
        s3.get_bucket_replication(Bucket=SOURCE)
    assert [(a["Status"], a["PhysicalResourceId"]) for a in answers(cfn)] == [
        ("SUCCESS", SOURCE),
        ("SUCCESS", SOURCE),
    ]


def test_create_on_a_missing_bucket_answers_failed(
    aws: None,
    handler: ModuleType,
    cfn: Any,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")

    handler.replication(request(cfn, "Create", PROPERTIES), lambda_context)

    (answer,) = answers(cfn)
    assert answer["Status"] == "FAILED"
    assert "NoSuchBucket" in answer["Reason"]


@pytest.mark.parametrize("code", ["NoSuchBucket", "ReplicationConfigurationNotFoundError"], ids=str)
def test_delete_of_what_is_already_gone_succeeds(
    handler: ModuleType, cfn: Any, lambda_context: Any, code: str
) -> None:
    s3 = handler.client("s3")
    with Stubber(s3) as stub:
        stub.add_client_error("delete_bucket_replication", code, expected_params={"Bucket": SOURCE})
        handler.replication(request(cfn, "Delete", PROPERTIES, physical_id=SOURCE), lambda_context)
        stub.assert_no_pending_responses()
    (answer,) = answers(cfn)
    assert (answer["Status"], answer["Reason"]) == (
        "SUCCESS",
        f"bucket {SOURCE} has no replication configuration",
    )


def test_delete_refused_answers_failed(handler: ModuleType, cfn: Any, lambda_context: Any) -> None:
    s3 = handler.client("s3")
    with Stubber(s3) as stub:
        stub.add_client_error(
            "delete_bucket_replication", "AccessDenied", expected_params={"Bucket": SOURCE}
        )
        handler.replication(request(cfn, "Delete", PROPERTIES, physical_id=SOURCE), lambda_context)
    (answer,) = answers(cfn)
    assert answer["Status"] == "FAILED"
    assert "AccessDenied" in answer["Reason"]


def test_delete_of_a_failed_create_without_a_bucket_name_succeeds(
    handler: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    properties = {k: v for k, v in PROPERTIES.items() if k != "BucketName"}
    handler.replication(
        request(cfn, "Delete", properties, physical_id=lambda_context.log_stream_name),
        lambda_context,
    )
    (answer,) = answers(cfn)
    assert (answer["Status"], answer["PhysicalResourceId"]) == (
        "SUCCESS",
        lambda_context.log_stream_name,
    )
