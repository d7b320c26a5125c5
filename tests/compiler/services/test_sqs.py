"""SQS builder: each spec queue with its dead-letter queue, where the workload runs."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.compiler.stage import CompiledSpec

WORKLOAD_STACKS = ["us-east-1", "us-west-2-attach"]


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def props(compiled: CompiledSpec, key: str, logical_id: str) -> dict[str, Any]:
    return resources(compiled, key)[logical_id]["Properties"]


@pytest.mark.parametrize("key", ["us-west-2-base", "global"])
def test_no_queue_outside_workload_stacks(compiled_prod: CompiledSpec, key: str) -> None:
    assert "PaymentsQueue" not in resources(compiled_prod, key)
    assert "PaymentsDeadLetterQueue" not in resources(compiled_prod, key)


@pytest.mark.parametrize("key", WORKLOAD_STACKS)
def test_queue_names_carry_no_region_because_queue_names_are_regional(
    compiled_prod: CompiledSpec, key: str
) -> None:
    assert props(compiled_prod, key, "PaymentsQueue")["QueueName"] == "payments-payments-prod"
    assert (
        props(compiled_prod, key, "PaymentsDeadLetterQueue")["QueueName"]
        == "payments-payments-dlq-prod"
    )


@pytest.mark.parametrize("key", WORKLOAD_STACKS)
def test_queue_settings_come_from_the_spec(compiled_prod: CompiledSpec, key: str) -> None:
    queue = props(compiled_prod, key, "PaymentsQueue")
    assert queue["VisibilityTimeout"] == 180
    assert queue["MessageRetentionPeriod"] == 345600
    assert props(compiled_prod, key, "PaymentsDeadLetterQueue")["MessageRetentionPeriod"] == 1209600


@pytest.mark.parametrize("key", WORKLOAD_STACKS)
def test_queue_redrives_to_its_dead_letter_queue(compiled_prod: CompiledSpec, key: str) -> None:
    assert props(compiled_prod, key, "PaymentsQueue")["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["PaymentsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }


@pytest.mark.parametrize(
    ("key", "region"), [("us-east-1", "us-east-1"), ("us-west-2-attach", "us-west-2")]
)
def test_dead_letter_queue_accepts_redrive_only_from_its_source_queue(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    source_name = props(compiled_prod, key, "PaymentsQueue")["QueueName"]
    assert props(compiled_prod, key, "PaymentsDeadLetterQueue")["RedriveAllowPolicy"] == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [
            {"Fn::Sub": f"arn:${{AWS::Partition}}:sqs:{region}:${{AWS::AccountId}}:{source_name}"}
        ],
    }


@pytest.mark.parametrize("logical_id", ["PaymentsQueue", "PaymentsDeadLetterQueue"])
def test_primary_queues_use_the_primary_key(compiled_prod: CompiledSpec, logical_id: str) -> None:
    assert props(compiled_prod, "us-east-1", logical_id)["KmsMasterKeyId"] == {
        "Fn::GetAtt": ["KmsKey", "Arn"]
    }


@pytest.mark.parametrize("logical_id", ["PaymentsQueue", "PaymentsDeadLetterQueue"])
def test_secondary_queues_import_the_key_their_base_stack_exports(
    compiled_prod: CompiledSpec, logical_id: str
) -> None:
    imported = props(compiled_prod, "us-west-2-attach", logical_id)["KmsMasterKeyId"][
        "Fn::ImportValue"
    ]
    base_outputs = compiled_prod.stack("us-west-2-base").template["Outputs"].values()
    exported = {o["Export"]["Name"]: o["Value"] for o in base_outputs if "Export" in o}
    assert exported[imported] == {"Fn::GetAtt": ["KmsKey", "Arn"]}


@pytest.mark.parametrize("key", WORKLOAD_STACKS)
def test_queue_policy_denies_non_tls_on_both_queues(compiled_prod: CompiledSpec, key: str) -> None:
    policy = resources(compiled_prod, key)["PaymentsQueuePolicy"]
    assert policy["Type"] == "AWS::SQS::QueuePolicy"
    assert policy["Properties"]["Queues"] == [
        {"Ref": "PaymentsQueue"},
        {"Ref": "PaymentsDeadLetterQueue"},
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == ["sqs:*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["PaymentsQueue", "Arn"]},
        {"Fn::GetAtt": ["PaymentsDeadLetterQueue", "Arn"]},
    ]


@pytest.mark.parametrize("key", WORKLOAD_STACKS)
def test_prod_queues_are_retained_and_dev_queues_deleted(
    compiled_prod: CompiledSpec, compiled_dev: CompiledSpec, key: str
) -> None:
    for logical_id in ("PaymentsQueue", "PaymentsDeadLetterQueue"):
        prod = resources(compiled_prod, key)[logical_id]
        dev = resources(compiled_dev, key)[logical_id]
        assert (prod["DeletionPolicy"], prod["UpdateReplacePolicy"]) == (
            "RetainExceptOnCreate",
            "Retain",
        )
        assert (dev["DeletionPolicy"], dev["UpdateReplacePolicy"]) == ("Delete", "Delete")


@pytest.mark.parametrize("key", WORKLOAD_STACKS)
def test_queue_urls_and_arns_are_outputs(compiled_prod: CompiledSpec, key: str) -> None:
    outputs = compiled_prod.stack(key).template["Outputs"]
    for logical_id in ("PaymentsQueue", "PaymentsDeadLetterQueue"):
        assert outputs[f"{logical_id}Url"]["Value"] == {"Ref": logical_id}
        assert outputs[f"{logical_id}Arn"]["Value"] == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_queue_resources_point_at_the_spec_queue(compiled_prod: CompiledSpec) -> None:
    sources = compiled_prod.stack("us-east-1").sources
    where = compiled_prod.spec.locate("queues", 0)
    assert {
        sources[i] for i in ("PaymentsQueue", "PaymentsDeadLetterQueue", "PaymentsQueuePolicy")
    } == {where}


@pytest.fixture(scope="module")
def compiled_orders() -> CompiledSpec:
    from tests.compiler.conftest import compile_file
    from tests.specbuild import ORDERS_SPEC

    return compile_file(ORDERS_SPEC)


@pytest.mark.parametrize("key", ["eu-west-1", "eu-west-2-attach", "eu-west-3-attach"])
def test_a_fifo_queue_and_its_dead_letter_queue_are_both_fifo(
    compiled_orders: CompiledSpec, key: str
) -> None:
    queue = props(compiled_orders, key, "FulfilmentQueue")
    dead_letter = props(compiled_orders, key, "FulfilmentDeadLetterQueue")
    assert (queue["QueueName"], queue["FifoQueue"]) == ("orders-fulfilment-prod.fifo", True)
    assert "ContentBasedDeduplication" not in queue
    assert (dead_letter["QueueName"], dead_letter["FifoQueue"]) == (
        "orders-fulfilment-dlq-prod.fifo",
        True,
    )
    region = key.removesuffix("-attach")
    assert dead_letter["RedriveAllowPolicy"]["sourceQueueArns"] == [
        {
            "Fn::Sub": f"arn:${{AWS::Partition}}:sqs:{region}:${{AWS::AccountId}}:"
            "orders-fulfilment-prod.fifo"
        }
    ]


def test_a_standard_queue_sets_no_fifo_property(compiled_prod: CompiledSpec) -> None:
    queue = props(compiled_prod, "us-east-1", "PaymentsQueue")
    assert "FifoQueue" not in queue and queue["QueueName"] == "payments-payments-prod"
