"""DR044: global database members state the global cluster's engine and version, and the
version is one RDS still creates clusters at.

Templates: every AWS::RDS::DBCluster that joins a global cluster (GlobalClusterIdentifier) states
Engine and EngineVersion, equal to the global cluster's when the template set holds it; every
AWS::RDS::GlobalCluster created empty (no SourceDBClusterIdentifier) states EngineVersion. The
RDS resource provider copies nothing from the global cluster into CreateDBCluster
(aws-cloudformation-resource-providers-rds, aws-rds-dbcluster Translator.createDbClusterRequest),
so a member without EngineVersion is created at the region's default version, and RDS refuses
the join when that differs: "Value for engineVersion should match setting for global cluster"
(https://github.com/aws/aws-cli/issues/8139).

Spec: `database.engine_version` exists for `database.engine` and is not deprecated, per the RDS
engine data cfn-lint maintains (cfnlint/data/schemas/extensions/aws_rds_dbcluster/
engine_version.json and engine_version_deprecated.json, generated from RDS's
DescribeDBEngineVersions; the deprecated list is what cfn-lint W3690 reports as "cannot be used
to create new RDS DB clusters"), and, when `database.write_forwarding` is on (the default), that
the version has global write forwarding (templates: a member with EnableGlobalWriteForwarding
at a version without it, which RDS refuses: "It requires that the global database uses an
Aurora version that supports write forwarding", aurora-global-database-write-forwarding-apg).
What that data cannot tell: whether a version supports global databases, and in which regions
it is orderable (DescribeDBEngineVersions' per-region SupportsGlobalDatabases). That is a fact
of the live account and region, for the preflight of `plan`/`deploy`, not something to type
into a list here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.policies.cfn import is_true
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_lint_data import data_dir
from dr_compiler.policies.cfn_names import rendered_name, resource_name
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

DB_CLUSTER = blocks.aurora.DB_CLUSTER.type
GLOBAL_CLUSTER = blocks.aurora.GLOBAL_CLUSTER.type
MATCHED = ("Engine", "EngineVersion")


@cache
def _engine_versions(filename: str) -> Mapping[str, frozenset[str]]:
    """Engine -> versions, from one of cfn-lint's DBCluster engine-version schemas: each is an
    allOf of if/then blocks that pin `Engine` and enumerate `EngineVersion` (in `then` for the
    known versions, in `if` for the deprecated ones)."""
    path = data_dir() / "schemas" / "extensions" / "aws_rds_dbcluster" / filename
    found: dict[str, frozenset[str]] = {}
    for block in json.loads(path.read_text())["allOf"]:
        condition = block.get("if", {}).get("properties", {})
        engine = condition.get("Engine", {}).get("const")
        then = block.get("then")
        where = then.get("properties", {}) if isinstance(then, dict) else condition
        versions = where.get("EngineVersion", {}).get("enum")
        if engine and versions:
            found[engine] = frozenset(str(v) for v in versions)
    return found


def known_versions(engine: str) -> frozenset[str]:
    return _engine_versions("engine_version.json").get(engine, frozenset())


def deprecated_versions(engine: str) -> frozenset[str]:
    return _engine_versions("engine_version_deprecated.json").get(engine, frozenset())


def _current_in_major(engine: str, version: str) -> list[str]:
    """The versions of the same major that RDS still creates, newest first."""
    major = version.split(".")[0]
    current = known_versions(engine) - deprecated_versions(engine)
    same = [v for v in current if v.split(".")[0] == major and "-" not in v and "." in v]
    return sorted(same, key=lambda v: tuple(int(p) for p in v.split(".")), reverse=True)


def forwards_writes(engine: str, version: str) -> bool | None:
    """Whether global write forwarding exists at this engine version (None: not known here).
    Aurora PostgreSQL: "In Aurora PostgreSQL version 16 and higher major versions, global write
    forwarding is supported in all minor versions. For earlier Aurora PostgreSQL versions, global
    write forwarding is supported with version 15.4 and higher minor versions, and version 14.9
    and higher minor versions"
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-write-forwarding-apg.html)."""
    parts = version.split(".")
    if engine != "aurora-postgresql" or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    major, minor = int(parts[0]), int(parts[1])
    return major >= 16 or (major == 15 and minor >= 4) or (major == 14 and minor >= 9)


def check_spec(spec: Spec) -> Iterator[Violation]:
    if spec.database is None:
        return
    engine, version = spec.database.engine, spec.database.engine_version
    if spec.database.write_forwarding and forwards_writes(engine, version) is False:
        yield Violation(
            f"{engine} {version} has no global write forwarding (16+, 15.4+ or 14.9+): a "
            "secondary's API could not write before promotion; upgrade, or set "
            "database.write_forwarding: false",
            "database.engine_version",
            path=("database", "engine_version"),
        )
    current = _current_in_major(engine, version)
    if version not in known_versions(engine):
        problem = "is not an engine version RDS knows"
    elif version in deprecated_versions(engine):
        problem = "is deprecated: RDS no longer creates clusters at it"
    else:
        return
    hint = f"; current {version.split('.')[0]}.x: {', '.join(current)}" if current else ""
    yield Violation(
        f"{engine} {version} {problem} (cfn-lint's RDS engine data){hint}",
        "database.engine_version",
        path=("database", "engine_version"),
    )


def _global_clusters(templates: TemplateSet) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(template file, logical id) and global identifier text -> the global cluster's
    properties, so members find theirs by Ref or by identifier."""
    found: dict[Any, Mapping[str, Any]] = {}
    for template, logical_id, resource in templates.all_resources(GLOBAL_CLUSTER):
        props = resource.get("Properties", {})
        found[(template.file, logical_id)] = props
        identifier = resource_name(template, logical_id, "GlobalClusterIdentifier")
        if identifier is not None:
            found[("", identifier)] = props
    return found


def _joined(
    template: TemplateDoc, value: Any, globals_: Mapping[tuple[str, str], Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    local = local_target(template, value)
    if local is not None:
        return globals_.get((template.file, local))
    text = rendered_name(value, template.region)
    return globals_.get(("", text)) if text is not None else None


def _member(
    template: TemplateDoc,
    logical_id: str,
    props: Mapping[str, Any],
    global_props: Mapping[str, Any] | None,
) -> Iterator[Violation]:
    for prop in MATCHED:
        value = props.get(prop)
        wanted = None if global_props is None else global_props.get(prop)
        if value is None:
            stated = f" ({wanted})" if wanted is not None else ""
            yield resource_violation(
                template,
                logical_id,
                f"global database member {logical_id} states no {prop}: RDS creates it at the "
                f"region's default and refuses the join unless it equals the global "
                f"cluster's{stated}",
                prop,
            )
        elif wanted is not None and value != wanted:
            yield resource_violation(
                template,
                logical_id,
                f"global database member {logical_id} has {prop} {value}, the global cluster "
                f"{wanted}: RDS refuses the join",
                prop,
            )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    globals_ = _global_clusters(templates)
    for template, logical_id, resource in templates.all_resources(GLOBAL_CLUSTER):
        props = resource.get("Properties", {})
        if "SourceDBClusterIdentifier" not in props and props.get("EngineVersion") is None:
            yield resource_violation(
                template,
                logical_id,
                f"global cluster {logical_id} states no EngineVersion: it is created at the "
                "region's default, which its members cannot state in advance",
                "EngineVersion",
            )
    for template, logical_id, resource in templates.all_resources(DB_CLUSTER):
        props = resource.get("Properties", {})
        joins = props.get("GlobalClusterIdentifier")
        if joins is not None:
            yield from _member(template, logical_id, props, _joined(template, joins, globals_))
            yield from _forwarding(template, logical_id, props)


def _forwarding(
    template: TemplateDoc, logical_id: str, props: Mapping[str, Any]
) -> Iterator[Violation]:
    engine, version = props.get("Engine"), props.get("EngineVersion")
    if not is_true(props.get("EnableGlobalWriteForwarding")):
        return
    if not isinstance(engine, str) or not isinstance(version, str):
        return
    if forwards_writes(engine, version) is False:
        yield resource_violation(
            template,
            logical_id,
            f"global database member {logical_id} enables write forwarding at {engine} "
            f"{version}, which has none (16+, 15.4+ or 14.9+): RDS refuses it",
            "EnableGlobalWriteForwarding",
        )


RULE = Rule(
    id="DR044",
    title="Global database members state the global cluster's engine and version, and the "
    "version supports global databases in every region",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "CloudFormation creates each member cluster of an Aurora global database with the "
        "properties of its own resource: nothing is copied from the global cluster. A member "
        "without EngineVersion is created at the region's default version and RDS refuses "
        "the join ('Value for engineVersion should match setting for global cluster'), so "
        "the secondary never deploys; and a version RDS has deprecated cannot create any "
        "cluster at all, so the first deploy fails at the global cluster."
    ),
    remediation=(
        "Set database.engine_version to a current version of the engine (the finding lists "
        "the current ones of the same major); dr_compiler then states it on the global "
        "cluster and on every member. In a hand-written template give every DBCluster with "
        "GlobalClusterIdentifier the global cluster's Engine and EngineVersion. With "
        "database.write_forwarding (the default) use 16+, 15.4+ or 14.9+, or turn it off, "
        "knowing a secondary's API then cannot write before promotion. Whether the "
        "version supports global databases in each region is not in the data this rule reads: "
        "RDS DescribeDBEngineVersions reports it per region (SupportsGlobalDatabases), a "
        "question for a preflight against the account."
    ),
    docs="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html",
    bad_example=(
        'database:\n  engine: aurora-postgresql\n  engine_version: "16.4"   # deprecated\n'
        "---\nSecondaryCluster:   # us-west-2 attach template\n  Type: AWS::RDS::DBCluster\n"
        "  Properties:\n    GlobalClusterIdentifier: payments-global-prod\n"
        "    Engine: aurora-postgresql\n"
    ),
    good_example=(
        'database:\n  engine: aurora-postgresql\n  engine_version: "16.8"\n'
        "---\nSecondaryCluster:   # us-west-2 attach template\n  Type: AWS::RDS::DBCluster\n"
        "  Properties:\n    GlobalClusterIdentifier: payments-global-prod\n"
        '    Engine: aurora-postgresql\n    EngineVersion: "16.8"\n'
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("database", "deployment"),
)
