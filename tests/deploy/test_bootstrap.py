"""bootstrap: the templates it emits, and running it against a moto server (twice)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dr_compiler.deploy.bootstrap import artifacts_template, roles_template
from dr_compiler.model import Spec
from dr_compiler.pipeline import load_model
from tests.deploy.conftest import ACCOUNT, REGIONS, Deployment, client

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_model(REPO / "specs" / "dev.yaml")


def bucket(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["ArtifactBucket"]["Properties"])


def test_the_artifact_bucket_is_named_by_the_naming_function_per_region(spec: Spec) -> None:
    name = bucket(artifacts_template(spec))["BucketName"]
    assert name == {"Fn::Sub": "payments-artifacts-${AWS::AccountId}-${AWS::Region}-dev"}


def test_the_artifact_bucket_is_encrypted_versioned_private_and_tls_only(spec: Spec) -> None:
    template = artifacts_template(spec)
    properties = bucket(template)
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["ArtifactKey", "Arn"]},
    }
    assert template["Resources"]["ArtifactKey"]["Properties"]["EnableKeyRotation"] is True
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    (statement,) = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_roles_stack_holds_the_stack_set_roles(spec: Spec) -> None:
    resources = roles_template(spec)["Resources"]
    administration = resources["AdministrationRole"]["Properties"]
    execution = resources["ExecutionRole"]["Properties"]
    assert administration["RoleName"] == "AWSCloudFormationStackSetAdministrationRole"
    assert administration["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "cloudformation.amazonaws.com"
    }
    assert execution["RoleName"] == "AWSCloudFormationStackSetExecutionRole"
    assert execution["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AdministratorAccountId}:root"}
    }
    # The administration region's bucket, for an administering account that is no target.
    assert resources["ArtifactBucket"]["Condition"] == "CreateArtifactBucket"


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
