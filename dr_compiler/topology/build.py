"""The graph of a spec: the only place that knows what the deployment looks like."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Bucket, Database, Dns, Function, Queue, Spec, Table
from dr_compiler.objectives.aws import ROUTE53_METRICS_REGION
from dr_compiler.objectives.plan import plan_steps
from dr_compiler.objectives.text import fmt_seconds
from dr_compiler.schedules import UnsupportedSchedule, schedule_period
from dr_compiler.topology.graph import (
    BACKUP_COPY,
    DNS,
    DNS_NODE,
    FAILOVER,
    GLOBAL,
    PEERING,
    PROBE,
    REDRIVE,
    REGIONS_PER_ROW,
    REPLICATION,
    STORAGE_REPLICATION,
    TOPIC_NODE,
    TRIGGER,
    Edge,
    Graph,
    Node,
    region_id,
    store_id,
    vpc_id,
)


def column_order(primary: str, secondaries: tuple[str, ...]) -> tuple[str, ...]:
    """The first secondary right of the primary, the next one left of it (so both arrows
    from the primary cross one gap); the others fill the next rows in order."""
    first_row = secondaries[: REGIONS_PER_ROW - 1]
    return (*reversed(first_row[1::2]), primary, *first_row[0::2], *secondaries[len(first_row) :])


def build_graph(spec: Spec) -> Graph:
    nodes: list[Node] = [
        Node(
            # The global stack deploys where Route53 publishes health-check metrics, whatever
            # the primary region is.
            GLOBAL,
            "scope",
            "global",
            f"Route 53 and the failover topic ({ROUTE53_METRICS_REGION})",
        ),
    ]
    if spec.dns is not None:
        # No public API: no DNS to move and nothing automatic to start a failover.
        nodes += [
            Node(DNS_NODE, "dns", f"Route 53 {_routing(spec.dns)}", spec.dns.fqdn, parent=GLOBAL),
            _orchestrator_node(spec),
        ]
    for region in spec.regions.all:
        nodes.extend(_region_nodes(spec, region))
    return Graph(
        title=f"{spec.app} {spec.environment}: disaster-recovery topology",
        primary=spec.regions.primary,
        failover_target=spec.regions.failover_target,
        columns=column_order(spec.regions.primary, spec.regions.secondaries),
        nodes=tuple(nodes),
        edges=tuple(_edges(spec)),
    )


def _orchestrator_node(spec: Spec) -> Node:
    """The global band's second box: the failover topic, or the Region switch plan (the
    plan is partition-global and lives in the global stack) with its workflow."""
    if not spec.failover.region_switch:
        return Node(TOPIC_NODE, "topic", "SNS failover topic", "notified by the alarm", GLOBAL)
    workflow = ", ".join(f"{i}. {step.name}" for i, step in enumerate(plan_steps(spec), 1))
    return Node(TOPIC_NODE, "plan", "ARC Region switch plan", workflow, GLOBAL)


def _region_nodes(spec: Spec, region: str) -> Iterator[Node]:
    primary = region == spec.regions.primary
    rid, vid = region_id(region), vpc_id(region)
    role = "primary" if primary else "secondary"
    yield Node(rid, "region", region, role, region=region)
    cidr = spec.network.cidrs.get(region, "")
    yield Node(vid, "vpc", f"VPC {cidr}", f"{spec.network.availability_zones} AZs", rid, region)
    function = _failover_function(spec, region)
    if function is not None:
        parent = vid if function.vpc else rid
        yield Node(
            store_id("fn", region, function.name),
            "function",
            f"Lambda {function.name}",
            "failover decision",
            parent,
            region,
            "function",
        )
    yield from _probe_nodes(spec, region)
    if spec.api is not None:
        yield Node(
            store_id("alb", region),
            "alb",
            "ALB (HTTPS 443)",
            spec.api.function,
            vid,
            region,
            "alb",
        )
    for block in blocks.STORES:
        for store in block.instances(spec):
            yield from STORE_NODES[block.name](spec, region, store)
    yield from _scheduled_nodes(spec, region)
    yield Node(
        store_id("vault", region),
        "vault",
        "Backup vault",
        f"plan {spec.backup.schedule}" if primary else "copies of each recovery point",
        rid,
        region,
        "vault",
    )
    # Every alarm of a region notifies its own region's alert topic (sns.py, DR030).
    yield Node(
        store_id("alerts", region),
        "topic",
        "SNS alert topic",
        "every alarm in this region",
        rid,
        region,
        "alerts",
    )


def _database_nodes(spec: Spec, region: str, database: Database) -> Iterator[Node]:
    engine = "PostgreSQL" if "postgres" in database.engine else "MySQL"
    yield Node(
        store_id("aurora", region),
        "database",
        f"Aurora {engine} {database.engine_version}",
        "writer cluster" if region == spec.regions.primary else "secondary cluster (reads)",
        vpc_id(region),
        region,
        "database",
    )


def _table_nodes(spec: Spec, region: str, table: Table) -> Iterator[Node]:
    yield Node(
        store_id("table", region, table.name),
        "table",
        f"DynamoDB {table.name}",
        f"replica ({table.consistency} consistency)",
        region_id(region),
        region,
        f"table:{table.name}",
    )


def _bucket_nodes(spec: Spec, region: str, bucket: Bucket) -> Iterator[Node]:
    detail = "source" if region == spec.regions.primary else "replica"
    if not bucket.replicated:
        detail = "not replicated"
    yield Node(
        store_id("bucket", region, bucket.name),
        "bucket",
        f"S3 {bucket.name}",
        detail,
        region_id(region),
        region,
        f"bucket:{bucket.name}",
    )


def _queue_nodes(spec: Spec, region: str, queue: Queue) -> Iterator[Node]:
    """The queue, the functions it invokes right below it, then its dead-letter queue
    (sqs.py: every queue has one; lambda_functions.py: the event source mapping)."""
    rid = region_id(region)
    fifo = " (FIFO)" if queue.fifo else ""
    yield Node(
        store_id("queue", region, queue.name),
        "queue",
        f"SQS {queue.name}{fifo}",
        f"visibility {queue.visibility_timeout_seconds} s",
        rid,
        region,
        f"queue:{queue.name}",
    )
    for function in _consumers(spec, queue.name):
        yield _worker_node(function, region, f"batches of {function.batch_size}")
    yield Node(
        store_id("dlq", region, queue.name),
        "queue",
        f"SQS {queue.name} DLQ",
        "dead letters",
        rid,
        region,
        f"dlq:{queue.name}",
    )


STORE_NODES: Mapping[str, Callable[[Spec, str, Any], Iterator[Node]]] = {
    blocks.aurora.BLOCK.name: _database_nodes,
    blocks.dynamodb.BLOCK.name: _table_nodes,
    blocks.s3.BLOCK.name: _bucket_nodes,
    blocks.sqs.BLOCK.name: _queue_nodes,
}
"""A region's nodes of one store of each block (blocks.STORES), drawn in blocks order."""


def _scheduled_nodes(spec: Spec, region: str) -> Iterator[Node]:
    """Functions EventBridge runs on a schedule (but the health monitor drawn as a probe)."""
    probe = spec.health_monitor if _regional_trigger(spec) else None
    for function in spec.functions:
        if function.schedule is not None and function is not probe:
            yield _worker_node(function, region, function.schedule)


def _worker_node(function: Function, region: str, trigger: str) -> Node:
    """A queue- or schedule-triggered function; every region runs it (lambda_functions.py)."""
    where = ", in the VPC" if function.vpc else ""
    return Node(
        store_id("fn", region, function.name),
        "worker",
        f"Lambda {function.name}",
        f"{trigger}{where}",
        region_id(region),
        region,
        f"worker:{function.name}",
    )


def _consumers(spec: Spec, queue: str) -> tuple[Function, ...]:
    return tuple(f for f in spec.functions if f.trigger_queue == queue)


def _failover_function(spec: Spec, region: str) -> Function | None:
    """The failover function, in each region that runs it: the first secondary (the global
    failover topic invokes it there) and every secondary with a trigger path of its own."""
    if region not in spec.regions.secondaries or spec.failover.region_switch:
        return None
    if region != spec.regions.failover_target and not _regional_trigger(spec):
        return None
    return spec.failover_function


def _probe_nodes(spec: Spec, region: str) -> Iterator[Node]:
    """The outside view of the primary: in each secondary, the health monitor probing the
    primary API; in the primary, the health path it probes."""
    monitor = spec.health_monitor
    if not _regional_trigger(spec) or monitor is None:
        return
    rid = region_id(region)
    if region == spec.regions.primary:
        assert spec.dns is not None, "the schema stage refuses a health monitor without dns"
        check = spec.dns.health_check
        yield Node(
            store_id("probe", region),
            "probe",
            f"GET {check.path} ({check.protocol})",
            "probed from every secondary",
            rid,
            region,
            "probe",
        )
        return
    evidence = f"{spec.failover.datapoints_to_alarm} of {spec.failover.evaluation_periods} min"
    yield Node(
        store_id("probe", region),
        "probe",
        f"Lambda {monitor.name}",
        f"own alarm: {evidence} failing",
        rid,
        region,
        "probe",
    )


def _regional_trigger(spec: Spec) -> bool:
    """Whether each secondary probes the primary and triggers its own failover (DR062), or
    the Region switch plan's (DR066)."""
    monitor = spec.health_monitor
    if monitor is None or monitor.schedule is None:
        return False
    return spec.failover.region_switch or (
        spec.failover.automatic and spec.failover_function is not None
    )


def _edges(spec: Spec) -> Iterator[Edge]:
    primary, secondaries = spec.regions.primary, spec.regions.secondaries
    if spec.network.peering:
        for region in secondaries:
            yield Edge(vpc_id(primary), vpc_id(region), PEERING, "VPC peering", both_ways=True)
    for region in secondaries if spec.database is not None else ():
        yield Edge(
            store_id("aurora", primary),
            store_id("aurora", region),
            REPLICATION,
            "Aurora replication ~1 s",
        )
    for table in spec.tables:
        label = "strong consistency" if table.consistency == "strong" else "global table ~1 s"
        # Every replica of a global table replicates to every other one; the drawing shows
        # the primary's links only (the note under the legend says so), or ten regions would
        # draw 45 arrows per table.
        for region in secondaries:
            yield Edge(
                store_id("table", primary, table.name),
                store_id("table", region, table.name),
                REPLICATION,
                label,
                both_ways=True,
            )
    for queue in spec.queues:
        for region in spec.regions.all:
            source = store_id("queue", region, queue.name)
            for function in _consumers(spec, queue.name):
                target = store_id("fn", region, function.name)
                yield Edge(source, target, TRIGGER, "invokes")
            yield Edge(
                source,
                store_id("dlq", region, queue.name),
                REDRIVE,
                f"{queue.max_receive_count} receives",
            )
    for bucket in spec.buckets:
        if not bucket.replicated:
            continue
        label = "CRR + RTC 15 min" if bucket.rtc else "CRR, no RTC: unbounded"
        for region in secondaries:
            yield Edge(
                store_id("bucket", primary, bucket.name),
                store_id("bucket", region, bucket.name),
                STORAGE_REPLICATION,
                label,
            )
    if spec.backup.copy_to_secondaries:
        label = f"backup copy, every {_period_text(spec.backup.schedule)}"
        for region in secondaries:
            yield Edge(store_id("vault", primary), store_id("vault", region), BACKUP_COPY, label)
    yield from _failover_edges(spec)


def _period_text(schedule: str) -> str:
    try:
        seconds = schedule_period(schedule)
    except UnsupportedSchedule:
        return schedule
    if math.isinf(seconds):
        return fmt_seconds(seconds)
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return fmt_seconds(seconds)


def _routing(dns: Dns) -> str:
    return "latency routing" if dns.latency else "failover"


def _failover_edges(spec: Spec) -> Iterator[Edge]:
    if spec.dns is None:
        return
    primary, target = spec.regions.primary, spec.regions.failover_target
    secondaries = spec.regions.secondaries
    if spec.dns.latency:
        # Active-active: a latency record per region (route53.py), no order among them.
        for region in spec.regions.all:
            yield Edge(DNS_NODE, store_id("alb", region), DNS, "latency")
    else:
        yield Edge(DNS_NODE, store_id("alb", primary), DNS, "PRIMARY")
        # DNS reaches every secondary, in order, through the failover chain (route53.py).
        for place, region in enumerate(secondaries, 1):
            label = "SECONDARY" if len(secondaries) == 1 else f"SECONDARY {place}"
            yield Edge(DNS_NODE, store_id("alb", region), DNS, label)
    if spec.failover.region_switch:
        yield from _plan_edges(spec)
        return
    yield Edge(DNS_NODE, TOPIC_NODE, FAILOVER, "health-check alarm")
    function = _failover_function(spec, target)
    if function is None or spec.database is None:
        return
    fn = store_id("fn", target, function.name)
    if spec.failover.automatic:
        yield Edge(TOPIC_NODE, fn, FAILOVER, "invokes")
    yield Edge(fn, store_id("aurora", target), FAILOVER, "promotes")
    if not _regional_trigger(spec):
        return
    # The outside view: each secondary probes the primary's API and starts its own failover
    # through its own alarm and topic, with nothing of the primary's region.
    for region in spec.regions.secondaries:
        probe, regional = store_id("probe", region), store_id("fn", region, function.name)
        yield Edge(probe, store_id("probe", primary), PROBE, "probes")
        yield Edge(probe, regional, FAILOVER, "alarm, topic")
        if region != target:
            yield Edge(regional, store_id("aurora", region), FAILOVER, "promotes")


def _plan_edges(spec: Spec) -> Iterator[Edge]:
    """The plan's path: the secondary's probe alarm triggers it, its first database step
    promotes that secondary's cluster (its DNS step is in the plan box's workflow)."""
    primary, target = spec.regions.primary, spec.regions.failover_target
    if _regional_trigger(spec):
        probe = store_id("probe", target)
        yield Edge(probe, store_id("probe", primary), PROBE, "probes")
        yield Edge(probe, TOPIC_NODE, FAILOVER, "trigger alarm")
    yield Edge(TOPIC_NODE, store_id("aurora", target), FAILOVER, "promotes")
