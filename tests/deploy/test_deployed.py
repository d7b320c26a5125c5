"""What one deployment answers, read by every test of this module (deployed_for_reading: one
moto server, build, bootstrap and deploy for them all). A test here must not change what it
reads (a no-op deploy checks that it made no StackSet operation)."""

from __future__ import annotations

import json

import pytest

from tests.deploy.conftest import ACCOUNT, ADMIN_REGION, Deployment, client
from tests.deploy.test_executor import (
    FUNCTIONS,
    STACK_SETS,
    assert_fully_deployed,
    operation_counts,
    vpc_id,
)

pytestmark = pytest.mark.e2e


def test_deploy_creates_stack_sets_instances_and_resources(
    deployed_for_reading: Deployment,
) -> None:
    assert_fully_deployed()


def test_lambda_code_and_large_templates_go_through_the_artifact_buckets(
    deployed_for_reading: Deployment,
) -> None:
    for region in ("us-east-1", "us-west-2"):
        bucket = f"payments-artifacts-{ACCOUNT}-{region}-dev"
        keys = {o["Key"] for o in client("s3", region).list_objects_v2(Bucket=bucket)["Contents"]}
        assert {k.split("/")[1] for k in keys if k.startswith("functions/")} >= set(FUNCTIONS)
        function = client("lambda", region).get_function(FunctionName="payments-payment-api-dev")
        assert function["Configuration"]["FunctionArn"].split(":")[3] == region
    # The primary and attach templates are over the 51,200-byte inline limit (the attach one
    # since it carries a web ACL and scanner suppression metadata): they went by TemplateURL.
    admin_bucket = f"payments-artifacts-{ACCOUNT}-{ADMIN_REGION}-dev"
    listing = client("s3").list_objects_v2(Bucket=admin_bucket, Prefix="templates/")
    assert [o["Key"].split("/")[1] for o in listing["Contents"]] == [
        "payments-us-east-1-dev",
        "payments-us-west-2-attach-dev",
    ]


def test_import_value_and_get_azs_resolve_in_moto(deployed_for_reading: Deployment) -> None:
    # The attach stack reads the base stack's subnets through Fn::ImportValue (same region).
    west = client("ec2", "us-west-2")
    vpc = vpc_id("us-west-2", "10.1.0.0/16")
    subnets = west.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    function = client("lambda", "us-west-2").get_function_configuration(
        FunctionName="payments-payment-api-dev"
    )
    assert set(function["VpcConfig"]["SubnetIds"]) <= {s["SubnetId"] for s in subnets}
    # Fn::GetAZs "" gives the two distinct zones dev asks for. moto resolves "" to us-east-1's
    # zones in every region (its DEFAULT_REGION), so the zones' region is not checked.
    assert len({s["AvailabilityZone"] for s in subnets}) == 2


def test_plan_of_an_unchanged_deployment(deployed_for_reading: Deployment) -> None:
    result = deployed_for_reading.plan("--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["changed"] is False
    assert document["summary"] == {"create": 0, "update": 0, "unchanged": 4}


def test_deploy_again_makes_no_stack_set_operation(deployed_for_reading: Deployment) -> None:
    before = operation_counts()
    result = deployed_for_reading.deploy()
    assert result.code == 0, result.err
    assert "No changes: 4 StackSets up to date." in result.out
    assert operation_counts() == before == dict.fromkeys(STACK_SETS, 1)


def test_drift_detection_names_the_call_moto_does_not_implement(
    deployed_for_reading: Deployment,
) -> None:
    # moto 5.2 has no DetectStackSetDrift: it answers with an HTML error page. The command
    # must say which call failed, in one line, with exit code 2.
    result = deployed_for_reading.cli("status", str(deployed_for_reading.spec), "--drift")

    assert result.code == 2
    assert result.err.splitlines()[-1].startswith(
        "error: dr-compiler: cloudformation:DetectStackSetDrift: unreadable response"
    )
