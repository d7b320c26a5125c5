"""bucket_emptier against S3 served by moto; the CloudFormation ResponseURL is a real
http.server on 127.0.0.1 that records every PUT."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import boto3
import pytest

BUCKET = "payments-documents-test"


@pytest.fixture
def emptier(aws: None, load_handler: Callable[[str], ModuleType]) -> ModuleType:
    return load_handler("bucket_emptier")


@pytest.fixture
def cfn(http_server: Callable[..., Any]) -> Any:
    """The stand-in for CloudFormation's presigned response URL."""
    return http_server(status=200, body=b"")


def request(
    cfn: Any, request_type: str, bucket: str | None = BUCKET, physical_id: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": f"{cfn.url}/cfn-response?X-Amz-Signature=abc",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/payments/guid",
        "RequestId": "request-1",
        "ResourceType": "Custom::BucketEmptier",
        "LogicalResourceId": "DocumentsBucketEmptier",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:fn"},
    }
    if bucket is not None:
        event["ResourceProperties"]["BucketName"] = bucket
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def answers(cfn: Any) -> list[dict[str, Any]]:
    return [json.loads(captured.body) for captured in cfn.requests]


def versioned_bucket_with_history() -> int:
    """A versioned bucket with several versions per key and delete markers; the count."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2", b"v3"):
        s3.put_object(Bucket=BUCKET, Key="receipts/a.pdf", Body=body)
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=BUCKET, Key="receipts/b.pdf", Body=body)
    s3.put_object(Bucket=BUCKET, Key="c.txt", Body=b"only")
    s3.delete_object(Bucket=BUCKET, Key="receipts/a.pdf")  # a delete marker
    s3.delete_object(Bucket=BUCKET, Key="c.txt")  # another
    listing = s3.list_object_versions(Bucket=BUCKET)
    versions, markers = listing.get("Versions", []), listing.get("DeleteMarkers", [])
    assert (len(versions), len(markers)) == (6, 2)
    return len(versions) + len(markers)


def test_delete_empties_every_version_and_delete_marker(
    emptier: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    expected = versioned_bucket_with_history()

    emptier.main(request(cfn, "Delete", physical_id=BUCKET), lambda_context)

    s3 = boto3.client("s3", region_name="us-east-1")
    listing = s3.list_object_versions(Bucket=BUCKET)
    assert listing.get("Versions", []) == []
    assert listing.get("DeleteMarkers", []) == []
    s3.delete_bucket(Bucket=BUCKET)  # what CloudFormation does next: now it succeeds
    assert answers(cfn) == [
        {
            "Status": "SUCCESS",
            "Reason": f"deleted {expected} object versions and delete markers from {BUCKET}",
            "PhysicalResourceId": BUCKET,
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/payments/guid",
            "RequestId": "request-1",
            "LogicalResourceId": "DocumentsBucketEmptier",
            "Data": {"Deleted": expected},
        }
    ]
    captured = cfn.requests[0]
    assert captured.method == "PUT"
    assert captured.path == "/cfn-response?X-Amz-Signature=abc"
    assert captured.headers["Content-Type"] == ""


def test_delete_works_in_batches(
    emptier: ModuleType, cfn: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = versioned_bucket_with_history()
    # A small batch proves the batching with a handful of objects instead of a thousand.
    monkeypatch.setattr(emptier, "DELETE_BATCH", 3)

    emptier.main(request(cfn, "Delete", physical_id=BUCKET), lambda_context)

    assert answers(cfn)[0]["Data"] == {"Deleted": expected}
    listing = boto3.client("s3", region_name="us-east-1").list_object_versions(Bucket=BUCKET)
    assert "Versions" not in listing and "DeleteMarkers" not in listing


def test_delete_of_a_missing_bucket_succeeds(
    emptier: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    emptier.main(request(cfn, "Delete", physical_id=BUCKET), lambda_context)

    (answer,) = answers(cfn)
    assert answer["Status"] == "SUCCESS"
    assert answer["Reason"] == f"bucket {BUCKET} does not exist"


def test_delete_that_cannot_remove_objects_answers_failed(
    emptier: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    version = s3.put_object(Bucket=BUCKET, Key="held.pdf", Body=b"x")["VersionId"]
    s3.put_object_legal_hold(
        Bucket=BUCKET, Key="held.pdf", VersionId=version, LegalHold={"Status": "ON"}
    )

    emptier.main(request(cfn, "Delete", physical_id=BUCKET), lambda_context)

    (answer,) = answers(cfn)
    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == BUCKET
    assert f"1 objects in {BUCKET} not deleted" in answer["Reason"]
    assert "AccessDenied" in answer["Reason"]
    assert answer["Reason"].endswith(f"see log stream {lambda_context.log_stream_name}")


def test_create_without_bucket_name_answers_failed(
    emptier: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    emptier.main(request(cfn, "Create", bucket=None), lambda_context)

    (answer,) = answers(cfn)
    assert answer["Status"] == "FAILED"
    assert "ResourceProperties.BucketName is required" in answer["Reason"]
    assert answer["PhysicalResourceId"] == lambda_context.log_stream_name


def test_delete_without_bucket_name_succeeds_so_a_failed_create_can_roll_back(
    emptier: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    physical_id = lambda_context.log_stream_name

    emptier.main(request(cfn, "Delete", bucket=None, physical_id=physical_id), lambda_context)

    (answer,) = answers(cfn)
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", physical_id)


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_touch_nothing(
    emptier: ModuleType, cfn: Any, lambda_context: Any, request_type: str
) -> None:
    expected = versioned_bucket_with_history()
    physical_id = BUCKET if request_type == "Update" else None

    emptier.main(request(cfn, request_type, physical_id=physical_id), lambda_context)

    (answer,) = answers(cfn)
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", BUCKET)
    listing = boto3.client("s3", region_name="us-east-1").list_object_versions(Bucket=BUCKET)
    assert len(listing["Versions"]) + len(listing["DeleteMarkers"]) == expected


def test_unknown_request_type_answers_failed(
    emptier: ModuleType, cfn: Any, lambda_context: Any
) -> None:
    emptier.main(request(cfn, "Replace"), lambda_context)

    assert answers(cfn)[0]["Status"] == "FAILED"


def test_deadline_timer_answers_failed_once_before_the_timeout(
    emptier: ModuleType, cfn: Any
) -> None:
    responder = emptier.Responder(request(cfn, "Delete"), BUCKET)
    # 0.2 s of work left before the margin: the timer must answer on its own.
    responder.arm(emptier.DEADLINE_MARGIN_SECONDS + 0.2, "timed out emptying bucket")
    deadline = time.monotonic() + 5
    while not cfn.requests and time.monotonic() < deadline:
        time.sleep(0.02)

    late = responder.send("SUCCESS", "finished after the deadline")

    assert late is False
    (answer,) = answers(cfn)
    assert (answer["Status"], answer["Reason"]) == ("FAILED", "timed out emptying bucket")


def test_only_one_answer_is_ever_sent(emptier: ModuleType, cfn: Any) -> None:
    responder = emptier.Responder(request(cfn, "Create"), BUCKET)
    responder.arm(emptier.DEADLINE_MARGIN_SECONDS + 0.1, "timed out")

    sent = responder.send("SUCCESS", "done")
    responder.cancel()
    time.sleep(0.3)  # past the moment the timer would have fired

    assert sent is True
    assert [answer["Status"] for answer in answers(cfn)] == ["SUCCESS"]
