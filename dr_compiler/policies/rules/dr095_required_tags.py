"""DR095: every taggable resource carries Environment, CostCenter, Criticality and the spec's
tags.

Which types are taggable, and under which property, comes from the CloudFormation resource
provider schemas that cfn-lint (a dependency) bundles: their `tagging` section says
`taggable` and `tagProperty`. The files are read directly, not through cfn-lint's API, so the
rule costs a few JSON reads per resource type present (cached) instead of cfn-lint's import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn_lint_data import CfnLintDataNotFound, data_dir
from dr_compiler.policies.cfn_names import tags_of
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

REQUIRED_KEYS = ("Environment", "CostCenter", "Criticality")
SCHEMA_REGION = "us-east-1"
"""Taggability does not vary by region; one region's schemas answer for all."""
GLOBAL_TABLE = blocks.dynamodb.GLOBAL_TABLE.type
"""Its schema has no `tagging` section: tags live on each replica (Replicas[].Tags)."""


def _schemas_dir() -> Path:
    return data_dir() / "schemas" / "providers"


@cache
def _hashed_index() -> Mapping[str, str] | None:
    """cfn-lint >= 1.2x: providers/<region>.json maps each type to a shared schema file."""
    index = _schemas_dir() / f"{SCHEMA_REGION}.json"
    return json.loads(index.read_text()) if index.is_file() else None


def _schema_file(kind: str) -> Path | None:
    index = _hashed_index()
    if index is not None:
        digest = index.get(kind)
        return _schemas_dir().parent / "resources" / f"{digest}.json" if digest else None
    # Older layout: providers/us_east_1/aws-s3-bucket.json, one file per type.
    folder = _schemas_dir() / SCHEMA_REGION.replace("-", "_")
    if not folder.is_dir():
        raise CfnLintDataNotFound(f"no resource schemas under {_schemas_dir()}")
    path = folder / f"{kind.replace('::', '-').lower()}.json"
    return path if path.is_file() else None


@cache
def tag_property(kind: str) -> str | None:
    """The property that holds a resource type's tags; None when the type takes no tags
    (or is not an AWS type, e.g. Custom::)."""
    path = _schema_file(kind)
    if path is None:
        return None
    schema = json.loads(path.read_text())
    tagging = schema.get("tagging")
    if tagging is None:
        # Schemas without a tagging section: taggable exactly when they declare Tags.
        return "Tags" if "Tags" in schema.get("properties", {}) else None
    if not tagging.get("taggable", True):
        return None
    return str(tagging.get("tagProperty", "/properties/Tags")).rsplit("/", 1)[-1]


def _problem(tags: dict[str, Any] | None, wanted: Mapping[str, str | None]) -> str | None:
    if tags is None:
        return "is computed by an intrinsic function and cannot be checked"
    missing = [key for key in wanted if key not in tags]
    wrong = [
        f"{key} is {tags[key]!r}, not {expected!r}"
        for key, expected in wanted.items()
        if expected is not None
        and key in tags
        and isinstance(tags[key], str)
        and tags[key] != expected
    ]
    parts = ([f"lacks {', '.join(missing)}"] if missing else []) + wrong
    return "; ".join(parts) if parts else None


def _wanted(templates: TemplateSet) -> dict[str, str | None]:
    """Key -> required value (None: any value) of the tags every resource must carry."""
    spec = templates.spec
    if spec is None:
        return dict.fromkeys(REQUIRED_KEYS)
    return {**dict.fromkeys(REQUIRED_KEYS), **spec.metadata.tags, "Environment": spec.environment}


def _tag_sites(kind: str, props: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(property path, tag value) of every place a resource carries tags."""
    if kind == GLOBAL_TABLE:
        for index, replica in enumerate(props.get("Replicas", [])):
            yield ("Replicas", index, "Tags"), replica.get("Tags")
        return
    prop = tag_property(kind)
    if prop is not None:
        yield (prop,), props.get(prop)


def _violations(template: TemplateDoc, wanted: Mapping[str, str | None]) -> Iterator[Violation]:
    for logical_id, resource in template.resources():
        kind = resource.get("Type", "")
        for path, value in _tag_sites(kind, resource.get("Properties", {})):
            problem = _problem(tags_of(value), wanted)
            if problem:
                where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
                yield Violation(
                    f"{kind} {logical_id}{where} {problem}",
                    logical_id,
                    template=template,
                    logical_id=logical_id,
                    property_path=path,
                )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    wanted = _wanted(templates)
    for template in templates.templates:
        yield from _violations(template, wanted)


RULE = Rule(
    id="DR095",
    title="Taggable resources carry Environment, CostCenter, Criticality and the spec's tags",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Tags are how the account's inventory, cost reports and on-call tooling tell a "
        "production payment component from a staging copy: an untagged replica bucket or "
        "secondary cluster is invisible to cost allocation and looks orphaned to whoever "
        "cleans up the account, and after a failover nobody can tell which region's "
        "resources belong to which environment."
    ),
    remediation=(
        "Compile through dr_compiler, which tags every taggable resource with metadata.tags "
        "(CostCenter and Criticality are required there) plus Environment. Set or fix the "
        "values under metadata.tags in the spec; in a hand-written template add the tags to "
        "the resource's tag property (Tags, or e.g. BackupVaultTags, and each replica's Tags "
        "on a DynamoDB global table)."
    ),
    docs="https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html",
    bad_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n"
        "    Tags: [{Key: Environment, Value: prod}]   # no CostCenter, no Criticality\n"
    ),
    good_example=(
        "DocumentsBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n    Tags:\n"
        "      - {Key: Environment, Value: prod}\n      - {Key: CostCenter, Value: Operations}\n"
        "      - {Key: Criticality, Value: High}\n"
    ),
    check_templates=check_templates,
    pci_dss=("12.5.1",),
    tags=("governance",),
)
