"""Reverse replication: each production secondary's attach stack writes its buckets'
replication back to the primary, with the base stack's role, after the primary exists."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.packaging import package_function
from tests.compiler.conftest import REPO
from tests.compiler.roles import policy_statements

ATTACH = "us-west-2-attach"
REVERSE = "DocumentsBucketReverseReplication"
ARN = "arn:${AWS::Partition}"
ROLE_ARN = {"Fn::Sub": f"{ARN}:iam::${{AWS::AccountId}}:role/payments-replication-us-west-2-prod"}
SECONDARY_BUCKET = "payments-documents-${AWS::AccountId}-us-west-2-prod"


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def of_type(compiled: CompiledSpec, kind: str) -> dict[str, list[str]]:
    """Stack key -> logical ids of `kind`, for the stacks that have any."""
    found = {
        stack.stack.key: sorted(
            k for k, r in stack.template["Resources"].items() if r["Type"] == kind
        )
        for stack in compiled.stacks
    }
    return {key: ids for key, ids in found.items() if ids}


def test_prod_attach_stack_replicates_its_bucket_back_to_the_primary(
    compiled_prod: CompiledSpec,
) -> None:
    assert of_type(compiled_prod, "Custom::BucketReplication") == {ATTACH: [REVERSE]}
    reverse = resources(compiled_prod, ATTACH)[REVERSE]["Properties"]
    assert reverse == {
        "ServiceToken": {"Fn::GetAtt": ["ReverseReplicationFunction", "Arn"]},
        "ServiceTimeout": 180,
        "BucketName": {"Fn::Sub": SECONDARY_BUCKET},
        "Role": ROLE_ARN,
        "DestinationBucket": {
            "Fn::Sub": f"{ARN}:s3:::payments-documents-${{AWS::AccountId}}-us-east-1-prod"
        },
        "ReplicaKmsKeyId": {
            "Fn::Sub": f"{ARN}:kms:us-east-1:${{AWS::AccountId}}:alias/payments-us-east-1-prod"
        },
        "RuleId": "replicate-to-us-east-1",
        "ReplicationTimeMinutes": 15,
    }


def test_the_role_and_bucket_it_names_are_the_base_stacks(compiled_prod: CompiledSpec) -> None:
    base = resources(compiled_prod, "us-west-2-base")
    role_name = ROLE_ARN["Fn::Sub"].rsplit("/", 1)[1]
    assert base["ReplicationRole"]["Properties"]["RoleName"] == role_name
    assert base["DocumentsBucket"]["Properties"]["BucketName"] == {"Fn::Sub": SECONDARY_BUCKET}
    # The base stack's bucket itself carries no replication: S3 would refuse it before the
    # primary's bucket exists.
    assert "ReplicationConfiguration" not in base["DocumentsBucket"]["Properties"]


def test_it_deploys_after_the_primary_stack(compiled_prod: CompiledSpec) -> None:
    waves = {stack.stack.key: stack.wave for stack in compiled_prod.stacks}
    assert waves["us-west-2-base"] < waves["us-east-1"] < waves[ATTACH]
    assert any(
        required.source.key == "us-east-1" for required in compiled_prod.stack(ATTACH).requires
    )


def test_the_function_may_write_only_this_buckets_replication_with_only_that_role(
    compiled_prod: CompiledSpec,
) -> None:
    statements = {
        s["Sid"]: s
        for s in policy_statements(resources(compiled_prod, ATTACH), "ReverseReplicationRole")
    }
    assert set(statements) == {
        "WriteOwnLogs",
        "ConfigureReplication",
        "PassReplicationRole",
        "SendFailures",
        "EncryptFailures",
    }
    assert statements["ConfigureReplication"]["Action"] == [
        "s3:PutReplicationConfiguration",
        "s3:GetReplicationConfiguration",
    ]
    assert statements["ConfigureReplication"]["Resource"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{SECONDARY_BUCKET}"}
    ]
    assert statements["PassReplicationRole"] == {
        "Sid": "PassReplicationRole",
        "Effect": "Allow",
        "Action": ["iam:PassRole"],
        "Resource": [ROLE_ARN],
        "Condition": {"StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}},
    }


def test_the_function_runs_the_shared_package_outside_the_vpc(
    compiled_prod: CompiledSpec,
) -> None:
    function = resources(compiled_prod, ATTACH)["ReverseReplicationFunction"]["Properties"]
    key = package_function(REPO / "functions" / "bucket_emptier").s3_key("reverse-replication")
    assert function["Code"]["S3Key"] == key
    assert function["Handler"] == "handler.replication"
    assert function["DeadLetterConfig"] == {
        "TargetArn": {"Fn::GetAtt": ["ReverseReplicationFailureQueue", "Arn"]}
    }
    assert "VpcConfig" not in function
    assert compiled_prod.stack(ATTACH).sources[REVERSE] == compiled_prod.spec.locate(
        "storage", "buckets", 0, "replication"
    )


@pytest.mark.parametrize("fixture", ["compiled_dev", "compiled_staging"])
def test_outside_production_the_runbook_configures_it(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    assert of_type(compiled, "Custom::BucketReplication") == {}
    assert "ReverseReplicationFunction" not in resources(compiled, ATTACH)


def test_failures_of_the_reverse_rule_raise_an_alarm_where_s3_publishes_them(
    compiled_prod: CompiledSpec,
) -> None:
    attach = resources(compiled_prod, ATTACH)
    alarm = attach["DocumentsReplicationFailuresUsEast1Alarm"]["Properties"]
    assert alarm["MetricName"] == "OperationsFailedReplication"
    assert alarm["Dimensions"] == [
        {"Name": "SourceBucket", "Value": {"Fn::Sub": SECONDARY_BUCKET}},
        {
            "Name": "DestinationBucket",
            "Value": {"Fn::Sub": "payments-documents-${AWS::AccountId}-us-east-1-prod"},
        },
        {"Name": "RuleId", "Value": attach[REVERSE]["Properties"]["RuleId"]},
    ]
    assert alarm["AlarmActions"] == [{"Fn::ImportValue": "payments-us-west-2-base-prod-AlertTopic"}]
