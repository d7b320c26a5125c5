"""The failover builder: every secondary's own trigger path, in that secondary's stack."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.stage import CompiledSpec, compile_spec
from tests.compiler.services.test_route53 import with_third_region


def typed(compiled: CompiledSpec, key: str, kind: str) -> dict[str, dict[str, Any]]:
    resources = compiled.stack(key).template["Resources"]
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == kind}


def test_the_secondary_topic_invokes_its_own_failover_function(
    compiled_prod: CompiledSpec,
) -> None:
    key = "us-west-2-attach"
    (topic,) = typed(compiled_prod, key, "AWS::SNS::Topic").values()
    assert topic["TopicName"] == "payments-failover-us-west-2-prod"
    assert topic["KmsMasterKeyId"] == {"Fn::ImportValue": "payments-us-west-2-base-prod-KmsKeyArn"}
    assert typed(compiled_prod, key, "AWS::SNS::Subscription") == {
        "FailoverTopicSubscription": {
            "TopicArn": {"Ref": ids.FAILOVER_TOPIC},
            "Protocol": "lambda",
            "Endpoint": {"Fn::GetAtt": ["FailoverTriggerFunction", "Arn"]},
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["FailoverTopicDeadLetterQueue", "Arn"]}
            },
        }
    }
    for other in ("us-east-1", "us-west-2-base"):
        assert "FailoverTriggerAlarm" not in compiled_prod.stack(other).template["Resources"]
        assert not typed(compiled_prod, other, "AWS::SNS::Subscription").keys() & {
            "FailoverTopicSubscription"
        }


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("us-west-2-attach", "payments-failover-deliveries-prod"),
        ("global", "payments-global-failover-deliveries-prod"),
    ],
)
def test_what_sns_cannot_deliver_to_the_failover_function_lands_in_an_encrypted_queue(
    compiled_prod: CompiledSpec, key: str, name: str
) -> None:
    resources = compiled_prod.stack(key).template["Resources"]
    subscription = resources["FailoverTopicSubscription"]["Properties"]
    assert subscription["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["FailoverTopicDeadLetterQueue", "Arn"]}
    }
    queue = resources["FailoverTopicDeadLetterQueue"]["Properties"]
    assert queue["QueueName"] == name
    assert queue["MessageRetentionPeriod"] == 1209600
    key_arn = (
        {"Fn::ImportValue": "payments-us-west-2-base-prod-KmsKeyArn"}
        if key.endswith("attach")
        else {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
    )
    assert queue["KmsMasterKeyId"] == key_arn
    statements = {
        s["Sid"]: s
        for s in resources["FailoverTopicDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"][
            "Statement"
        ]
    }
    assert set(statements) == {"DenyInsecureTransport", "TopicDeadLetters"}
    writer = statements["TopicDeadLetters"]
    assert writer["Principal"] == {"Service": "sns.amazonaws.com"}
    assert writer["Action"] == ["sqs:SendMessage"]
    assert writer["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": ids.FAILOVER_TOPIC}}}
    # Anything landing there alarms, like every other dead-letter queue (DR032).
    alarm = resources["FailoverDeliveriesAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": ["FailoverTopicDeadLetterQueue", "QueueName"]},
        }
    ]


def test_every_secondary_gets_a_path_and_defers_to_the_ones_ahead(
    compiled_prod: CompiledSpec,
) -> None:
    compiled = compile_spec(with_third_region(compiled_prod.spec), compiled_prod.artifact_keys)
    for region, ahead in (("us-west-2", ""), ("eu-west-1", "us-west-2")):
        key = f"{region}-attach"
        assert "FailoverTriggerAlarm" in compiled.stack(key).template["Resources"]
        assert "FailoverTopicSubscription" in compiled.stack(key).template["Resources"]
        function = typed(compiled, key, "AWS::Lambda::Function")["FailoverTriggerFunction"]
        assert function["Environment"]["Variables"]["FAILOVER_AHEAD"] == ahead


def test_a_manual_failover_compiles_no_trigger_path(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    manual = dataclasses.replace(spec, failover=dataclasses.replace(spec.failover, automatic=False))
    compiled = compile_spec(manual, compiled_prod.artifact_keys)
    resources = compiled.stack("us-west-2-attach").template["Resources"]
    assert not {"FailoverTopic", "FailoverTopicSubscription", "FailoverTriggerAlarm"} & set(
        resources
    )
