"""`dr-compiler init`: a new app's first spec and function, from a few flags.

It writes `specs/<app>/base.yaml` and `specs/<app>/prod.yaml` (with `metadata.output: by_app`,
so the app builds beside any other) and `functions/<app>_worker/handler.py`, under a project
root. The spec is the smallest shape that validates anywhere: a worker on a queue writing a
DynamoDB global table, no database and no public API (those need an engine choice and a
certificate per region: docs/spec-guide.md adds them). Nothing existing is ever overwritten.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import yaml

from dr_compiler.errors import InputError, Location, Problem

ZONES = 2
"""Availability zones per region: every commercial region offers a new account at least 2
(dr_compiler/data/availability_zones.json, DR092)."""


@dataclass(frozen=True)
class Scaffold:
    app: str
    primary: str
    secondaries: tuple[str, ...]
    account: str
    email: str

    @property
    def function(self) -> str:
        return f"{self.app}-worker"

    @property
    def function_folder(self) -> str:
        return f"functions/{self.app}_worker"


def write_scaffold(scaffold: Scaffold, root: Path) -> list[Path]:
    """Write the spec and function files under `root`; the paths written, in order."""
    files = {
        root / "specs" / scaffold.app / "base.yaml": _base(scaffold),
        root / "specs" / scaffold.app / "prod.yaml": _prod(),
        root / scaffold.function_folder / "handler.py": HANDLER,
    }
    existing = [path for path in files if path.exists()]
    if existing:
        raise InputError(
            [Problem(Location(str(p)), "exists already: init never overwrites") for p in existing]
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def _cidrs(regions: tuple[str, ...]) -> dict[str, str]:
    """One /16 per region, 10.0.0.0/16 upward: never overlapping."""
    base = ipaddress.IPv4Network("10.0.0.0/16")
    return {
        region: str(ipaddress.IPv4Network((int(base.network_address) + (i << 16), 16)))
        for i, region in enumerate(regions)
    }


def _base(scaffold: Scaffold) -> str:
    regions = (scaffold.primary, *scaffold.secondaries)
    document = {
        "apiVersion": "dr-compiler/v1",
        "kind": "DisasterRecoverySpec",
        "metadata": {
            "app": scaffold.app,
            "environment": "base",
            "production": False,
            "output": "by_app",
            "tags": {"CostCenter": scaffold.app, "Criticality": "High"},
        },
        # Hourly backups: their recovery points are up to an hour apart (DR090).
        "objectives": {
            "rto_seconds": 300,
            "rpo_seconds": 5,
            "components": {"backups": {"rpo_seconds": 3600}},
        },
        "regions": {"primary": scaffold.primary, "secondaries": list(scaffold.secondaries)},
        "deployment": {"accounts": [scaffold.account], "permission_model": "self_managed"},
        "network": {"cidrs": _cidrs(regions), "availability_zones": ZONES},
        "tables": [{"name": "items", "partition_key": {"name": "item_id", "type": "S"}}],
        "queues": [{"name": "work", "visibility_timeout_seconds": 180}],
        "functions": [
            {
                "name": scaffold.function,
                "source": scaffold.function_folder,
                "handler": "handler.main",
                "timeout_seconds": 30,
                "trigger": {"queue": "work", "batch_size": 10},
                "access": {"queues": {"work": "consume"}, "tables": {"items": "read_write"}},
            }
        ],
        "monitoring": {"email": [scaffold.email]},
        # No public API, so no health check: a person decides, within decision_seconds.
        "failover": {"automatic": False, "decision_seconds": 240},
        "backup": {"schedule": "cron(0 * * * ? *)", "retention_days": 35},
        "lifecycle": {"force_destroy": False},
    }
    header = (
        f"# {scaffold.app}: written by `dr-compiler init`; docs/spec-guide.md explains every\n"
        "# section. `source:` paths are relative to the project root, not to this file.\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False)


def _prod() -> str:
    return (
        "# Production: retained data stores, deletion protection.\n"
        "extends: base.yaml\n"
        "metadata:\n"
        "  environment: prod\n"
        "  production: true\n"
    )


HANDLER = '''"""Processes the work queue (event source mapping with ReportBatchItemFailures).

SQS delivers at least once, so each message is recorded with a conditional put keyed by its
message id: a redelivery is a no-op. A message that fails is reported in batchItemFailures,
so only it is retried and, after max_receive_count, lands in the dead-letter queue.

Environment: TABLE_ITEMS, AWS_REGION (set by Lambda).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, region_name=os.environ["AWS_REGION"])


def main(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    failures = []
    for record in event.get("Records", []):
        try:
            client("dynamodb").put_item(
                TableName=os.environ["TABLE_ITEMS"],
                Item={"item_id": {"S": record["messageId"]}, "body": {"S": record["body"]}},
                ConditionExpression="attribute_not_exists(item_id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                failures.append({"itemIdentifier": record["messageId"]})
        except BotoCoreError:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
'''
