"""health_monitor against RDS and CloudWatch served by moto and real local HTTP servers."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


# --- the secondary's probe of the primary load balancer ---------------------------------


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """(certificate, key) PEM files of a self-signed certificate for `name`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class TlsServer:
    port: int
    server_names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[Callable[[str], TlsServer]]:
    """Factory: an HTTPS server on 127.0.0.1 answering 200 with a certificate for `name`;
    it records the SNI server name and the Host header of every request."""
    servers: list[ThreadingHTTPServer] = []

    def start(name: str) -> TlsServer:
        cert_file, key_file = _self_signed(tmp_path, name)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        record = TlsServer(port=0)
        context.sni_callback = lambda sock, server_name, ctx: record.server_names.append(
            server_name
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                record.hosts.append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        record.port = server.server_address[1]
        return record

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_probe_connects_to_the_primary_address_with_the_apis_name(
    monitor: ModuleType,
    tls_server: Callable[[str], TlsServer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = tls_server("api.payments.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "api.payments.test.crt"))
    # The public name does not resolve here: only PRIMARY_API_ADDRESS is connected to.
    monkeypatch.setenv("HEALTH_URL", f"https://api.payments.test:{server.port}/health")
    monkeypatch.setenv("PRIMARY_API_ADDRESS", "127.0.0.1")
    create_global_cluster()

    monitor.main({}, None)

    assert metric_maximum("PrimaryApiHealthy") == 1.0
    assert server.server_names == ["api.payments.test"]
    assert server.hosts == [f"api.payments.test:{server.port}"]


def test_probe_rejects_a_certificate_for_another_name(
    monitor: ModuleType,
    tls_server: Callable[[str], TlsServer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = tls_server("other.example.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "other.example.test.crt"))
    monkeypatch.setenv("HEALTH_URL", f"https://api.payments.test:{server.port}/health")
    monkeypatch.setenv("PRIMARY_API_ADDRESS", "127.0.0.1")
    create_global_cluster()

    monitor.main({}, None)

    assert metric_maximum("PrimaryApiHealthy") == 0.0
    assert server.hosts == []
