"""Dashboard builder: one deterministic dashboard in the primary stack, widgets per region."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from dr_compiler.compiler.naming import bucket_name, db_cluster_identifier
from dr_compiler.compiler.services.dashboard import DASHBOARD, dashboard_body
from dr_compiler.compiler.stage import CompiledSpec, compile_spec

DASHBOARD_TYPE = "AWS::CloudWatch::Dashboard"


def dashboards(compiled: CompiledSpec, key: str) -> dict[str, dict[str, Any]]:
    resources = compiled.stack(key).template["Resources"]
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == DASHBOARD_TYPE}


def body_text(compiled: CompiledSpec) -> str:
    body = dashboards(compiled, compiled.spec.regions.primary)[DASHBOARD]["DashboardBody"]
    return body["Fn::Sub"] if isinstance(body, dict) else body


def widgets(compiled: CompiledSpec) -> list[dict[str, Any]]:
    return json.loads(body_text(compiled))["widgets"]


def titled(compiled: CompiledSpec, title: str) -> dict[str, Any]:
    return next(w for w in widgets(compiled) if w["properties"]["title"] == title)


def test_only_the_primary_stack_has_the_dashboard(compiled_prod: CompiledSpec) -> None:
    for stack in compiled_prod.stacks:
        found = dashboards(compiled_prod, stack.stack.key)
        assert list(found) == ([DASHBOARD] if stack.stack.key == "us-east-1" else []), (
            stack.stack.key
        )
    assert dashboards(compiled_prod, "us-east-1")[DASHBOARD]["DashboardName"] == "payments-dr-prod"


def test_dashboard_body_is_sorted_json_in_a_sub(compiled_prod: CompiledSpec) -> None:
    body = dashboards(compiled_prod, "us-east-1")[DASHBOARD]["DashboardBody"]
    text = body["Fn::Sub"]
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert set(re.findall(r"\$\{([^}]*)\}", text)) == {"AWS::AccountId", "AWS::Partition"}


def test_dashboard_body_is_deterministic(compiled_prod: CompiledSpec) -> None:
    assert (
        dashboard_body(compiled_prod.spec)
        == dashboard_body(compiled_prod.spec)
        == body_text(compiled_prod)
    )


def test_widgets_are_laid_out_without_overlap(compiled_prod: CompiledSpec) -> None:
    cells = [(w["x"], w["y"]) for w in widgets(compiled_prod)]
    assert len(cells) == len(set(cells))
    assert all(w["x"] + w["width"] <= 24 for w in widgets(compiled_prod))


def test_every_metric_widget_names_its_region(compiled_prod: CompiledSpec) -> None:
    regions = set(compiled_prod.spec.regions.all)
    for widget in widgets(compiled_prod):
        if widget["type"] == "metric":
            assert widget["properties"]["region"] in regions


def test_replication_lag_widget_reads_the_secondary_cluster_in_its_region(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    widget = titled(compiled_prod, "Aurora replication lag (ms) us-west-2")["properties"]
    assert widget["region"] == "us-west-2"
    assert widget["metrics"] == [
        [
            "AWS/RDS",
            "AuroraGlobalDBReplicationLag",
            "DBClusterIdentifier",
            db_cluster_identifier(spec, "us-west-2"),
        ]
    ]
    assert (
        widget["annotations"]["horizontal"][0]["value"] == spec.monitoring.alarms.replication_lag_ms
    )


def test_health_check_widget_links_the_global_stacks_alarms(compiled_prod: CompiledSpec) -> None:
    widget = next(w for w in widgets(compiled_prod) if w["type"] == "alarm")
    names = sorted(
        a["Properties"]["AlarmName"]
        for a in compiled_prod.stack("global").template["Resources"].values()
        # The health-check alarms (the global stack also alarms on failover deliveries).
        if a["Type"] == "AWS::CloudWatch::Alarm"
        and a["Properties"]["AlarmName"].startswith("payments-health-check-")
    )
    assert widget["properties"]["alarms"] == [
        f"arn:${{AWS::Partition}}:cloudwatch:us-east-1:${{AWS::AccountId}}:alarm:{name}"
        for name in names
    ]


def test_lambda_error_widgets_cover_every_function_in_every_region(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    for region in spec.regions.all:
        widget = titled(compiled_prod, f"Lambda errors {region}")["properties"]
        assert widget["region"] == region
        assert [m[3] for m in widget["metrics"]] == [
            f"payments-{f.name}-prod" for f in spec.functions
        ]


def test_dead_letter_queue_widgets_read_each_region(compiled_prod: CompiledSpec) -> None:
    for region in compiled_prod.spec.regions.all:
        widget = titled(compiled_prod, f"Dead-letter queue depth {region}")["properties"]
        assert widget["metrics"][0][:4] == [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            "payments-payments-dlq-prod",
        ]


def test_s3_latency_reads_the_destination_region_and_failures_the_source(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    dims = [
        "SourceBucket",
        bucket_name(spec, "documents", "us-east-1"),
        "DestinationBucket",
        bucket_name(spec, "documents", "us-west-2"),
        "RuleId",
        "replicate-to-us-west-2",
    ]
    latency = titled(compiled_prod, "S3 replication latency (s) documents to us-west-2")[
        "properties"
    ]
    assert latency["region"] == "us-west-2"
    assert latency["metrics"] == [["AWS/S3", "ReplicationLatency", *dims]]
    failures = titled(compiled_prod, "S3 replication failures documents")["properties"]
    assert failures["region"] == "us-east-1"
    assert failures["metrics"] == [
        ["AWS/S3", "OperationsFailedReplication", *dims, {"label": "us-west-2"}]
    ]


def test_api_health_widget_reads_each_regions_monitor(compiled_prod: CompiledSpec) -> None:
    widget = titled(compiled_prod, "API health seen from each region")["properties"]
    assert [(m[3], m[4]["region"]) for m in widget["metrics"]] == [
        ("us-east-1", "us-east-1"),
        ("us-west-2", "us-west-2"),
    ]


def test_no_dashboard_when_the_spec_turns_it_off(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    off = dataclasses.replace(
        spec, monitoring=dataclasses.replace(spec.monitoring, dashboard=False)
    )
    compiled = compile_spec(off, compiled_prod.artifact_keys)
    assert not any(dashboards(compiled, s.stack.key) for s in compiled.stacks)


def test_dashboard_points_back_at_the_spec(compiled_dev: CompiledSpec) -> None:
    assert DASHBOARD in compiled_dev.stack("us-east-1").sources
