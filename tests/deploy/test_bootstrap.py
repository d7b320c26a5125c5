"""bootstrap: the template rules before anything deploys, and running it against a moto
server (twice). The templates themselves: tests/compiler/test_bootstrap.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.compiler.bootstrap import artifacts_template, roles_template
from dr_compiler.deploy.bootstrap import check_bootstrap_templates
from dr_compiler.errors import SpecInvalidError
from dr_compiler.pipeline import load_model
from tests.deploy.conftest import ACCOUNT, REGIONS, Deployment, client

REPO = Path(__file__).resolve().parents[2]


def test_a_template_rule_finding_stops_the_bootstrap_before_any_call() -> None:
    spec = load_model(REPO / "specs" / "dev.yaml")
    roles = roles_template(spec)
    # The artifact bucket as it was before DR022 ran over the bootstrap: a fixed name, plainly
    # retained, so a failed first create would block the rerun.
    roles["Resources"]["ArtifactBucket"]["DeletionPolicy"] = "Retain"

    with pytest.raises(SpecInvalidError) as refused:
        check_bootstrap_templates(spec, {"roles": roles, "artifacts": artifacts_template(spec)})

    assert [str(problem) for problem in refused.value.problems] == [
        "bootstrap/roles.json: DR022 ArtifactBucket (AWS::S3::Bucket) has a fixed BucketName "
        "and DeletionPolicy Retain: if its stack's first create fails, the rollback keeps it and "
        "the rerun fails with AlreadyExists; use RetainExceptOnCreate"
    ]
    assert refused.value.exit_code == 1


@pytest.mark.e2e
def test_bootstrap_creates_roles_and_buckets_and_is_idempotent(deployment: Deployment) -> None:
    first = deployment.bootstrap()
    assert first.code == 0, first.err
    assert "bootstrap stack payments-bootstrap-roles-dev: create" in first.out
    assert "bootstrap StackSet payments-bootstrap-dev: create (1 StackSet operation)" in first.out

    iam = client("iam")
    for role in (
        "AWSCloudFormationStackSetAdministrationRole",
        "AWSCloudFormationStackSetExecutionRole",
    ):
        assert iam.get_role(RoleName=role)["Role"]["RoleName"] == role
    cfn = client("cloudformation")
    instances = cfn.list_stack_instances(StackSetName="payments-bootstrap-dev")["Summaries"]
    assert sorted((i["Account"], i["Region"]) for i in instances) == [
        (ACCOUNT, region) for region in REGIONS
    ]
    for region in REGIONS:
        name = f"payments-artifacts-{ACCOUNT}-{region}-dev"
        s3 = client("s3", region)
        location = s3.get_bucket_location(Bucket=name)["LocationConstraint"]
        assert (location or "us-east-1") == region
        # moto's CloudFormation applies a bucket's encryption and tags; it ignores versioning
        # and the public access block (checked in the template above) and has no
        # AWS::S3::BucketPolicy model, so the TLS-only policy is not created.
        (rule,) = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    operations = len(
        cfn.list_stack_set_operations(StackSetName="payments-bootstrap-dev")["Summaries"]
    )
    events = len(cfn.describe_stack_events(StackName="payments-bootstrap-roles-dev")["StackEvents"])

    second = deployment.bootstrap()

    assert second.code == 0, second.err
    assert "bootstrap stack payments-bootstrap-roles-dev: unchanged" in second.out
    assert (
        "bootstrap StackSet payments-bootstrap-dev: unchanged (0 StackSet operations)" in second.out
    )
    assert (
        len(cfn.list_stack_set_operations(StackSetName="payments-bootstrap-dev")["Summaries"])
        == operations
    )
    assert (
        len(cfn.describe_stack_events(StackName="payments-bootstrap-roles-dev")["StackEvents"])
        == events
    )


@pytest.mark.e2e
def test_bootstrap_of_another_target_account_creates_only_the_execution_role(
    deployment: Deployment,
) -> None:
    result = deployment.cli("bootstrap", str(deployment.spec), "--trust", "210987654321")

    assert result.code == 0, result.err
    iam = client("iam")
    role = iam.get_role(RoleName="AWSCloudFormationStackSetExecutionRole")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::210987654321:root"
    }
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="AWSCloudFormationStackSetAdministrationRole")
    assert client("cloudformation").list_stack_sets()["Summaries"] == []
