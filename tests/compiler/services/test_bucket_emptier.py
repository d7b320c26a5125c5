"""Bucket emptier: with force_destroy, every bucket is emptied before CloudFormation deletes it."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.compiler.context import Phase, StackContext, StackId
from dr_compiler.compiler.services import bucket_emptier
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.packaging import package_function
from tests.compiler.conftest import REPO
from tests.compiler.roles import policy_statements

BUCKET_STACKS = [("us-east-1", "us-east-1"), ("us-west-2-base", "us-west-2")]
BUCKET_KEYS = [key for key, _ in BUCKET_STACKS]


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def of_type(compiled: CompiledSpec, key: str, kind: str) -> dict[str, Any]:
    return {k: r for k, r in resources(compiled, key).items() if r["Type"] == kind}


def role_statements(compiled: CompiledSpec, key: str) -> dict[str, dict[str, Any]]:
    statements = policy_statements(resources(compiled, key), "BucketEmptierRole")
    return {s["Sid"]: s for s in statements}


@pytest.mark.parametrize("key", BUCKET_KEYS)
def test_dev_every_bucket_has_an_emptier_that_depends_on_it(
    compiled_dev: CompiledSpec, key: str
) -> None:
    buckets = of_type(compiled_dev, key, "AWS::S3::Bucket")
    emptiers = of_type(compiled_dev, key, "Custom::BucketEmptier").values()
    assert buckets
    by_bucket = {e["DependsOn"][0]: e for e in emptiers if len(e["DependsOn"]) == 1}
    assert by_bucket.keys() == buckets.keys()
    for logical_id, emptier in by_bucket.items():
        assert (
            emptier["Properties"]["BucketName"] == buckets[logical_id]["Properties"]["BucketName"]
        )
        assert emptier["Properties"]["ServiceToken"] == {
            "Fn::GetAtt": ["BucketEmptierFunction", "Arn"]
        }


@pytest.mark.parametrize("key", ["us-east-1", "us-west-2-base", "us-west-2-attach", "global"])
def test_prod_has_no_emptier(compiled_prod: CompiledSpec, key: str) -> None:
    kinds = {r["Type"] for r in resources(compiled_prod, key).values()}
    assert "Custom::BucketEmptier" not in kinds
    assert not {"BucketEmptierFunction", "BucketEmptierRole"} & resources(compiled_prod, key).keys()


@pytest.mark.parametrize("key", ["us-west-2-attach", "global"])
def test_dev_stacks_without_buckets_have_no_emptier(compiled_dev: CompiledSpec, key: str) -> None:
    assert "BucketEmptierFunction" not in resources(compiled_dev, key)


@pytest.mark.parametrize(("key", "region"), BUCKET_STACKS)
def test_emptier_function_runs_the_packaged_handler_outside_the_vpc(
    compiled_dev: CompiledSpec, key: str, region: str
) -> None:
    function = resources(compiled_dev, key)["BucketEmptierFunction"]["Properties"]
    package_key = package_function(REPO / "functions" / "bucket_emptier").s3_key("bucket-emptier")
    assert function["FunctionName"] == "payments-bucket-emptier-dev"
    assert function["Code"] == {
        "S3Bucket": {"Fn::Sub": f"payments-artifacts-${{AWS::AccountId}}-{region}-dev"},
        "S3Key": package_key,
    }
    assert (function["Handler"], function["Runtime"], function["Timeout"]) == (
        "handler.main",
        "python3.14",
        900,
    )
    assert function["Role"] == {"Fn::GetAtt": ["BucketEmptierRole", "Arn"]}
    assert "VpcConfig" not in function


@pytest.mark.parametrize(("key", "region"), BUCKET_STACKS)
def test_emptier_async_failures_go_to_an_encrypted_queue(
    compiled_dev: CompiledSpec, key: str, region: str
) -> None:
    stack = resources(compiled_dev, key)
    function = stack["BucketEmptierFunction"]["Properties"]
    assert function["DeadLetterConfig"] == {
        "TargetArn": {"Fn::GetAtt": ["BucketEmptierFailureQueue", "Arn"]}
    }
    queue = stack["BucketEmptierFailureQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Fn::GetAtt": ["KmsKey", "Arn"]}
    statements = role_statements(compiled_dev, key)
    assert statements["SendFailures"]["Action"] == ["sqs:SendMessage"]
    assert statements["SendFailures"]["Resource"] == [
        {"Fn::GetAtt": ["BucketEmptierFailureQueue", "Arn"]}
    ]
    assert set(statements["EncryptFailures"]["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert statements["EncryptFailures"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}
    }


@pytest.mark.parametrize("key", BUCKET_KEYS)
def test_emptier_logs_to_a_kms_encrypted_log_group_with_spec_retention(
    compiled_dev: CompiledSpec, key: str
) -> None:
    stack = resources(compiled_dev, key)
    assert stack["BucketEmptierFunction"]["Properties"]["LoggingConfig"] == {
        "LogGroup": {"Ref": "BucketEmptierLogGroup"}
    }
    log_group = stack["BucketEmptierLogGroup"]["Properties"]
    assert log_group["LogGroupName"] == "/aws/lambda/payments-bucket-emptier-dev"
    assert log_group["RetentionInDays"] == compiled_dev.spec.monitoring.log_retention_days
    assert log_group["KmsKeyId"] == {"Fn::GetAtt": ["KmsKey", "Arn"]}


@pytest.mark.parametrize("key", BUCKET_KEYS)
def test_emptier_role_deletes_versions_in_exactly_this_stacks_buckets(
    compiled_dev: CompiledSpec, key: str
) -> None:
    bucket_arns = [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{b['Properties']['BucketName']['Fn::Sub']}"}
        for b in of_type(compiled_dev, key, "AWS::S3::Bucket").values()
    ]
    statements = role_statements(compiled_dev, key)
    assert statements["ListBucketVersions"]["Action"] == ["s3:ListBucketVersions"]
    assert statements["ListBucketVersions"]["Resource"] == bucket_arns
    assert statements["DeleteObjectVersions"]["Action"] == [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
    ]
    assert statements["DeleteObjectVersions"]["Resource"] == [
        {"Fn::Sub": arn["Fn::Sub"] + "/*"} for arn in bucket_arns
    ]
    s3_actions = {a for s in statements.values() for a in s["Action"] if a.startswith("s3:")}
    assert s3_actions == {"s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"}


@pytest.mark.parametrize(("key", "region"), BUCKET_STACKS)
def test_emptier_role_writes_only_its_own_logs_and_is_named_per_region(
    compiled_dev: CompiledSpec, key: str, region: str
) -> None:
    role = resources(compiled_dev, key)["BucketEmptierRole"]["Properties"]
    assert role["RoleName"] == f"payments-bucket-emptier-{region}-dev"
    # Its own customer managed policy only: no AWS managed AWSLambdaBasicExecutionRole.
    assert role["ManagedPolicyArns"] == [{"Ref": "BucketEmptierRolePolicy"}]
    assert role_statements(compiled_dev, key)["WriteOwnLogs"] == {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [{"Fn::GetAtt": ["BucketEmptierLogGroup", "Arn"]}],
    }
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": ["sts:AssumeRole"],
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]


@pytest.mark.parametrize("key", BUCKET_KEYS)
def test_dev_buckets_queues_and_logs_are_deleted_with_the_stack(
    compiled_dev: CompiledSpec, key: str
) -> None:
    stack = resources(compiled_dev, key)
    ours = ("DocumentsBucket", "BucketEmptierFailureQueue", "BucketEmptierLogGroup")
    assert {(stack[i]["DeletionPolicy"], stack[i]["UpdateReplacePolicy"]) for i in ours} == {
        ("Delete", "Delete")
    }


def test_artifact_key_from_the_pipeline_wins(compiled_dev: CompiledSpec) -> None:
    ctx = StackContext(
        compiled_dev.spec,
        StackId(Phase.PRIMARY, "us-east-1"),
        {"bucket-emptier": "functions/x.zip"},
    )
    assert bucket_emptier.artifact_key(ctx) == "functions/x.zip"


def test_emptier_resources_point_at_the_spec(compiled_dev: CompiledSpec) -> None:
    sources = compiled_dev.stack("us-east-1").sources
    assert sources["BucketEmptierFunction"] == compiled_dev.spec.locate(
        "lifecycle", "force_destroy"
    )
    assert sources["DocumentsBucketEmptier"] == compiled_dev.spec.locate("storage", "buckets", 0)
