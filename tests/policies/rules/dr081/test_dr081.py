from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from dr_compiler.policies.rules.dr081_least_privilege import (
    STAR_RESOURCE_ALLOWED,
    managed_policy_length,
)
from tests.policies.ruletest import (
    load_templates,
    set_findings,
    summary,
    template_findings,
    with_defect,
)

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"
INLINE = "Policies[0].PolicyDocument.Statement"


def test_wildcard_actions_not_action_and_scopable_actions_on_every_resource_fail() -> None:
    findings = template_findings("DR081", HERE / BAD)
    assert summary(findings) == {
        ("DR081", "AdminRole", f"{BAD}: AdminRole.{INLINE}[0].Action"),
        ("DR081", "StoragePolicy", f"{BAD}: StoragePolicy.PolicyDocument.Statement[0].Action"),
        ("DR081", "MonitorRole", f"{BAD}: MonitorRole.{INLINE}[0].Resource"),
        ("DR081", "MonitorRole", f"{BAD}: MonitorRole.{INLINE}[1].NotAction"),
        (
            "DR081",
            "OperatorPolicy",
            f"{BAD}: OperatorPolicy.PolicyDocument.Statement[0].NotResource",
        ),
        # Inline policies and AWS managed policies.
        ("DR081", "AdminRole", f"{BAD}: AdminRole.Policies[0]"),
        ("DR081", "AdminRole", f"{BAD}: AdminRole.ManagedPolicyArns[0]"),
        ("DR081", "StoragePolicy", f"{BAD}: StoragePolicy"),
        ("DR081", "MonitorRole", f"{BAD}: MonitorRole.Policies[0]"),
        ("DR081", "MonitorRole", f"{BAD}: MonitorRole.ManagedPolicyArns[0]"),
    }
    messages = {str(f.template): f.message for f in findings}
    # cloudwatch:PutMetricData in the same statement is on the allow-list; the SQS actions are not.
    assert messages[f"{BAD}: MonitorRole.{INLINE}[0].Resource"] == (
        "MonitorRole statement MetricsAndQueue grants sqs:ReceiveMessage, sqs:DeleteMessage on "
        'Resource "*": scope them to ARNs (only actions without resource-level permissions '
        'may use "*")'
    )


def test_inline_policies_unlisted_aws_managed_policies_and_a_bad_managed_statement_fail() -> None:
    fixture = "attachments.us-east-1.primary.json"
    findings = template_findings("DR081", HERE / fixture)
    assert summary(findings) == {
        ("DR081", "InlineRole", f"{fixture}: InlineRole.Policies[0]"),
        ("DR081", "InlinePolicy", f"{fixture}: InlinePolicy"),
        ("DR081", "BasicRole", f"{fixture}: BasicRole.ManagedPolicyArns[1]"),
        # A wildcard in the role's customer managed policy is caught like an inline one.
        (
            "DR081",
            "BasicRolePolicy",
            f"{fixture}: BasicRolePolicy.PolicyDocument.Statement[0].Action",
        ),
        # BackupRole's AWSBackupServiceRolePolicyForBackup is on AWS_MANAGED_ALLOWED.
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{fixture}: InlineRole.Policies[0]"] == (
        "InlineRole has an inline policy: move its statements into a customer managed policy "
        "(AWS::IAM::ManagedPolicy) attached through the role's ManagedPolicyArns"
    )
    assert messages[f"{fixture}: BasicRole.ManagedPolicyArns[1]"] == (
        "BasicRole attaches the AWS managed policy AWSLambdaBasicExecutionRole, which grants "
        "more than the role uses: grant the actions it needs on its own resources in its "
        "customer managed policy"
    )


def test_scoped_statements_allow_listed_actions_and_resource_policies_pass() -> None:
    # Also holds a KMS key policy and a bucket policy with wildcards: not identity policies,
    # and a monitoring role with the AWS managed policy RDS is documented with.
    assert template_findings("DR081", HERE / "good.us-east-1.primary.json") == []


def test_the_allow_list_names_actions_in_lower_case_service_prefix_form() -> None:
    # Lookups lower-case the statement's action; an entry in any other form would never match.
    assert all(action == action.lower() and ":" in action for action in STAR_RESOURCE_ALLOWED)


# Resource types the reference lists for an allow-listed action that do not make "*" avoidable:
# PutMetricData's only one is the optional `dataset` of metrics published into a dataset.
OPTIONAL_RESOURCE_TYPES = {"cloudwatch:putmetricdata": {"dataset"}}


def test_allow_listed_actions_take_no_resource_in_the_bundled_authorization_reference() -> None:
    # cfn-lint (a dependency) bundles the Service Authorization Reference's action table as
    # data: read it as a file (importing cfn-lint is slow), skip if this version lacks it.
    spec = importlib.util.find_spec("cfnlint")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    policies = root / "data" / "AdditionalSpecs" / "Policies.json"
    if not policies.is_file():
        pytest.skip("this cfn-lint version bundles no policy data")
    services = json.loads(policies.read_text())
    for action in STAR_RESOURCE_ALLOWED:
        prefix, name = action.split(":")
        entry = services[prefix]["Actions"][name]
        assert set(entry.get("Resources", ())) <= OPTIONAL_RESOURCE_TYPES.get(action, set()), action


def test_a_managed_policy_over_iams_size_limit_fails() -> None:
    good = "good.us-east-1.primary.json"
    queue = {"Fn::GetAtt": ["PaymentsQueue", "Arn"]}

    def many_statements(body: dict[str, Any]) -> None:
        document = body["Resources"]["MonitorRolePolicy"]["Properties"]["PolicyDocument"]
        document["Statement"] += [
            {
                "Sid": f"Send{n}",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [queue],
            }
            for n in range(30)
        ]

    templates = with_defect(load_templates(HERE / good), good, many_statements)
    findings = set_findings("DR081", templates)
    assert summary(findings) == {
        ("DR081", "MonitorRolePolicy", f"{good}: MonitorRolePolicy.PolicyDocument")
    }
    length = managed_policy_length(
        templates.templates[0].body["Resources"]["MonitorRolePolicy"]["Properties"][
            "PolicyDocument"
        ],
        "us-east-1",
    )
    assert findings[0].message == (
        f"MonitorRolePolicy renders to up to {length} characters, over the 6144 IAM allows a "
        "managed policy: split its statements over several managed policies of the role"
    )


def test_the_size_estimate_renders_each_intrinsic_at_its_longest() -> None:
    document = {
        "Resource": [
            {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q"},
            {"Fn::GetAtt": ["Queue", "Arn"]},
        ]
    }
    sub = "arn:aws-us-gov:sqs:eu-west-3:000000000000:q"
    rendered = {"Resource": [sub, "x" * 256]}
    assert managed_policy_length(document, "eu-west-3") == len(
        json.dumps(rendered, separators=(",", ":"))
    )
