"""The schema is valid 2020-12, documents every field, and accepts or rejects data cases."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dr_compiler.loader import load_spec
from dr_compiler.schema import load_schema

REPO = Path(__file__).parents[1]
SHIPPED = ["base", "prod", "staging", "dev", "orders/base", "orders/prod"]


def test_schema_is_valid_json_schema_2020_12() -> None:
    Draft202012Validator.check_schema(load_schema())


def _described(node: Any, path: str) -> list[str]:
    missing = []
    if isinstance(node, dict):
        if "properties" in node:
            for name, child in node["properties"].items():
                if "description" not in child:
                    missing.append(f"{path}.{name}")
                missing += _described(child, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                missing += _described(node[key], f"{path}[{key}]")
    return missing


def test_every_field_has_a_description() -> None:
    assert _described(load_schema(), "$") == []


# Subschemas of conditionals only constrain keys an enclosing (closed) object defines.
CONDITIONAL = (".if", ".then", ".else")


def _closed(node: Any, path: str) -> list[str]:
    open_objects = []
    if isinstance(node, dict):
        closed = node.get("additionalProperties") is False or path.endswith(CONDITIONAL)
        if "properties" in node and not closed:
            open_objects.append(path)
        for key, child in node.items():
            if isinstance(child, (dict, list)):
                open_objects += _closed(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            open_objects += _closed(child, f"{path}[{index}]")
    return open_objects


def test_every_object_rejects_unknown_keys() -> None:
    assert _closed(load_schema(), "$") == []


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_specs_are_valid(name: str) -> None:
    document = load_spec(REPO / "specs" / f"{name}.yaml")
    assert list(Draft202012Validator(load_schema()).iter_errors(document.data)) == []


def _prod() -> dict[str, Any]:
    return load_spec(REPO / "specs" / "prod.yaml").data


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_prod())
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


# Data-only cases in the style of the JSON Schema test suite: (description, data, valid).
CASES = [
    ("prod as shipped", _prod(), True),
    ("environment too long", _with(("metadata", "environment"), "production1"), False),
    ("environment with a dash", _with(("metadata", "environment"), "pr-od"), False),
    ("health check interval 10", _with(("dns", "health_check", "interval_seconds"), 10), True),
    ("health check interval 20", _with(("dns", "health_check", "interval_seconds"), 20), False),
    ("failure threshold 11", _with(("dns", "health_check", "failure_threshold"), 11), False),
    ("CIDR /8 too large for a VPC", _with(("network", "cidrs", "us-east-1"), "10.0.0.0/8"), False),
    ("schedule rate", _with(("backup", "schedule"), "rate(12 hours)"), True),
    (
        "schedule empty (its syntax is checked in semantics)",
        _with(("backup", "schedule"), ""),
        False,
    ),
    ("account id of 11 digits", _with(("deployment", "accounts"), ["11111111111"]), False),
    ("credentials literal", _with(("database", "credentials"), "hunter2"), False),
    ("max_acu 0.75 not a step", _with(("database", "serverless_v2", "max_acu"), 0.75), False),
    ("tag value too long", _with(("metadata", "tags", "Owner"), "x" * 257), False),
    ("aws: tag prefix reserved", _with(("metadata", "tags"), {"aws:x": "y"}), False),
    ("TLS 1.0 policy", _with(("api", "ssl_policy"), "ELBSecurityPolicy-2016-08"), False),
    ("environment literal", _with(("functions", 0, "environment"), {"LOG_LEVEL": "INFO"}), True),
    ("environment number", _with(("functions", 0, "environment"), {"RETRIES": 3}), False),
    ("environment name of one letter", _with(("functions", 0, "environment"), {"X": "1"}), False),
    (
        "environment name Lambda reserves",
        _with(("functions", 0, "environment"), {"TZ": "UTC"}),
        False,
    ),
    ("environment name with a dash", _with(("functions", 0, "environment"), {"A-B": "1"}), False),
    (
        "secret in Secrets Manager and in SSM",
        _with(
            ("functions", 0, "secrets"),
            {"PROVIDER_ARN": {"secretsmanager": "payments/provider"}, "RATES_ARN": {"ssm": "/a/b"}},
        ),
        True,
    ),
    (
        "secret with both services",
        _with(("functions", 0, "secrets"), {"S_ARN": {"ssm": "/a", "secretsmanager": "a"}}),
        False,
    ),
    (
        "SSM parameter name not from the root",
        _with(("functions", 0, "secrets"), {"S_ARN": {"ssm": "a/b"}}),
        False,
    ),
    (
        "secret given by ARN",
        _with(
            ("functions", 0, "secrets"),
            {"S_ARN": {"secretsmanager": "arn:aws:secretsmanager:us-east-1:1:secret:a"}},
        ),
        False,
    ),
    (
        "waiver reason too short",
        _with(
            ("policy", "waivers"),
            [{"rule": "DR052", "resource": "x", "reason": "ok", "expires": "2030-01-01"}],
        ),
        False,
    ),
]


@pytest.mark.parametrize(("description", "data", "valid"), CASES, ids=[c[0] for c in CASES])
def test_schema_case(description: str, data: dict[str, Any], valid: bool) -> None:
    errors = list(Draft202012Validator(load_schema()).iter_errors(data))
    assert (not errors) == valid, [e.message for e in errors]
