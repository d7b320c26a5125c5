"""health_monitor against RDS and CloudWatch served by moto and real local HTTP servers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

NAMESPACE = "DRCompiler/payments-test"
GLOBAL_CLUSTER = "payments-global-test"
METRICS = ("PrimaryApiHealthy", "PrimaryApiLatencyMs", "GlobalClusterHealthy")


@pytest.fixture
def monitor(
    aws: None, load_handler: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", GLOBAL_CLUSTER)
    monkeypatch.setenv("METRIC_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("PRIMARY_REGION", "us-east-1")
    monkeypatch.setenv("HEALTH_TIMEOUT_SECONDS", "0.5")
    return load_handler("health_monitor")


def create_global_cluster(with_writer: bool = True) -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_global_cluster(GlobalClusterIdentifier=GLOBAL_CLUSTER, Engine="aurora-postgresql")
    if with_writer:
        rds.create_db_cluster(
            DBClusterIdentifier="payments-primary",
            Engine="aurora-postgresql",
            GlobalClusterIdentifier=GLOBAL_CLUSTER,
            MasterUsername="payments",
            MasterUserPassword="not-a-real-secret-1",
        )


def metric_maximum(name: str) -> float:
    """The single published value of a metric, read back from CloudWatch."""
    now = datetime.now(UTC)
    points = boto3.client("cloudwatch", region_name="us-east-1").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Dimensions=[{"Name": "Region", "Value": "us-east-1"}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum", "SampleCount"],
    )["Datapoints"]
    assert len(points) == 1 and points[0]["SampleCount"] == 1.0, points
    return float(points[0]["Maximum"])


def test_healthy_api_and_cluster_publish_ones(
    monitor: ModuleType, http_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http_server(status=200, body=b'{"status": "ok"}')
    monkeypatch.setenv("HEALTH_URL", f"{server.url}/health")
    create_global_cluster()

    result = monitor.main({}, None)

    listed = boto3.client("cloudwatch", region_name="us-east-1").list_metrics(Namespace=NAMESPACE)[
        "Metrics"
    ]
    assert sorted(metric["MetricName"] for metric in listed) == sorted(METRICS)
    assert all(
        metric["Dimensions"] == [{"Name": "Region", "Value": "us-east-1"}] for metric in listed
    )
    assert metric_maximum("PrimaryApiHealthy") == 1.0
    assert metric_maximum("GlobalClusterHealthy") == 1.0
    assert 0.0 < metric_maximum("PrimaryApiLatencyMs") < 500.0
    assert result["published"] is True
    assert [request.path for request in server.requests] == ["/health"]


def test_api_answering_500_publishes_zero(
    monitor: ModuleType, http_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http_server(status=500, body=b'{"status": "degraded"}')
    monkeypatch.setenv("HEALTH_URL", f"{server.url}/health")
    create_global_cluster()

    monitor.main({}, None)

    assert metric_maximum("PrimaryApiHealthy") == 0.0
    assert metric_maximum("GlobalClusterHealthy") == 1.0
    assert metric_maximum("PrimaryApiLatencyMs") > 0.0


def test_slow_api_times_out_and_publishes_zero(
    monitor: ModuleType, http_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http_server(status=200, delay=3.0)
    monkeypatch.setenv("HEALTH_URL", f"{server.url}/health")
    monkeypatch.setenv("HEALTH_TIMEOUT_SECONDS", "0.2")
    create_global_cluster()

    monitor.main({}, None)

    assert metric_maximum("PrimaryApiHealthy") == 0.0
    assert 200.0 <= metric_maximum("PrimaryApiLatencyMs") < 2000.0


def test_unreachable_api_and_missing_cluster_never_raise(
    monitor: ModuleType, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("HEALTH_URL", f"http://127.0.0.1:{closed_port}/health")
    # No global cluster at all: describe_global_clusters answers GlobalClusterNotFoundFault.

    result = monitor.main({}, None)

    assert result["published"] is True
    assert metric_maximum("PrimaryApiHealthy") == 0.0
    assert metric_maximum("GlobalClusterHealthy") == 0.0


def test_global_cluster_without_writer_is_unhealthy(
    monitor: ModuleType, http_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = http_server(status=200)
    monkeypatch.setenv("HEALTH_URL", f"{server.url}/health")
    create_global_cluster(with_writer=False)

    monitor.main({}, None)

    assert metric_maximum("GlobalClusterHealthy") == 0.0
    assert metric_maximum("PrimaryApiHealthy") == 1.0


@pytest.mark.parametrize(("raw", "expected"), [("", 5.0), ("2.5", 2.5), ("x", 5.0), ("0", 5.0)])
def test_health_timeout_from_environment(
    monitor: ModuleType, monkeypatch: pytest.MonkeyPatch, raw: str, expected: float
) -> None:
    monkeypatch.setenv("HEALTH_TIMEOUT_SECONDS", raw)

    assert monitor.health_timeout() == expected


def test_other_global_cluster_does_not_count(
    monitor: ModuleType,
    http_server: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = http_server(status=200)
    monkeypatch.setenv("HEALTH_URL", f"{server.url}/health")
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", "some-other-global-cluster")
    create_global_cluster()

    monitor.main({}, None)

    assert metric_maximum("GlobalClusterHealthy") == 0.0
