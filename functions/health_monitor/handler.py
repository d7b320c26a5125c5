"""Publishes the health of the primary API and of the Aurora global cluster every minute.

The failover alarms are built on these metrics, so this function never raises on a failing
dependency: a dependency it cannot reach is reported as 0 (unhealthy), which is exactly
what the alarm needs to see.

In a secondary region this is the probe of that region's own failover trigger path: it asks
the PRIMARY's load balancer (PRIMARY_API_ADDRESS) directly, not the public name in HEALTH_URL,
which DNS failover moves to this very region. The request still names the public host: TLS
is negotiated with it as the server name (SNI), so the load balancer presents, and this
probe verifies, the API's own certificate, and the Host header is the public name.

Environment: HEALTH_URL, GLOBAL_CLUSTER_ID, METRIC_NAMESPACE, PRIMARY_REGION,
PRIMARY_API_ADDRESS (optional: where to connect; default the host of HEALTH_URL),
HEALTH_TIMEOUT_SECONDS (optional, default 5), AWS_REGION (set by Lambda).

Metrics (namespace METRIC_NAMESPACE, dimension Region=<AWS_REGION>):
    PrimaryApiHealthy     1 when the primary answers HEALTH_URL's path with 2xx within the
                          timeout, else 0
    PrimaryApiLatencyMs   time until the answer (or the failure) in milliseconds
    GlobalClusterHealthy  1 when the global cluster is 'available' and has a writer, else 0
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import socket
import ssl
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Short timeouts: the schedule fires every minute, and a hung call must not overlap the next.
AWS_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2})
DEFAULT_TIMEOUT_SECONDS = 5.0
USER_AGENT = "dr-health-monitor"


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str) -> Any:
    """One client per service, reused across warm invocations."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=AWS_CONFIG)


def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
    api_healthy, latency_ms = check_api(
        os.environ["HEALTH_URL"], health_timeout(), os.environ.get("PRIMARY_API_ADDRESS") or None
    )
    cluster_healthy = check_global_cluster(os.environ["GLOBAL_CLUSTER_ID"])
    values = {
        "PrimaryApiHealthy": (1.0 if api_healthy else 0.0, "Count"),
        "PrimaryApiLatencyMs": (latency_ms, "Milliseconds"),
        "GlobalClusterHealthy": (1.0 if cluster_healthy else 0.0, "Count"),
    }
    published = publish(values)
    summary = {name: value for name, (value, _unit) in values.items()}
    log(
        "INFO",
        "health published" if published else "health not published",
        primary_region=os.environ.get("PRIMARY_REGION", ""),
        **summary,
    )
    return {"published": published, "metrics": summary}


def health_timeout() -> float:
    raw = os.environ.get("HEALTH_TIMEOUT_SECONDS", "")
    try:
        timeout = float(raw) if raw else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        log("WARNING", "bad HEALTH_TIMEOUT_SECONDS, using default", value=raw)
        return DEFAULT_TIMEOUT_SECONDS
    return timeout if timeout > 0 else DEFAULT_TIMEOUT_SECONDS


class _AddressedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address`, verifying the certificate of (and sending SNI for) `server_name`."""

    def __init__(self, address: str, port: int, server_name: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self.server_name = server_name

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)


def _connection(
    url: str, timeout: float, address: str | None
) -> tuple[http.client.HTTPConnection, str, str]:
    """(connection, request path, Host header) for a GET of `url`, connecting to `address`."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = address or parts.hostname
    connection: http.client.HTTPConnection = (
        _AddressedHTTPSConnection(target, port, parts.hostname, timeout)
        if https
        else http.client.HTTPConnection(target, port, timeout=timeout)
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection, path, parts.netloc


def check_api(url: str, timeout: float, address: str | None = None) -> tuple[bool, float]:
    """(healthy, latency in ms). Healthy means a 2xx answer within the timeout."""
    started = time.monotonic()
    status: int | None = None
    try:
        connection, path, host = _connection(url, timeout, address)
        try:
            connection.request("GET", path, headers={"Host": host, "User-Agent": USER_AGENT})
            response = connection.getresponse()
            response.read(64 * 1024)
            status = response.status
        finally:
            connection.close()
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # Refused, reset or timed-out connections, TLS failures (a certificate that is not
        # the API's), malformed URLs or answers: all mean "not healthy".
        log("WARNING", "api check failed", url=url, address=address, error=repr(exc))
    latency_ms = round((time.monotonic() - started) * 1000.0, 3)
    healthy = status is not None and 200 <= status < 300
    log(
        "INFO",
        "api checked",
        url=url,
        address=address,
        status=status,
        latency_ms=latency_ms,
        healthy=healthy,
    )
    return healthy, latency_ms


def check_global_cluster(global_cluster_id: str) -> bool:
    """Healthy when the global cluster is available and one member is the writer."""
    try:
        clusters = client("rds").describe_global_clusters(
            GlobalClusterIdentifier=global_cluster_id
        )["GlobalClusters"]
    except (ClientError, BotoCoreError) as exc:
        log("WARNING", "global cluster check failed", error=str(exc))
        return False
    # Match the identifier instead of trusting the filter (moto, for one, ignores it).
    wanted = global_cluster_id.lower()
    matching = [c for c in clusters if str(c.get("GlobalClusterIdentifier", "")).lower() == wanted]
    if not matching:
        log("WARNING", "global cluster not found", global_cluster=global_cluster_id)
        return False
    cluster = matching[0]
    writers = [m for m in cluster.get("GlobalClusterMembers", []) if m.get("IsWriter")]
    healthy = cluster.get("Status") == "available" and bool(writers)
    log(
        "INFO",
        "global cluster checked",
        status=cluster.get("Status"),
        writer=writers[0]["DBClusterArn"] if writers else None,
        healthy=healthy,
    )
    return healthy


def publish(values: dict[str, tuple[float, str]]) -> bool:
    """Put all three metrics in one call. False (and a log line) if CloudWatch refuses."""
    timestamp = datetime.now(UTC)
    dimensions = [{"Name": "Region", "Value": os.environ["AWS_REGION"]}]
    metric_data = [
        {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": timestamp,
            "Value": value,
            "Unit": unit,
        }
        for name, (value, unit) in values.items()
    ]
    try:
        client("cloudwatch").put_metric_data(
            Namespace=os.environ["METRIC_NAMESPACE"], MetricData=metric_data
        )
    except (ClientError, BotoCoreError) as exc:
        # Not raising: the alarms on these metrics must treat missing data as breaching,
        # so a CloudWatch outage still shows up there, without a retry storm from here.
        log("ERROR", "put_metric_data failed", error=str(exc))
        return False
    return True
