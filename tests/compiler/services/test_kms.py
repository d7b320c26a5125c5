"""The KMS builder: each region's key policy scopes every service principal it admits."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.stage import CompiledSpec

KEY_STACKS = (("us-east-1", "us-east-1"), ("us-west-2-base", "us-west-2"), ("global", "us-east-1"))


def statements(compiled: CompiledSpec, key: str) -> dict[str, dict[str, Any]]:
    policy = compiled.stack(key).template["Resources"][ids.KMS_KEY]["Properties"]["KeyPolicy"]
    return {s["Sid"]: s for s in policy["Statement"]}


@pytest.mark.parametrize(("key", "region"), KEY_STACKS)
def test_only_logs_alarms_and_sns_dead_letters_use_the_key_on_the_accounts_behalf(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    found = statements(compiled_prod, key)
    services = {
        sid: s["Principal"]["Service"] for sid, s in found.items() if "Service" in s["Principal"]
    }
    # EventBridge never calls KMS for these stacks: no encrypted target. SNS does, for the
    # encrypted dead-letter queues of Lambda subscriptions.
    assert services == {
        "LogsEncryptLogGroups": f"logs.{region}.amazonaws.com",
        "AlarmsPublishToEncryptedTopics": "cloudwatch.amazonaws.com",
        "TopicsDeadLetterToEncryptedQueues": "sns.amazonaws.com",
    }


@pytest.mark.parametrize(("key", "region"), KEY_STACKS)
def test_sns_uses_the_key_only_for_this_apps_topics_of_the_account_and_region(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    sns = statements(compiled_prod, key)["TopicsDeadLetterToEncryptedQueues"]
    assert sns["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert sns["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Sub": f"arn:${{AWS::Partition}}:sns:{region}:${{AWS::AccountId}}"
                ":payments-*-prod"
            }
        },
    }


@pytest.mark.parametrize(("key", "region"), KEY_STACKS)
def test_logs_use_the_key_only_for_this_accounts_log_groups_in_the_region(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    logs = statements(compiled_prod, key)["LogsEncryptLogGroups"]
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": {
                "Fn::Sub": f"arn:${{AWS::Partition}}:logs:{region}:${{AWS::AccountId}}:*"
            }
        }
    }


@pytest.mark.parametrize(("key", "region"), KEY_STACKS)
def test_cloudwatch_uses_the_key_only_for_this_apps_alarms_of_the_account_and_region(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    alarms = statements(compiled_prod, key)["AlarmsPublishToEncryptedTopics"]
    assert alarms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert alarms["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Sub": f"arn:${{AWS::Partition}}:cloudwatch:{region}:${{AWS::AccountId}}"
                ":alarm:payments-*-prod"
            }
        },
        "StringLike": {
            "kms:EncryptionContext:aws:sns:topicArn": {
                "Fn::Sub": f"arn:${{AWS::Partition}}:sns:{region}:${{AWS::AccountId}}"
                ":payments-*-prod"
            }
        },
    }
    # Every alarm of the region, and every topic it can publish to, falls under those patterns.
    names = [
        r["Properties"][prop]
        for stack in compiled_prod.stacks
        if stack.stack.region == region
        for r in stack.template["Resources"].values()
        for kind, prop in (
            ("AWS::CloudWatch::Alarm", "AlarmName"),
            ("AWS::SNS::Topic", "TopicName"),
        )
        if r["Type"] == kind
    ]
    assert names
    for name in names:
        assert name.startswith("payments-") and name.endswith("-prod"), name
