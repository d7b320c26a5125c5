"""Specs built for a test: the shipped base (as a test environment) plus a few overrides.

Each spec is a real YAML file that `extends:` the rule fixtures' clean spec, so it goes through
the loader, the schema and the model like any user's spec, and findings have real lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dr_compiler.model import Spec
from dr_compiler.pipeline import load_model

CLEAN_SPEC = Path(__file__).parent / "policies" / "fixtures" / "clean.yaml"
PROD_SPEC = Path(__file__).parent.parent / "specs" / "prod.yaml"
BASE_SPEC = PROD_SPEC.with_name("base.yaml")
ORDERS_SPEC = PROD_SPEC.parent / "orders" / "prod.yaml"
"""The second shipped app: DynamoDB only (no database section), three EU regions."""


def base_line(*path: str | int) -> str:
    """`file:line:col` of a value written in the shipped base spec, so tests that expect a
    finding there do not break when the base gains a line."""
    return str(load_model(BASE_SPEC).locate(*path))


THREE_REGIONS: dict[str, Any] = {
    "regions": {"primary": "us-east-1", "secondaries": ["us-west-2", "us-east-2"]},
    "network": {
        "cidrs": {
            "us-east-1": "10.0.0.0/16",
            "us-west-2": "10.1.0.0/16",
            "us-east-2": "10.2.0.0/16",
        }
    },
    "api": {
        "certificate_arns": {
            "us-east-2": "arn:aws:acm:us-east-2:111111111111:certificate/"
            "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
        }
    },
    "tables": [
        {
            "name": "transactions",
            "partition_key": {"name": "transaction_id", "type": "S"},
            "consistency": "strong",
        },
        {"name": "failover-events", "partition_key": {"name": "event_id", "type": "S"}},
    ],
}


def write_spec(folder: Path, overrides: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = folder / name
    document = {"extends": str(CLEAN_SPEC.resolve()), **overrides}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def build_spec(folder: Path, overrides: dict[str, Any], name: str = "spec.yaml") -> Spec:
    return load_model(write_spec(folder, overrides, name))
