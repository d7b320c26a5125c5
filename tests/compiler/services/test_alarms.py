"""Alarms builder: alarms notify their own region and watch the right metric, stack by stack."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, StackId, export_name
from dr_compiler.compiler.naming import bucket_name, db_cluster_identifier
from dr_compiler.compiler.stage import CompiledSpec, CompiledStack, compile_spec

ALARM = "AWS::CloudWatch::Alarm"


def alarms(stack: CompiledStack) -> dict[str, dict[str, Any]]:
    return {
        k: v["Properties"] for k, v in stack.template["Resources"].items() if v["Type"] == ALARM
    }


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in alarm["Dimensions"]}


def own_alert_topic(compiled: CompiledSpec, stack: CompiledStack) -> dict[str, Any]:
    """The alert topic of the stack's region: a Ref, or the import of its base stack's export."""
    if stack.stack.phase is Phase.ATTACH:
        base = StackId(Phase.BASE, stack.stack.region)
        return {"Fn::ImportValue": export_name(compiled.spec, base, ids.ALERT_TOPIC)}
    return {"Ref": ids.ALERT_TOPIC}


@pytest.fixture(params=["prod", "dev"])
def compiled(request: pytest.FixtureRequest) -> CompiledSpec:
    return request.getfixturevalue(f"compiled_{request.param}")


def test_every_alarm_notifies_its_own_regions_alert_topic_on_alarm_and_ok(
    compiled: CompiledSpec,
) -> None:
    seen = 0
    for stack in compiled.stacks:
        topic = own_alert_topic(compiled, stack)
        for logical_id, alarm in alarms(stack).items():
            seen += 1
            assert alarm["OKActions"] == [topic], logical_id
            assert alarm["AlarmActions"][0] == topic, logical_id
            extra = alarm["AlarmActions"][1:]
            assert extra in ([], [{"Ref": ids.FAILOVER_TOPIC}]), logical_id
            if extra:
                # The failover topic of the alarm's own stack: global or a secondary's own.
                assert stack.stack.phase in (Phase.GLOBAL, Phase.ATTACH)
                topic_type = stack.template["Resources"][ids.FAILOVER_TOPIC]["Type"]
                assert topic_type == "AWS::SNS::Topic"
    assert seen > 0


def test_attach_stack_alarms_import_the_base_stacks_topic(compiled_prod: CompiledSpec) -> None:
    stack = compiled_prod.stack("us-west-2-attach")
    exported = compiled_prod.stack("us-west-2-base").template["Outputs"][ids.ALERT_TOPIC]["Export"][
        "Name"
    ]
    for alarm in alarms(stack).values():
        assert alarm["OKActions"] == [{"Fn::ImportValue": exported}]


def test_every_alarm_is_named_described_and_treats_missing_data_deliberately(
    compiled: CompiledSpec,
) -> None:
    suffix = f"-{compiled.spec.environment}"
    for stack in compiled.stacks:
        names = set()
        for logical_id, alarm in alarms(stack).items():
            assert alarm["AlarmName"].startswith(f"{compiled.spec.app}-"), logical_id
            assert alarm["AlarmName"].endswith(suffix), logical_id
            assert alarm["AlarmDescription"], logical_id
            assert alarm["TreatMissingData"] in {"breaching", "notBreaching", "ignore", "missing"}
            if ids.FAILOVER_TOPIC not in str(alarm["AlarmActions"]):
                assert (
                    alarm["EvaluationPeriods"] == compiled.spec.monitoring.alarms.evaluation_periods
                )
            assert alarm["Period"] >= 60
            names.add(alarm["AlarmName"])
        assert len(names) == len(alarms(stack))


def test_alarm_names_do_not_collide_between_global_and_primary_in_us_east_1(
    compiled_prod: CompiledSpec,
) -> None:
    primary = {a["AlarmName"] for a in alarms(compiled_prod.stack("us-east-1")).values()}
    global_ = {a["AlarmName"] for a in alarms(compiled_prod.stack("global")).values()}
    assert not primary & global_


def test_health_check_alarms_live_only_in_the_global_stack(compiled: CompiledSpec) -> None:
    spec = compiled.spec
    for stack in compiled.stacks:
        health = {k: a for k, a in alarms(stack).items() if a["Namespace"] == "AWS/Route53"}
        if stack.stack.phase is not Phase.GLOBAL:
            assert not health, stack.stack.key
            continue
        assert stack.stack.region == "us-east-1"
        assert len(health) == len(spec.regions.all)
        for region in spec.regions.all:
            alarm = health[f"HealthCheck{ids.pascal(region)}Alarm"]
            assert alarm["MetricName"] == "HealthCheckStatus"
            assert dimensions(alarm) == {"HealthCheckId": {"Ref": ids.health_check(region)}}
            assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
                "Minimum",
                "LessThanThreshold",
                1,
            )
            assert alarm["Period"] == 60


def test_only_the_primary_health_alarm_starts_the_failover(compiled_prod: CompiledSpec) -> None:
    found = alarms(compiled_prod.stack("global"))
    assert found["HealthCheckUsEast1Alarm"]["AlarmActions"] == [
        {"Ref": ids.ALERT_TOPIC},
        {"Ref": ids.FAILOVER_TOPIC},
    ]
    assert found["HealthCheckUsWest2Alarm"]["AlarmActions"] == [{"Ref": ids.ALERT_TOPIC}]
    assert found["HealthCheckUsEast1Alarm"]["OKActions"] == [{"Ref": ids.ALERT_TOPIC}]


def test_manual_failover_leaves_the_failover_topic_out(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    manual = dataclasses.replace(spec, failover=dataclasses.replace(spec.failover, automatic=False))
    compiled = compile_spec(manual, compiled_prod.artifact_keys)
    primary = alarms(compiled.stack("global"))["HealthCheckUsEast1Alarm"]
    assert primary["AlarmActions"] == [{"Ref": ids.ALERT_TOPIC}]


def test_replication_lag_alarm_follows_the_writer_in_every_workload_stack(
    compiled: CompiledSpec,
) -> None:
    spec = compiled.spec
    for stack in compiled.stacks:
        lag = [
            a for a in alarms(stack).values() if a["MetricName"] == "AuroraGlobalDBReplicationLag"
        ]
        if stack.stack.phase not in (Phase.PRIMARY, Phase.ATTACH):
            assert not lag, stack.stack.key
            continue
        (alarm,) = lag
        assert alarm["Namespace"] == "AWS/RDS"
        assert dimensions(alarm) == {
            "DBClusterIdentifier": db_cluster_identifier(spec, stack.stack.region)
        }
        assert alarm["Statistic"] == "Maximum"
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Threshold"] == spec.monitoring.alarms.replication_lag_ms
        assert alarm["Threshold"] <= spec.objectives.rpo_seconds * 1000
        # The writer publishes no lag: a promoted cluster's alarm must not stay in ALARM.
        assert alarm["TreatMissingData"] == "missing"
        assert alarm["InsufficientDataActions"] == [own_alert_topic(compiled, stack)]


def test_trigger_alarms_need_m_of_n_evidence(compiled_prod: CompiledSpec) -> None:
    failover = compiled_prod.spec.failover
    assert (failover.datapoints_to_alarm, failover.evaluation_periods) == (2, 3)
    route53 = alarms(compiled_prod.stack("global"))["HealthCheckUsEast1Alarm"]
    regional = alarms(compiled_prod.stack("us-west-2-attach"))["FailoverTriggerAlarm"]
    for alarm in (route53, regional):
        assert (alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (2, 3)
    # Alarms that only page keep the monitoring settings and need no M-of-N.
    assert (
        "DatapointsToAlarm" not in alarms(compiled_prod.stack("global"))["HealthCheckUsWest2Alarm"]
    )


def test_each_secondary_triggers_its_own_failover_from_its_own_probe(
    compiled_prod: CompiledSpec,
) -> None:
    attach = compiled_prod.stack("us-west-2-attach")
    alarm = alarms(attach)["FailoverTriggerAlarm"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "DRCompiler/payments-prod",
        "PrimaryApiHealthy",
    )
    assert dimensions(alarm) == {"Region": "us-west-2"}
    assert alarm["AlarmActions"][1:] == [{"Ref": ids.FAILOVER_TOPIC}]
    # Silence from the probe is not evidence of an outage.
    assert alarm["TreatMissingData"] == "missing"
    assert "FailoverTriggerAlarm" not in alarms(compiled_prod.stack("us-east-1"))


def test_lambda_error_alarm_per_function_in_every_workload_stack(compiled: CompiledSpec) -> None:
    spec = compiled.spec
    for key in (spec.regions.primary, *(f"{r}-attach" for r in spec.regions.secondaries)):
        found = alarms(compiled.stack(key))
        for function in spec.functions:
            alarm = found[f"{ids.pascal(function.name)}ErrorsAlarm"]
            assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
            assert dimensions(alarm) == {
                "FunctionName": f"{spec.app}-{function.name}-{spec.environment}"
            }
            assert alarm["Statistic"] == "Sum"
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            assert alarm["Threshold"] == spec.monitoring.alarms.lambda_errors
    assert not any(
        a["Namespace"] == "AWS/Lambda" for a in alarms(compiled.stack("global")).values()
    )
    for key in (f"{r}-base" for r in spec.regions.secondaries):
        lambda_alarms = {
            logical_id
            for logical_id, alarm in alarms(compiled.stack(key)).items()
            if alarm["Namespace"] == "AWS/Lambda"
        }
        # A base stack runs a function only when force_destroy puts the bucket emptier there.
        assert lambda_alarms == ({"BucketEmptierErrorsAlarm"} if spec.force_destroy else set())


def test_dead_letter_queue_alarm_watches_each_queues_dlq(compiled_prod: CompiledSpec) -> None:
    for key in ("us-east-1", "us-west-2-attach"):
        alarm = alarms(compiled_prod.stack(key))["PaymentsDeadLetterQueueAlarm"]
        assert (alarm["Namespace"], alarm["MetricName"]) == (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
        )
        assert dimensions(alarm) == {"QueueName": "payments-payments-dlq-prod"}
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 1)


def test_failure_queue_alarm_reads_the_functions_own_failure_queue(compiled: CompiledSpec) -> None:
    spec = compiled.spec
    for key in (spec.regions.primary, *(f"{r}-attach" for r in spec.regions.secondaries)):
        stack = compiled.stack(key)
        resources = stack.template["Resources"]
        found = alarms(stack)
        for function in spec.functions:
            queue = ids.function_dead_letter_queue(function.name)
            alarm = found[f"{ids.pascal(function.name)}FailureQueueAlarm"]
            assert dimensions(alarm) == {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}
            assert resources[queue]["Type"] == "AWS::SQS::Queue"
            assert (alarm["MetricName"], alarm["Statistic"]) == (
                "ApproximateNumberOfMessagesVisible",
                "Maximum",
            )
            assert alarm["Threshold"] == spec.monitoring.alarms.dlq_depth


def test_s3_replication_failure_alarm_watches_the_rule_to_each_secondary(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    alarm = alarms(compiled_prod.stack("us-east-1"))["DocumentsReplicationFailuresUsWest2Alarm"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/S3",
        "OperationsFailedReplication",
        "Sum",
    )
    assert dimensions(alarm) == {
        "SourceBucket": {"Fn::Sub": bucket_name(spec, "documents", "us-east-1")},
        "DestinationBucket": {"Fn::Sub": bucket_name(spec, "documents", "us-west-2")},
        "RuleId": ids.replication_rule("us-west-2"),
    }
    for key in ("us-west-2-base", "global"):
        assert not any(
            a["Namespace"] == "AWS/S3" for a in alarms(compiled_prod.stack(key)).values()
        )
    # The attach stack watches only its reverse rule back to the primary (production).
    attach = alarms(compiled_prod.stack("us-west-2-attach"))
    assert [k for k, a in attach.items() if a["Namespace"] == "AWS/S3"] == [
        "DocumentsReplicationFailuresUsEast1Alarm"
    ]


def test_replication_alarm_follows_replication_not_rtc(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    for bucket, expected in (
        (dataclasses.replace(spec.buckets[0], rtc=False), True),
        (dataclasses.replace(spec.buckets[0], rtc=False, replicated=False), False),
    ):
        variant = dataclasses.replace(spec, buckets=(bucket,))
        compiled = compile_spec(variant, compiled_prod.artifact_keys)
        found = alarms(compiled.stack("us-east-1"))
        assert ("DocumentsReplicationFailuresUsWest2Alarm" in found) is expected


def test_primary_api_health_alarm_watches_this_regions_monitor(compiled: CompiledSpec) -> None:
    spec = compiled.spec
    for key, region in (
        (spec.regions.primary, spec.regions.primary),
        *((f"{r}-attach", r) for r in spec.regions.secondaries),
    ):
        alarm = alarms(compiled.stack(key))["PrimaryApiHealthAlarm"]
        assert alarm["Namespace"] == f"DRCompiler/{spec.app}-{spec.environment}"
        assert alarm["MetricName"] == "PrimaryApiHealthy"
        assert dimensions(alarm) == {"Region": region}
        assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
            "Minimum",
            "LessThanThreshold",
            1,
        )
        assert alarm["TreatMissingData"] == "breaching"


def test_sub_minute_spec_period_is_raised_to_the_metric_resolution(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    fast = dataclasses.replace(
        spec,
        monitoring=dataclasses.replace(
            spec.monitoring, alarms=dataclasses.replace(spec.monitoring.alarms, period_seconds=10)
        ),
    )
    compiled = compile_spec(fast, compiled_prod.artifact_keys)
    assert {a["Period"] for s in compiled.stacks for a in alarms(s).values()} == {60}


def test_alarms_point_back_at_the_spec(compiled_prod: CompiledSpec) -> None:
    for stack in compiled_prod.stacks:
        for logical_id in alarms(stack):
            assert logical_id in stack.sources, (stack.stack.key, logical_id)
    primary = compiled_prod.stack("us-east-1").sources
    assert primary["PaymentApiErrorsAlarm"].line > 0


@pytest.mark.parametrize(
    ("key", "topic"),
    [
        ("eu-west-1", {"Ref": "AlertTopic"}),
        ("eu-west-2-attach", {"Fn::ImportValue": "orders-eu-west-2-base-prod-AlertTopic"}),
        ("eu-west-3-attach", {"Fn::ImportValue": "orders-eu-west-3-base-prod-AlertTopic"}),
    ],
)
def test_a_custom_alarm_watches_its_metric_in_every_workload_region(
    key: str, topic: dict[str, str]
) -> None:
    from tests.compiler.conftest import compile_file
    from tests.specbuild import ORDERS_SPEC

    resources = compile_file(ORDERS_SPEC).stack(key).template["Resources"]
    alarm = resources["CustomAlarmOrdersWriteThrottled"]["Properties"]
    region = key.removesuffix("-attach")
    assert {k: alarm[k] for k in ("AlarmName", "Namespace", "MetricName", "Dimensions")} == {
        "AlarmName": f"orders-alarm-orders-write-throttled-{region}-prod",
        "Namespace": "AWS/DynamoDB",
        "MetricName": "WriteThrottleEvents",
        "Dimensions": [{"Name": "TableName", "Value": "orders-orders-prod"}],
    }
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Sum",
        "GreaterThanThreshold",
        0,
    )
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == alarm["OKActions"] == [topic]
