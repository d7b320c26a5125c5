"""Stage 2 (schema): the spec against `schemas/dr-spec.schema.json`, every error at once.

Each error names the YAML path and the file:line:column it came from. Unknown keys get a
"did you mean" suggestion. After the shape, the references between sections are checked
(a trigger naming a queue that does not exist, a region without a CIDR), because the model
cannot be built without them.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from dr_compiler.conformance import conforms
from dr_compiler.credentials import names_a_credential
from dr_compiler.errors import Problem
from dr_compiler.loader import SourceDocument, SourceMap, YamlPath, format_path
from dr_compiler.paths import SCHEMA_FILE
from dr_compiler.semantics import semantic_problems

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


@cache
def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _full_match_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """`pattern` as JSON Schema means it (ECMA-262, where `$` is the end of the input).

    python-jsonschema runs patterns with Python's re.search, whose `$` also matches before
    a final newline: `^[0-9]{12}$` would accept "111111111111\n", and the newline would
    reach a bucket name or an ARN. Every pattern of the schema is anchored at both ends
    (tests/test_schema_patterns.py checks it), and for an anchored pattern ECMA's search is
    Python's fullmatch, which must consume the whole string.
    """
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and _compiled(pattern).fullmatch(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def spec_validator() -> type[Draft202012Validator]:
    """Draft 2020-12 with `pattern` as JSON Schema (ECMA-262) means it. jsonschema is
    imported here, not at the top: a conforming document never needs it (conformance.py)."""
    from jsonschema import Draft202012Validator, validators

    # types-jsonschema leaves validators.extend unannotated (a gap of the stubs, not ours).
    extended: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {"pattern": _full_match_pattern}
    )
    return extended


@cache
def _validator() -> Draft202012Validator:
    return spec_validator()(load_schema())


def validate(document: SourceDocument) -> list[Problem]:
    """Every problem of the document, sorted by position; an empty list means valid."""
    conforming = conforms(document.data, load_schema(), _compiled)
    problems = [] if conforming else list(_schema_problems(document))
    if not problems:
        problems = list(_reference_problems(document.data, document.source_map))
    if not problems:
        problems = list(semantic_problems(document.data, document.source_map))
    return sorted(set(problems), key=lambda p: (p.location, p.message))


def _schema_problems(document: SourceDocument) -> Iterator[Problem]:
    for error in _leaf_errors(_validator().iter_errors(document.data)):
        path = tuple(error.absolute_path)
        yield _describe(error, path, document.source_map)


def _leaf_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """For oneOf/anyOf keep the sub-errors that explain the failure when there are any."""
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            deepest = max(len(e.absolute_path) for e in error.context)
            if deepest > len(error.absolute_path):
                yield from _leaf_errors(e for e in error.context if len(e.absolute_path) == deepest)
                continue
        yield error


def _describe(error: ValidationError, path: YamlPath, source_map: SourceMap) -> Problem:
    where = format_path(path)
    kind = error.validator
    # A validator's errors always carry the failing subschema, instance and keyword value; the
    # stubs also allow a schema of `true`/`false` and the "unset" of a hand-made error.
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        # A key of a map that names things (environment variables): point at the key.
        return Problem(
            source_map.locate_key((*path, error.instance)),
            f"{where}: {error.instance!r} is not a valid name: {schema['description']}",
        )
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        unknown = [k for k in instance if k not in schema.get("properties", {})]
        key = unknown[0] if unknown else "?"
        if names_a_credential(key):
            return Problem(
                source_map.locate_key((*path, key)),
                f"{where}: '{key}' is a literal credential (DR010): credentials are generated "
                "in Secrets Manager (credentials: generated), never written in a spec",
            )
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = (
            f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(allowed)})"
        )
        return Problem(
            source_map.locate_key((*path, key)), f"{where}: unknown key '{key}'{suggestion}"
        )
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return Problem(source_map.locate_key(path), f"{where}: missing required key '{missing}'")
    if kind == "pattern" or (kind == "propertyNames"):
        description = schema.get("description", "")
        detail = f": {description}" if description else ""
        return Problem(source_map.locate(path), f"{where}: {error.instance!r} is not valid{detail}")
    if kind == "enum" and isinstance(error.validator_value, list):
        options = ", ".join(map(str, error.validator_value))
        if len(error.validator_value) > 12:
            options = ", ".join(map(str, error.validator_value[:12])) + ", ..."
        return Problem(
            source_map.locate(path), f"{where}: {error.instance!r} is not one of {options}"
        )
    if kind == "not" and "description" in schema:
        # A "not" says what may not go together; its schema's description says it in words.
        return Problem(source_map.locate_key(path), f"{where}: {schema['description']}")
    return Problem(source_map.locate(path), f"{where}: {error.message}")


def _reference_problems(data: dict[str, Any], source_map: SourceMap) -> Iterator[Problem]:
    """References between sections; runs only on a document whose shape is valid."""
    regions = [data["regions"]["primary"], *data["regions"]["secondaries"]]

    def problem(path: YamlPath, message: str, key: bool = False) -> Problem:
        location = source_map.locate_key(path) if key else source_map.locate(path)
        return Problem(location, f"{format_path(path)}: {message}")

    primary = data["regions"]["primary"]
    for index, region in enumerate(data["regions"]["secondaries"]):
        if region == primary:
            yield problem(
                ("regions", "secondaries", index),
                f"{region} is the primary region; a secondary must be another region",
            )
    for section, what in (("network", "cidrs"), ("api", "certificate_arns")):
        if section not in data:
            continue
        table = data[section][what]
        for region in regions:
            if region not in table:
                yield problem((section, what), f"no entry for region {region}")
        for region in table:
            if region not in regions:
                yield problem(
                    (section, what, region), f"{region} is not a region of this spec", True
                )
    yield from _database_problems(data, problem)
    yield from _queue_problems(data, problem)
    yield from _name_problems(data, problem)
    for index, waiver in enumerate(data.get("policy", {}).get("waivers", [])):
        try:
            date.fromisoformat(waiver["expires"])
        except ValueError:
            yield problem(("policy", "waivers", index, "expires"), "not a calendar date")


def _database_problems(data: dict[str, Any], problem: Any) -> Iterator[Problem]:
    if "database" not in data:
        # No relational database: nothing may ask for access to one.
        for index, function in enumerate(data.get("functions", [])):
            if "database" in function.get("access", {}):
                yield problem(
                    ("functions", index, "access", "database"),
                    "the spec has no database section; remove this access or add a database",
                )
        return
    serverless = data["database"]["serverless_v2"]
    if serverless["max_acu"] < serverless["min_acu"]:
        yield problem(
            ("database", "serverless_v2", "max_acu"),
            f"{serverless['max_acu']} is less than min_acu {serverless['min_acu']}",
        )


FIFO_BATCH_MAX = 10
"""Lambda's largest batch from a FIFO queue (CreateEventSourceMapping, BatchSize: "For FIFO
queues the maximum is 10", https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html)."""


def _fifo_batch_problems(
    data: dict[str, Any], function: dict[str, Any], base: YamlPath, problem: Any
) -> Iterator[Problem]:
    trigger = function["trigger"]
    queue = next((q for q in data.get("queues", []) if q["name"] == trigger["queue"]), None)
    if queue is not None and queue.get("fifo") and trigger.get("batch_size", 0) > FIFO_BATCH_MAX:
        yield problem(
            (*base, "trigger", "batch_size"),
            f"queue {queue['name']} is FIFO: Lambda takes at most {FIFO_BATCH_MAX} messages "
            "per batch from it",
        )


def _queue_problems(data: dict[str, Any], problem: Any) -> Iterator[Problem]:
    for index, queue in enumerate(data.get("queues", [])):
        if queue.get("content_based_deduplication") and not queue.get("fifo"):
            yield problem(
                ("queues", index, "content_based_deduplication"),
                "deduplication is a FIFO queue's: set fifo: true or remove it",
            )


def _name_problems(data: dict[str, Any], problem: Any) -> Iterator[Problem]:
    sections = {
        "buckets": [b["name"] for b in data.get("storage", {}).get("buckets", [])],
        "tables": [t["name"] for t in data.get("tables", [])],
        "queues": [q["name"] for q in data.get("queues", [])],
        "functions": [f["name"] for f in data.get("functions", [])],
    }
    for section, names in sections.items():
        base: YamlPath = ("storage", "buckets") if section == "buckets" else (section,)
        for index, name in enumerate(names):
            if name in names[:index]:
                yield problem((*base, index, "name"), f"duplicate {section[:-1]} name '{name}'")

    def must_exist(path: YamlPath, name: str, section: str) -> Iterator[Problem]:
        if name not in sections[section]:
            hint = difflib.get_close_matches(name, sections[section], n=1)
            suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
            yield problem(path, f"no {section[:-1]} named '{name}'{suffix}")

    for index, function in enumerate(data.get("functions", [])):
        base = ("functions", index)
        queue = function.get("trigger", {}).get("queue")
        if queue is not None:
            yield from must_exist((*base, "trigger", "queue"), queue, "queues")
            yield from _fifo_batch_problems(data, function, base, problem)
        table = function.get("trigger", {}).get("table")
        if table is not None:
            yield from must_exist((*base, "trigger", "table"), table, "tables")
            if queue is not None:
                yield problem(
                    (*base, "trigger", "table"),
                    "a function has one event source: a queue or a table stream, not both",
                )
        for section in ("queues", "tables", "buckets"):
            for name in function.get("access", {}).get(section, {}):
                yield from must_exist((*base, "access", section, name), name, section)
    if "api" in data:
        yield from must_exist(("api", "function"), data["api"]["function"], "functions")
    else:
        yield from _without_api_problems(data, problem)
    failover_function = data.get("failover", {}).get("function")
    if failover_function is not None:
        yield from must_exist(("failover", "function"), failover_function, "functions")


def _without_api_problems(data: dict[str, Any], problem: Any) -> Iterator[Problem]:
    """Without a public API there is no health check and nothing to probe: nothing automatic
    can tell a lost region from a quiet one, so a person decides."""
    failover = data.get("failover", {})
    if failover.get("automatic"):
        yield problem(
            ("failover", "automatic"),
            "a spec without api and dns has no health check to start a failover: set "
            "automatic: false (a person decides, failover.decision_seconds says how fast)",
        )
    if failover.get("orchestrator") == "region_switch":
        yield problem(
            ("failover", "orchestrator"),
            "a Region switch plan is triggered by the probe of the primary API: a spec "
            "without api and dns has none; use orchestrator: lambda",
        )
    for index, function in enumerate(data.get("functions", [])):
        if function.get("access", {}).get("metrics") == "publish":
            yield problem(
                ("functions", index, "access", "metrics"),
                "the health monitor probes the primary API: a spec without api and dns "
                "has none to probe",
            )
