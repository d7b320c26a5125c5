"""The bootstrap templates: what they hold, the template rules over them, cfn-lint over them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dr_compiler.compiler.bootstrap import (
    ACCEPTED,
    artifacts_template,
    organization_artifacts_template,
    output_reader_template,
    roles_template,
)
from dr_compiler.compiler.naming import EXECUTION_ROLE
from dr_compiler.model import Spec
from dr_compiler.pipeline import bootstrap_findings, bootstrap_template_set, load_model
from dr_compiler.policies.engine import check_templates
from dr_compiler.policies.registry import all_rules

REPO = Path(__file__).resolve().parents[2]
SPECS = ("specs/dev.yaml", "specs/prod.yaml", "specs/orders/prod.yaml")
ORGANIZATION = "o-abc123def4"
ADMINISTERING_ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_model(REPO / "specs" / "dev.yaml")


def every_template(spec: Spec) -> dict[str, dict[str, Any]]:
    return {
        "roles": roles_template(spec),
        "artifacts": artifacts_template(spec),
        "organization-artifacts": organization_artifacts_template(spec, ORGANIZATION),
        "output-reader": output_reader_template(spec, ADMINISTERING_ACCOUNT),
    }


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
    # Its one permission sits in its own customer managed policy (DR081), created with it.
    assert administration["ManagedPolicyArns"] == [{"Ref": "AdministrationRolePolicy"}]
    assert resources["AdministrationRolePolicy"]["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Resource": [{"Fn::Sub": f"arn:${{AWS::Partition}}:iam::*:role/{EXECUTION_ROLE}"}],
        }
    ]
    assert execution["RoleName"] == "AWSCloudFormationStackSetExecutionRole"
    assert execution["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AdministratorAccountId}:root"}
    }
    # The administration region's bucket, for an administering account that is no target.
    assert {
        logical_id: resource.get("Condition") for logical_id, resource in resources.items()
    } == {
        "AdministrationRole": "CreateAdministrationRole",
        "AdministrationRolePolicy": "CreateAdministrationRole",
        "ExecutionRole": "CreateExecutionRole",
        "ArtifactKey": "CreateArtifactBucket",
        "ArtifactKeyAlias": "CreateArtifactBucket",
        "ArtifactBucket": "CreateArtifactBucket",
        "ArtifactBucketPolicy": "CreateArtifactBucket",
    }


def test_a_failed_first_create_leaves_no_bucket_name_taken(spec: Spec) -> None:
    # DR022: the fixed-name bucket (and its key) are deleted by the rollback of the create that
    # made them, and kept on every later operation.
    resources = artifacts_template(spec)["Resources"]
    for logical_id in ("ArtifactBucket", "ArtifactKey"):
        assert resources[logical_id]["DeletionPolicy"] == "RetainExceptOnCreate"
        assert resources[logical_id]["UpdateReplacePolicy"] == "Retain"


def test_the_artifact_key_carries_the_spec_tags(spec: Spec) -> None:
    # DR095: the key is taggable, so it carries the tags every other resource does.
    tags = artifacts_template(spec)["Resources"]["ArtifactKey"]["Properties"]["Tags"]
    assert tags == [
        {"Key": "CostCenter", "Value": "Operations"},
        {"Key": "Criticality", "Value": "Low"},
        {"Key": "Environment", "Value": "dev"},
        {"Key": "Owner", "Value": "payments-platform"},
    ]


@pytest.mark.parametrize("spec_file", SPECS)
def test_the_template_rules_find_only_what_the_bootstrap_accepts(spec_file: str) -> None:
    spec = load_model(REPO / spec_file)
    templates = bootstrap_template_set(every_template(spec), "us-east-1")

    found = {
        (f.rule_id, f.template.file if f.template else "", f.resource)
        for f in check_templates(templates, all_rules())
    }

    assert found == {
        ("DR001", "bootstrap/roles.json", "AdministrationRole"),
        ("DR001", "bootstrap/roles.json", "ExecutionRole"),
        ("DR081", "bootstrap/roles.json", "ExecutionRole"),
        ("DR085", "bootstrap/roles.json", "ArtifactBucket"),
        ("DR085", "bootstrap/artifacts.json", "ArtifactBucket"),
        ("DR085", "bootstrap/organization-artifacts.json", "ArtifactBucket"),
    }
    assert {(a.rule_id, a.logical_id) for a in ACCEPTED} == {(r, i) for r, _, i in found}
    assert bootstrap_findings(templates) == []


@pytest.mark.parametrize("spec_file", SPECS)
def test_every_bootstrap_template_is_cfn_lint_clean_in_every_region(spec_file: str) -> None:
    from cfnlint.api import ManualArgs, lint

    spec = load_model(REPO / spec_file)
    config = ManualArgs(regions=list(spec.regions.all))
    problems = {
        name: [str(match) for match in lint(json.dumps(body), config=config)]
        for name, body in every_template(spec).items()
    }
    assert problems == {name: [] for name in problems}


def test_the_bootstrap_templates_build_without_boto3() -> None:
    # The build path: building the templates loads neither boto3 nor botocore.
    script = (
        "import sys\n"
        "from dr_compiler.compiler.bootstrap import artifacts_template, roles_template\n"
        "from dr_compiler.pipeline import load_model\n"
        "spec = load_model('specs/dev.yaml')\n"
        "roles_template(spec), artifacts_template(spec)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]\n"
