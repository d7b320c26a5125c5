from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.policies.ruletest import (
    load_templates,
    set_findings,
    summary,
    template_findings,
    with_defect,
    with_managed_policies,
)

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_missing_execution_policies_wildcard_actions_and_dropped_failures_fail() -> None:
    findings = template_findings("DR071", HERE / BAD)
    assert summary(findings) == {
        ("DR071", "NoLogsFunction", f"{BAD}: NoLogsRole.ManagedPolicyArns"),
        ("DR071", "VpcFunction", f"{BAD}: VpcRole.ManagedPolicyArns"),
        (
            "DR071",
            "GreedyFunction",
            f"{BAD}: GreedyRole.Policies[0].PolicyDocument.Statement[0].Action",
        ),
        (
            "DR071",
            "GreedyFunction",
            f"{BAD}: GreedyStoragePolicy.PolicyDocument.Statement[0].Action",
        ),
        # Its EventInvokeConfig has an OnSuccess destination only.
        ("DR071", "GreedyFunction", f"{BAD}: GreedyFunction.DeadLetterConfig"),
        ("DR071", "ForeignRoleFunction", f"{BAD}: ForeignRoleFunction.Role"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{BAD}: VpcRole.ManagedPolicyArns"] == (
        "function VpcFunction runs in a VPC but role VpcRole has neither "
        "AWSLambdaVPCAccessExecutionRole nor the ec2 network interface actions: Lambda cannot "
        "create its network interfaces"
    )
    assert messages[f"{BAD}: GreedyStoragePolicy.PolicyDocument.Statement[0].Action"] == (
        "function GreedyFunction role GreedyRole allows s3:*: name the actions the function calls"
    )
    assert messages[f"{BAD}: GreedyFunction.DeadLetterConfig"] == (
        "function GreedyFunction has no DeadLetterConfig.TargetArn and no EventInvokeConfig "
        "OnFailure destination: Lambda discards failed asynchronous events after its retries"
    )


def test_execution_policies_named_actions_and_a_failure_target_pass() -> None:
    # Covers inline logs permissions instead of the managed policy, an EventInvokeConfig
    # OnFailure destination instead of a dead-letter queue, and a wildcard Deny.
    assert template_findings("DR071", HERE / "good.us-east-1.primary.json") == []


def test_statements_of_a_customer_managed_policy_count_like_inline_ones() -> None:
    # Every role's inline policy moved into `<Role>Policy` (AWS::IAM::ManagedPolicy): the
    # wildcard is caught in it, and logs or network interface actions granted there count.
    templates = with_managed_policies(load_templates(HERE / BAD))
    assert summary(set_findings("DR071", templates)) == {
        ("DR071", "NoLogsFunction", f"{BAD}: NoLogsRole.ManagedPolicyArns"),
        ("DR071", "VpcFunction", f"{BAD}: VpcRole.ManagedPolicyArns"),
        ("DR071", "GreedyFunction", f"{BAD}: GreedyRolePolicy.PolicyDocument.Statement[0].Action"),
        (
            "DR071",
            "GreedyFunction",
            f"{BAD}: GreedyStoragePolicy.PolicyDocument.Statement[0].Action",
        ),
        ("DR071", "GreedyFunction", f"{BAD}: GreedyFunction.DeadLetterConfig"),
        ("DR071", "ForeignRoleFunction", f"{BAD}: ForeignRoleFunction.Role"),
    }


def test_network_interface_actions_in_the_roles_own_policy_replace_the_managed_policy() -> None:
    def grant_network_interfaces(body: dict[str, Any]) -> None:
        resources = body["Resources"]
        # Only its own policy: no AWSLambdaBasicExecutionRole.
        resources["VpcRole"]["Properties"]["ManagedPolicyArns"] = [{"Ref": "VpcRolePolicy"}]
        statements = resources["VpcRolePolicy"]["Properties"]["PolicyDocument"]["Statement"]
        statements.append(
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:*/*"}],
            }
        )
        statements.append(
            {"Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces"], "Resource": "*"}
        )

    templates = with_defect(
        with_managed_policies(load_templates(HERE / BAD)), BAD, grant_network_interfaces
    )
    assert {f.resource for f in set_findings("DR071", templates)} == {
        "NoLogsFunction",
        "GreedyFunction",
        "ForeignRoleFunction",
    }
