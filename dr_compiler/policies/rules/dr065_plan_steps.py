"""DR065: a Region switch plan has a step for every component that needs one.

Spec: `failover.orchestrator: region_switch` needs exactly one secondary region, because a
plan spans exactly two Regions (API_Plan `regions`: "Fixed number of 2 items",
https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Plan.html).
Templates: every workflow of a plan that activates a Region has
- an AuroraGlobalDatabase step for each Aurora global database of the set (its
  GlobalClusterIdentifier), naming a member cluster in each of the plan's Regions; and
- a Route53HealthCheck step for each failover record name of the set (RecordName, with or
  without the trailing dot).
DynamoDB global tables need no step (Region switch has no block for them, and none is
needed: every replica takes writes), but only because a replica exists in each of the plan's
Regions: a global table of the set without one fails here. Replicated buckets need no step
either; that the secondary holds a replica is DR040's check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.policies.cfn import as_list, text_of
from dr_compiler.policies.cfn_plans import activations, arn_region, block, plans, steps
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateSet,
    Violation,
    resource_violation,
)

PLAN_REGIONS = 2


def check_spec(spec: Spec) -> Iterator[Violation]:
    count = len(spec.regions.all)
    if spec.failover.region_switch and count != PLAN_REGIONS:
        yield Violation(
            f"failover.orchestrator: region_switch compiles one ARC Region switch plan, which "
            f"spans exactly {PLAN_REGIONS} Regions; the spec has {count}",
            "failover",
            path=("failover", "orchestrator"),
        )


def _global_clusters(templates: TemplateSet) -> set[str]:
    return {
        name
        for _, _, resource in templates.all_resources(blocks.aurora.GLOBAL_CLUSTER.type)
        if (name := text_of(resource.get("Properties", {}).get("GlobalClusterIdentifier")))
    }


def _failover_record_names(templates: TemplateSet) -> set[str]:
    return {
        name.rstrip(".")
        for _, _, resource in templates.all_resources(blocks.route53.RECORD_SET.type)
        if "Failover" in resource.get("Properties", {})
        and (name := text_of(resource["Properties"].get("Name")))
    }


def _missing(
    workflow: Mapping[str, Any], regions: set[str], clusters: set[str], records: set[str]
) -> Iterator[str]:
    aurora = [block(s, "GlobalAuroraConfig") for s in steps(workflow)]
    for cluster in sorted(clusters):
        members = [
            {arn_region(a) for a in as_list(c.get("DatabaseClusterArns"))}
            for c in aurora
            if c.get("GlobalClusterIdentifier") == cluster
        ]
        if not members:
            yield f"no AuroraGlobalDatabase step for global database {cluster}"
        elif not any(regions <= found for found in members):
            yield (
                f"the AuroraGlobalDatabase step of {cluster} names no member cluster in "
                f"{', '.join(sorted(regions - set().union(*members)))}"
            )
    dns = {
        str(text_of(block(s, "Route53HealthCheckConfig").get("RecordName")) or "").rstrip(".")
        for s in steps(workflow)
    }
    for record in sorted(records - dns):
        yield f"no Route53HealthCheck step for the failover records of {record}"


def _tables_without_replicas(templates: TemplateSet, regions: set[str]) -> Iterator[str]:
    for _, table_id, resource in templates.all_resources(blocks.dynamodb.GLOBAL_TABLE.type):
        replicas = as_list(resource.get("Properties", {}).get("Replicas"))
        missing = regions - {r.get("Region") for r in replicas if isinstance(r, dict)}
        if missing:
            yield (
                f"global table {table_id} has no replica in {', '.join(sorted(missing))}, which "
                "the plan activates: no step can make one"
            )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    clusters, records = _global_clusters(templates), _failover_record_names(templates)
    for template, logical_id, props in plans(templates):
        regions = {r for r in as_list(props.get("Regions")) if isinstance(r, str)}
        for problem in _tables_without_replicas(templates, regions):
            yield resource_violation(
                template, logical_id, f"plan {logical_id}: {problem}", "Regions"
            )
        for index, workflow in activations(props):
            target = workflow.get("WorkflowTargetRegion", "either Region")
            for problem in _missing(workflow, regions, clusters, records):
                yield resource_violation(
                    template,
                    logical_id,
                    f"plan {logical_id}: the workflow activating {target} has {problem}",
                    "Workflows",
                    index,
                    "Steps",
                )


RULE = Rule(
    id="DR065",
    title="A Region switch plan has a step for every component that needs one",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "A Region switch plan only does what its steps say. A workflow that activates the "
        "secondary without promoting the Aurora global database leaves the application "
        "pointed at a read-only cluster; one without the DNS step leaves the plan's Route 53 "
        "health checks where they were, so clients keep going to the failed Region. A plan "
        "spans exactly two Regions, so a spec with more secondaries cannot be expressed as "
        "one plan."
    ),
    remediation=(
        "Compile with failover.orchestrator: region_switch and one secondary: dr_compiler "
        "emits, in each activating workflow, an AuroraGlobalDatabase step naming the global "
        "cluster and both member clusters and a Route53HealthCheck step for the API's "
        "failover record name. In a hand-written plan, add those steps."
    ),
    docs="https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-execution-blocks.html",
    bad_example=(
        "Workflows:\n  - WorkflowTargetAction: activate\n    Steps:        # DNS only: the "
        "database stays read-only\n      - {Name: shift-dns, ExecutionBlockType: "
        "Route53HealthCheck, ...}\n"
    ),
    good_example=(
        "Workflows:\n  - WorkflowTargetAction: activate\n    Steps:\n"
        "      - {Name: promote-database, ExecutionBlockType: AuroraGlobalDatabase, ...}\n"
        "      - {Name: shift-dns, ExecutionBlockType: Route53HealthCheck, ...}\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("failover",),
)
