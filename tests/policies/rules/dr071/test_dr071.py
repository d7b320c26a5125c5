from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

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
        "function VpcFunction runs in a VPC but role VpcRole lacks "
        "AWSLambdaVPCAccessExecutionRole: Lambda cannot create its network interfaces"
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
