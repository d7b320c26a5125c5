"""Payment API behind an Application Load Balancer (Lambda target).

Routes:
    GET  /health    dependency checks; 200 when the table and the database can serve, else 503
    POST /payments  validate, record PENDING idempotently, enqueue for the processor; 202

The database is reached in this region only, never across regions (peering is off, DR054):
DescribeGlobalClusters, answered by this region, says which member of the Aurora global
database is the writer. When it is this region's cluster (DB_CLUSTER_ARN), the function uses
the cluster's own writer endpoint (DB_WRITER_ENDPOINT); otherwise its own reader endpoint
(DB_READER_ENDPOINT), whose instances forward write statements to the writer: "With write
forwarding enabled, secondary clusters in an Aurora global database forward SQL statements
that perform write operations to the primary cluster ... Aurora handles the cross-Region
networking setup"
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-write-forwarding.html).
Aurora PostgreSQL forwards a session's writes only when apg_write_forward.consistency_mode is
eventual, session or global (RDS describes the parameter, DescribeEngineDefaultClusterParameters
for aurora-postgresql: "Set apg_write_forward.consistency_mode to one of the allowed values to
use write forwarding", allowed "off,eventual,session,global"; one captured default is "off",
while the local write forwarding page gives SESSION as the default,
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-postgresql-write-forwarding-configuring.html).
So a SQL client on the reader endpoint does not rely on a default: it runs
`SET apg_write_forward.consistency_mode = 'session'` when it connects (read-your-writes).

/health, which Route53 DNS failover reads through the load balancer, is healthy only when this
region can serve: its own endpoint accepts a connection AND, in a secondary, the writer the
forwarding needs is there: the global cluster is `available`, it has a writer member, and
this region's member reports GlobalWriteForwardingStatus `enabled` (and, where reported,
SynchronizationStatus `connected`). After a promotion this region's cluster is the writer and
/health checks its writer endpoint, with no redeploy; while a switchover or failover is under
way the global cluster is not `available` and /health says so. The DescribeGlobalClusters
answer is kept WRITER_STATE_TTL_SECONDS per container: Route53 probes from many locations
every 10 or 30 seconds, and one RDS call per probe would only add throttling risk.

What this check cannot see: DescribeGlobalClusters reports members, roles and forwarding
status, not whether the writer's instances answer, and AWS does not document what a
secondary region reports while the primary region is down. A direct probe of the writer's
region (DescribeDBClusters there, as the failover function does) has no route from here with
`network.egress: vpc_endpoints`, and a forwarded write needs a SQL driver the runtime lacks.
So between the primary region's loss and the promotion (the trigger paths' M-of-N window),
a secondary may report healthy while its forwarded writes fail; the requests this API takes
(DynamoDB and SQS, both in-region) are served regardless.

Only the standard library and boto3, which the python3.12 runtime provides.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
import re
import socket
import sys
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# The ALB waits for us and the client waits for the ALB: fail fast and let the client retry
# with its idempotency key rather than hang on a sick dependency.
AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2})
ROUTES: dict[str, tuple[str, ...]] = {"/health": ("GET",), "/payments": ("POST",)}
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# A plain decimal: no sign, exponent or whitespace, which Decimal() would otherwise accept.
AMOUNT_TEXT = re.compile(r"^[0-9]+(\.[0-9]+)?$")
CENT = Decimal("0.01")
# Far above any real payment; bounds the digits so quantize() can never overflow.
MAX_AMOUNT = Decimal("1000000000000")
MAX_MERCHANT_ID = 128
HEALTHY_TABLE_STATUSES = ("ACTIVE", "UPDATING")
# How long one DescribeGlobalClusters answer stands for /health: short next to the Route53
# failure window (interval x failure threshold), long next to the health checkers' rate.
WRITER_STATE_TTL_SECONDS = 10.0
REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    503: "Service Unavailable",
}


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which CloudWatch Logs Insights parses."""
    record = {"ts": time.time(), "level": level, "message": message, **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")


@functools.cache
def client(service: str) -> Any:
    """One client per service, reused across warm invocations."""
    return boto3.client(service, region_name=os.environ["AWS_REGION"], config=AWS_CONFIG)


def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method = str(event.get("httpMethod", "")).upper()
    path = _normalize_path(str(event.get("path", "")))
    log("INFO", "request", method=method, path=path)
    allowed = ROUTES.get(path)
    if allowed is None:
        response = error_response(event, 404, "not_found", f"no route for {path}")
    elif method not in allowed:
        response = error_response(
            event,
            405,
            "method_not_allowed",
            f"{method} is not allowed on {path}",
            extra_headers={"Allow": ", ".join(allowed)},
        )
    elif path == "/health":
        response = health(event)
    else:
        response = create_payment(event)
    log("INFO", "response", method=method, path=path, status=response["statusCode"])
    return response


def _normalize_path(path: str) -> str:
    return path.rstrip("/") or "/"


# --- responses --------------------------------------------------------------------------


def json_response(
    event: dict[str, Any],
    status: int,
    payload: dict[str, Any],
    extra_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **(extra_headers or {})}
    response: dict[str, Any] = {
        "statusCode": status,
        "statusDescription": f"{status} {REASONS.get(status, '')}".strip(),
        "body": json.dumps(payload, sort_keys=True),
        "isBase64Encoded": False,
    }
    # A target group with multi-value headers enabled only accepts multiValueHeaders back.
    if "multiValueHeaders" in event:
        response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        response["headers"] = headers
    return response


def error_response(
    event: dict[str, Any],
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    extra_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"error": code, "message": message}
    if details:
        payload["details"] = details
    return json_response(event, status, payload, extra_headers)


def header(event: dict[str, Any], name: str) -> str | None:
    """A request header by case-insensitive name, from single- or multi-value ALB events."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return str(value)
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == wanted and values:
            return str(values[-1])
    return None


# --- GET /health ------------------------------------------------------------------------


def health(event: dict[str, Any]) -> dict[str, Any]:
    checks = {"table": check_table(), "database": check_database()}
    healthy = all(result == "ok" for result in checks.values())
    payload = {
        "status": "ok" if healthy else "degraded",
        "region": os.environ.get("AWS_REGION", ""),
        "checks": checks,
    }
    return json_response(event, 200 if healthy else 503, payload)


def check_table() -> str:
    """'ok', or a short reason; details stay in the log, not in a public response."""
    try:
        table = client("dynamodb").describe_table(TableName=os.environ["TABLE_TRANSACTIONS"])[
            "Table"
        ]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        log("ERROR", "table check failed", error=str(exc))
        return f"unavailable: {code}"
    except BotoCoreError as exc:
        log("ERROR", "table check failed", error=str(exc))
        return f"unavailable: {type(exc).__name__}"
    status = table.get("TableStatus", "UNKNOWN")
    return "ok" if status in HEALTHY_TABLE_STATUSES else f"unavailable: {status}"


class NotServing(Exception):
    """The database cannot serve this region now, for the reason given."""


def check_database() -> str:
    """'ok' when this region's endpoint for the current role accepts a TCP connection (no DB
    driver in the runtime) and the writer it depends on is there; else a short reason."""
    try:
        host = database_endpoint()
    except ClientError as exc:
        log("ERROR", "global cluster lookup failed", error=str(exc))
        return f"unavailable: {exc.response.get('Error', {}).get('Code', 'ClientError')}"
    except (BotoCoreError, LookupError) as exc:
        log("ERROR", "global cluster lookup failed", error=str(exc))
        return f"unavailable: {type(exc).__name__}"
    except NotServing as exc:
        log("WARNING", "database cannot serve this region", reason=str(exc))
        return f"unavailable: {exc}"
    timeout = float(os.environ.get("DB_CONNECT_TIMEOUT_SECONDS", "1"))
    try:
        port = int(os.environ.get("DB_PORT", "5432"))
        with socket.create_connection((host, port), timeout=timeout):
            return "ok"
    except (OSError, ValueError) as exc:
        log("ERROR", "database check failed", host=host, error=repr(exc))
        return f"unreachable: {type(exc).__name__}"


def database_endpoint() -> str:
    """This region's endpoint for its cluster's current role (see the module docstring)."""
    return endpoint_for(global_cluster(os.environ["GLOBAL_CLUSTER_ID"]), os.environ)


def endpoint_for(cluster: dict[str, Any], env: Mapping[str, str]) -> str:
    """The writer endpoint when this region's cluster is the writer, the reader endpoint when
    it can forward writes to an available writer; NotServing otherwise."""
    status = cluster.get("Status")
    if status != "available":
        raise NotServing(f"global cluster {status}")
    members = {str(m.get("DBClusterArn")): m for m in cluster.get("GlobalClusterMembers", [])}
    if not any(member.get("IsWriter") for member in members.values()):
        raise NotServing("no writer")
    own = members.get(env["DB_CLUSTER_ARN"])
    if own is None:
        raise NotServing("not a member")
    if own.get("IsWriter"):
        return env["DB_WRITER_ENDPOINT"]
    forwarding = own.get("GlobalWriteForwardingStatus")
    if forwarding != "enabled":
        raise NotServing(f"write forwarding {forwarding or 'off'}")
    synchronization = own.get("SynchronizationStatus", "connected")
    if synchronization != "connected":
        raise NotServing(f"replication {synchronization}")
    reader = env.get("DB_READER_ENDPOINT")
    if not reader:
        # Compiled without database.write_forwarding, though the cluster now forwards.
        raise NotServing("no reader endpoint configured")
    return reader


_global_cluster_seen: dict[str, tuple[float, dict[str, Any]]] = {}


def global_cluster(global_cluster_id: str) -> dict[str, Any]:
    """The global cluster as this region describes it, reused for WRITER_STATE_TTL_SECONDS."""
    now = time.monotonic()
    seen = _global_cluster_seen.get(global_cluster_id)
    if seen is not None and now - seen[0] < WRITER_STATE_TTL_SECONDS:
        return seen[1]
    clusters = client("rds").describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)
    # Match the identifier instead of trusting the filter (moto, for one, ignores it).
    for cluster in clusters.get("GlobalClusters", []):
        if str(cluster.get("GlobalClusterIdentifier", "")).lower() == global_cluster_id.lower():
            _global_cluster_seen[global_cluster_id] = (now, cluster)
            return cluster
    raise LookupError(f"global cluster {global_cluster_id} not found")


# --- POST /payments ---------------------------------------------------------------------


class RequestError(Exception):
    """A client error, turned into a JSON error response."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def create_payment(event: dict[str, Any]) -> dict[str, Any]:
    try:
        key = idempotency_key(event)
        payment = validate_payment(parse_json_body(event))
    except RequestError as exc:
        log("WARNING", "rejected request", status=exc.status, error=exc.message)
        return error_response(event, exc.status, exc.code, exc.message, exc.details)
    record = {
        "transaction_id": key,
        "status": "PENDING",
        **payment,
        "region": os.environ["AWS_REGION"],
        "request_hash": request_hash(payment),
    }
    return store_and_enqueue(event, record)


def idempotency_key(event: dict[str, Any]) -> str:
    key = header(event, "Idempotency-Key")
    if key is None:
        raise RequestError(400, "missing_idempotency_key", "the Idempotency-Key header is required")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise RequestError(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1-128 characters of A-Z, a-z, 0-9, '_' or '-'",
        )
    return key


def parse_json_body(event: dict[str, Any]) -> dict[str, Any]:
    content_type = (header(event, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise RequestError(415, "unsupported_media_type", "Content-Type must be application/json")
    raw = event.get("body") or ""
    try:
        text = base64.b64decode(raw).decode() if event.get("isBase64Encoded") else raw
        # Decimal, not float: 0.1 + 0.2 must stay exact all the way to the ledger.
        body = json.loads(text, parse_float=Decimal)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise RequestError(400, "invalid_json", f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise RequestError(400, "invalid_json", "the body must be a JSON object")
    return body


def validate_payment(body: dict[str, Any]) -> dict[str, str]:
    """The canonical payment (amount as a 2-decimal string) or a 400 listing every problem."""
    problems: list[dict[str, str]] = []
    amount, amount_problem = parse_amount(body.get("amount"))
    if amount_problem:
        problems.append({"field": "amount", "message": amount_problem})
    currency = body.get("currency")
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
        problems.append(
            {"field": "currency", "message": "currency must be an ISO 4217 code like USD"}
        )
    merchant_id = body.get("merchant_id")
    if not valid_merchant_id(merchant_id):
        problems.append(
            {
                "field": "merchant_id",
                "message": f"merchant_id must be 1-{MAX_MERCHANT_ID} printable characters"
                " without leading or trailing spaces",
            }
        )
    if problems:
        fields = ", ".join(problem["field"] for problem in problems)
        raise RequestError(400, "validation_failed", f"invalid fields: {fields}", problems)
    return {"amount": amount, "currency": str(currency), "merchant_id": str(merchant_id)}


def parse_amount(raw: Any) -> tuple[str, str | None]:
    """(canonical amount, None) or ("", problem)."""
    # bool is an int subclass; `true` is not an amount.
    if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
        return "", "amount must be a decimal string or a number"
    if isinstance(raw, str) and not AMOUNT_TEXT.fullmatch(raw):
        return "", "amount must be a plain decimal like 12.50"
    try:
        value = Decimal(raw) if isinstance(raw, (str, Decimal)) else Decimal(int(raw))
    except InvalidOperation:
        return "", "amount must be a decimal string or a number"
    if not value.is_finite() or value <= 0:
        return "", "amount must be positive"
    if value >= MAX_AMOUNT:
        return "", f"amount must be below {MAX_AMOUNT}"
    if value != value.quantize(CENT):
        return "", "amount must have at most 2 decimal places"
    return str(value.quantize(CENT)), None


def valid_merchant_id(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_MERCHANT_ID
        and value.isprintable()
        and value.strip() == value
    )


def request_hash(payment: dict[str, str]) -> str:
    """Hash of the canonical request, so '10.5' and '10.50' replay as the same request."""
    canonical = json.dumps(payment, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_and_enqueue(event: dict[str, Any], record: dict[str, str]) -> dict[str, Any]:
    """Insert the PENDING record once per key, then enqueue; a replay never enqueues again.

    The conditional put is atomic in this region. A global table replicates last-writer-wins
    between regions, which is acceptable because DNS sends a client's retries to one region.
    """
    table = os.environ["TABLE_TRANSACTIONS"]
    dynamodb = client("dynamodb")
    try:
        dynamodb.put_item(
            TableName=table,
            Item=to_item(record),
            ConditionExpression="attribute_not_exists(transaction_id)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return replay(event, record, exc.response.get("Item"))
        return dependency_down(event, "table_unavailable", exc)
    except BotoCoreError as exc:
        return dependency_down(event, "table_unavailable", exc)
    try:
        client("sqs").send_message(
            QueueUrl=os.environ["QUEUE_PAYMENTS_URL"], MessageBody=json.dumps(message_body(record))
        )
    except (ClientError, BotoCoreError) as exc:
        forget_pending(record)
        return dependency_down(event, "queue_unavailable", exc)
    log("INFO", "payment accepted", transaction_id=record["transaction_id"])
    return json_response(
        event, 202, {"transaction_id": record["transaction_id"], "status": record["status"]}
    )


def replay(
    event: dict[str, Any], record: dict[str, str], existing_item: dict[str, Any] | None
) -> dict[str, Any]:
    if not existing_item:
        # ALL_OLD normally returns the item with the failed condition; read it if not.
        try:
            existing_item = read_item(record["transaction_id"])
        except (ClientError, BotoCoreError) as exc:
            return dependency_down(event, "table_unavailable", exc)
    existing = from_item(existing_item)
    if existing.get("request_hash") != record["request_hash"]:
        log("WARNING", "idempotency conflict", transaction_id=record["transaction_id"])
        return error_response(
            event,
            409,
            "idempotency_conflict",
            "this Idempotency-Key was already used with a different request",
        )
    log("INFO", "idempotent replay", transaction_id=record["transaction_id"])
    return json_response(event, 200, public_view(existing))


def read_item(transaction_id: str) -> dict[str, Any]:
    response = client("dynamodb").get_item(
        TableName=os.environ["TABLE_TRANSACTIONS"],
        Key={"transaction_id": {"S": transaction_id}},
        ConsistentRead=True,
    )
    return response.get("Item", {})


def forget_pending(record: dict[str, str]) -> None:
    """Undo the insert when enqueueing fails, so the client's retry is not a 'replay'.

    Without this a retry would get 200 for a payment that was never queued.
    """
    try:
        client("dynamodb").delete_item(
            TableName=os.environ["TABLE_TRANSACTIONS"],
            Key={"transaction_id": {"S": record["transaction_id"]}},
            ConditionExpression="request_hash = :hash AND #status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":hash": {"S": record["request_hash"]},
                ":pending": {"S": "PENDING"},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        log("ERROR", "could not remove unqueued payment", error=str(exc), **record)


def dependency_down(event: dict[str, Any], code: str, exc: Exception) -> dict[str, Any]:
    log("ERROR", "dependency failed", error_code=code, error=str(exc))
    return error_response(event, 503, code, "a dependency is unavailable; retry later")


def message_body(record: dict[str, str]) -> dict[str, str]:
    fields = ("transaction_id", "amount", "currency", "merchant_id", "region", "request_hash")
    return {name: record[name] for name in fields}


def public_view(record: dict[str, str]) -> dict[str, str]:
    """What a client may see of a stored record (no internal hash)."""
    return {name: value for name, value in record.items() if name != "request_hash"}


def to_item(record: dict[str, str]) -> dict[str, dict[str, str]]:
    # The amount is a DynamoDB number so it sums and compares; everything else is a string.
    return {name: {"N" if name == "amount" else "S": value} for name, value in record.items()}


def from_item(item: dict[str, Any]) -> dict[str, str]:
    record: dict[str, str] = {}
    for name, typed in item.items():
        # Every attribute this API and the processor write is a scalar: {"S": ...} or {"N": ...}.
        (value,) = typed.values()
        record[name] = str(Decimal(value).quantize(CENT)) if name == "amount" else str(value)
    return record
