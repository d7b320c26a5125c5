"""The topology of a spec as one graph, drawn two ways: Mermaid (for Markdown) and SVG.

`build_graph` is the only place that knows what the deployment looks like: regions, their
VPCs and the peering between them, the data stores of every region with their replication
arrows, and the failover path (Route53 -> health-check alarm -> SNS -> failover function ->
Aurora promotion; or, with `failover.orchestrator: region_switch`, the secondary's probe alarm
-> the ARC Region switch plan, its workflow in the plan's box -> Aurora promotion).
`to_mermaid` and `to_svg` only draw a `Graph`, so the two drawings name the same nodes and
edges by construction (tests compare them).

The SVG is hand-written with a deterministic layout, so a build needs no external tool and
the same spec gives byte-identical output:

- regions are columns; the primary sits next to the first secondary (the failover target),
  further secondaries alternate left and right so that every primary-to-secondary arrow
  crosses only one gap;
- inside a column, every region has the same rows (the failover function, then the VPC with
  the load balancer and the Aurora cluster, then each table, each bucket, the backup vault),
  so replication arrows between regions are horizontal;
- a band across the top holds the global pieces (the Route53 failover record and the
  failover topic); their arrows run down lanes beside the nodes, never through them;
- an arrow between columns that are not neighbours (DynamoDB replicas of two secondaries)
  runs through the gap above its row.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape as html_escape

from dr_compiler.escaping import mermaid_label, xml_chars
from dr_compiler.model import Function, Spec
from dr_compiler.objectives import (
    ROUTE53_METRICS_REGION,
    UnsupportedSchedule,
    fmt_seconds,
    plan_steps,
    schedule_period,
)

# --- The graph ----------------------------------------------------------------------------

REPLICATION = "replication"
STORAGE_REPLICATION = "s3-replication"
BACKUP_COPY = "backup-copy"
PEERING = "peering"
DNS = "dns"
FAILOVER = "failover"
PROBE = "probe"
REPLICATION_KINDS = (REPLICATION, STORAGE_REPLICATION, BACKUP_COPY)

DATA_STORE_KINDS = ("database", "table", "bucket", "vault")
CONTAINER_KINDS = ("scope", "region", "vpc")


@dataclass(frozen=True)
class Node:
    """A box of the diagram. Containers (scope, region, vpc) hold the nodes naming them as
    `parent`; `key` is the row a node occupies in every region column."""

    id: str
    kind: str
    title: str
    detail: str = ""
    parent: str | None = None
    region: str | None = None
    key: str = ""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str
    both_ways: bool = False

    @property
    def id(self) -> str:
        return f"{self.source}--{self.target}"


@dataclass(frozen=True)
class Graph:
    title: str
    primary: str
    columns: tuple[str, ...]
    """Regions in drawing order, left to right."""
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def children(self, parent: str | None) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.parent == parent)


def slug(text: str) -> str:
    """An identifier Mermaid and XML both accept: letters, digits and underscores."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def region_id(region: str) -> str:
    return f"region_{slug(region)}"


def vpc_id(region: str) -> str:
    return f"vpc_{slug(region)}"


def _store_id(kind: str, region: str, name: str = "") -> str:
    return "_".join(part for part in (kind, slug(name), slug(region)) if part)


GLOBAL = "global"
DNS_NODE = "dns"
TOPIC_NODE = "failover_topic"


def column_order(primary: str, secondaries: tuple[str, ...]) -> tuple[str, ...]:
    """The first secondary right of the primary; the others alternate left and right."""
    right = secondaries[0::2]
    left = secondaries[1::2]
    return (*reversed(left), primary, *right)


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
            Node(DNS_NODE, "dns", "Route 53 failover", spec.dns.fqdn, parent=GLOBAL),
            _orchestrator_node(spec),
        ]
    for region in spec.regions.all:
        nodes.extend(_region_nodes(spec, region))
    return Graph(
        title=f"{spec.app} {spec.environment}: disaster-recovery topology",
        primary=spec.regions.primary,
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
            _store_id("fn", region, function.name),
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
            _store_id("alb", region),
            "alb",
            "ALB (HTTPS 443)",
            spec.api.function,
            vid,
            region,
            "alb",
        )
    if spec.database is not None:
        engine = "PostgreSQL" if "postgres" in spec.database.engine else "MySQL"
        yield Node(
            _store_id("aurora", region),
            "database",
            f"Aurora {engine} {spec.database.engine_version}",
            "writer cluster" if primary else "secondary cluster (reads)",
            vid,
            region,
            "database",
        )
    for table in spec.tables:
        yield Node(
            _store_id("table", region, table.name),
            "table",
            f"DynamoDB {table.name}",
            f"replica ({table.consistency} consistency)",
            rid,
            region,
            f"table:{table.name}",
        )
    for bucket in spec.buckets:
        detail = "source" if primary else "replica"
        if not bucket.replicated:
            detail = "not replicated"
        yield Node(
            _store_id("bucket", region, bucket.name),
            "bucket",
            f"S3 {bucket.name}",
            detail,
            rid,
            region,
            f"bucket:{bucket.name}",
        )
    yield Node(
        _store_id("vault", region),
        "vault",
        "Backup vault",
        f"plan {spec.backup.schedule}" if primary else "copies of each recovery point",
        rid,
        region,
        "vault",
    )


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
        check = spec.dns.health_check
        yield Node(
            _store_id("probe", region),
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
        _store_id("probe", region),
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
            _store_id("aurora", primary),
            _store_id("aurora", region),
            REPLICATION,
            "Aurora replication ~1 s",
        )
    regions = spec.regions.all
    for table in spec.tables:
        label = "strong consistency" if table.consistency == "strong" else "global table ~1 s"
        # Every replica of a global table replicates to every other one.
        for first, second in itertools.combinations(regions, 2):
            yield Edge(
                _store_id("table", first, table.name),
                _store_id("table", second, table.name),
                REPLICATION,
                label,
                both_ways=True,
            )
    for bucket in spec.buckets:
        if not bucket.replicated:
            continue
        label = "CRR + RTC 15 min" if bucket.rtc else "CRR, no RTC: unbounded"
        for region in secondaries:
            yield Edge(
                _store_id("bucket", primary, bucket.name),
                _store_id("bucket", region, bucket.name),
                STORAGE_REPLICATION,
                label,
            )
    if spec.backup.copy_to_secondaries:
        label = f"backup copy, every {_period_text(spec.backup.schedule)}"
        for region in secondaries:
            yield Edge(_store_id("vault", primary), _store_id("vault", region), BACKUP_COPY, label)
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


def _failover_edges(spec: Spec) -> Iterator[Edge]:
    if spec.dns is None:
        return
    primary, target = spec.regions.primary, spec.regions.failover_target
    secondaries = spec.regions.secondaries
    if spec.dns.latency:
        # Active-active: a latency record per region (route53.py), no order among them.
        for region in spec.regions.all:
            yield Edge(DNS_NODE, _store_id("alb", region), DNS, "latency")
    else:
        yield Edge(DNS_NODE, _store_id("alb", primary), DNS, "PRIMARY")
        # DNS reaches every secondary, in order, through the failover chain (route53.py).
        for place, region in enumerate(secondaries, 1):
            label = "SECONDARY" if len(secondaries) == 1 else f"SECONDARY {place}"
            yield Edge(DNS_NODE, _store_id("alb", region), DNS, label)
    if spec.failover.region_switch:
        yield from _plan_edges(spec)
        return
    yield Edge(DNS_NODE, TOPIC_NODE, FAILOVER, "health-check alarm")
    function = _failover_function(spec, target)
    if function is None or spec.database is None:
        return
    fn = _store_id("fn", target, function.name)
    if spec.failover.automatic:
        yield Edge(TOPIC_NODE, fn, FAILOVER, "invokes")
    yield Edge(fn, _store_id("aurora", target), FAILOVER, "promotes")
    if not _regional_trigger(spec):
        return
    # The outside view: each secondary probes the primary's API and starts its own failover
    # through its own alarm and topic, with nothing of the primary's region.
    for region in spec.regions.secondaries:
        probe, regional = _store_id("probe", region), _store_id("fn", region, function.name)
        yield Edge(probe, _store_id("probe", primary), PROBE, "probes")
        yield Edge(probe, regional, FAILOVER, "alarm, topic")
        if region != target:
            yield Edge(regional, _store_id("aurora", region), FAILOVER, "promotes")


def _plan_edges(spec: Spec) -> Iterator[Edge]:
    """The plan's path: the secondary's probe alarm triggers it, its first database step
    promotes that secondary's cluster (its DNS step is in the plan box's workflow)."""
    primary, target = spec.regions.primary, spec.regions.failover_target
    if _regional_trigger(spec):
        probe = _store_id("probe", target)
        yield Edge(probe, _store_id("probe", primary), PROBE, "probes")
        yield Edge(probe, TOPIC_NODE, FAILOVER, "trigger alarm")
    yield Edge(TOPIC_NODE, _store_id("aurora", target), FAILOVER, "promotes")


# --- Mermaid ------------------------------------------------------------------------------

EDGE_COLORS = {
    REPLICATION: "#1f6feb",
    STORAGE_REPLICATION: "#1a7f37",
    BACKUP_COPY: "#8250df",
    PEERING: "#6e7781",
    DNS: "#bc4c00",
    FAILOVER: "#cf222e",
    PROBE: "#9a6700",
}
EDGE_NAMES = {
    REPLICATION: "database replication",
    STORAGE_REPLICATION: "S3 replication",
    BACKUP_COPY: "backup copy",
    PEERING: "VPC peering",
    DNS: "DNS failover routing",
    FAILOVER: "automatic failover path",
    PROBE: "probe of the primary API",
}
NODE_FILLS = {
    "database": "#ddf4ff",
    "table": "#ddf4ff",
    "bucket": "#dafbe1",
    "vault": "#fbefff",
    "alb": "#fff8c5",
    "function": "#ffebe9",
    "probe": "#fff8c5",
    "dns": "#fff1e5",
    "topic": "#ffebe9",
    "plan": "#ffebe9",
}
NODE_STROKES = {
    "database": "#1f6feb",
    "table": "#1f6feb",
    "bucket": "#1a7f37",
    "vault": "#8250df",
    "alb": "#9a6700",
    "function": "#cf222e",
    "probe": "#9a6700",
    "dns": "#bc4c00",
    "topic": "#cf222e",
    "plan": "#cf222e",
}


def _mermaid_text(node: Node) -> str:
    title, detail = mermaid_label(node.title), mermaid_label(node.detail)
    if node.kind == "region":
        return f"{title} ({detail})"
    return title if not detail else f"{title}<br/>{detail}"


def _mermaid_shape(node: Node) -> str:
    text = _mermaid_text(node)
    if node.kind in DATA_STORE_KINDS:
        return f'{node.id}[("{text}")]'
    return f'{node.id}["{text}"]'


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: regions and VPCs as nested subgraphs, one link per edge."""
    lines = ["flowchart LR"]
    lines.extend(_mermaid_children(graph, None, "  "))
    for edge in graph.edges:
        arrow = "<-->" if edge.both_ways else "-->"
        lines.append(f'  {edge.source} {arrow}|"{mermaid_label(edge.label)}"| {edge.target}')
    for kind in sorted(NODE_FILLS):
        lines.append(f"  classDef {kind} fill:{NODE_FILLS[kind]},stroke:{NODE_STROKES[kind]}")
    for kind in sorted(NODE_FILLS):
        members = [n.id for n in graph.nodes if n.kind == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind}")
    for index, edge in enumerate(graph.edges):
        dash = ",stroke-dasharray:5 5" if edge.kind == PEERING else ""
        lines.append(f"  linkStyle {index} stroke:{EDGE_COLORS[edge.kind]},stroke-width:2px{dash}")
    return "\n".join(lines) + "\n"


def _mermaid_children(graph: Graph, parent: str | None, indent: str) -> Iterator[str]:
    children = graph.children(parent)
    if parent is None:
        # Regions in drawing order, so the columns read the same as in the SVG.
        order = {region_id(r): i for i, r in enumerate(graph.columns)}
        children = tuple(sorted(children, key=lambda n: order.get(n.id, -1)))
    for node in children:
        if node.kind in CONTAINER_KINDS:
            yield f'{indent}subgraph {node.id}["{_mermaid_text(node)}"]'
            yield from _mermaid_children(graph, node.id, indent + "  ")
            yield f"{indent}end"
        else:
            yield f"{indent}{_mermaid_shape(node)}"


def mermaid_ids(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """(node and subgraph ids, (source, target) pairs) that a Mermaid flowchart declares."""
    nodes = set(re.findall(r"^\s*subgraph (\w+)\[", text, re.MULTILINE))
    nodes |= set(re.findall(r"^\s*(\w+)\[\(?\"", text, re.MULTILINE))
    edges = set(re.findall(r"^\s*(\w+) <?-->\|\"[^\"]*\"\| (\w+)$", text, re.MULTILINE))
    return nodes, edges


# --- SVG layout ---------------------------------------------------------------------------

MARGIN = 56
TITLE_HEIGHT = 40
BAND_HEIGHT = 78
CHANNEL = 44  # between the band and the regions: the dns and failover arrows turn here
COLUMN_GAP = 200
REGION_HEADER = 42
VPC_HEADER = 30
VPC_PADDING = 12
NODE_HEIGHT = 42
ROW_GAP = 36
NODE_INSET = 46  # from a region's side to its nodes: room for a lane and the VPC border
LANE_INSET = 30
MIN_NODE_WIDTH = 196
CHAR_WIDTH = 7  # a generous average for 12 px sans-serif, so titles never overflow
LEGEND_ROW = 22
LANE_STEP = 18  # between stacked channels of arrows that skip a column, and their labels


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class Route:
    """An edge drawn as a polyline, with where its label goes."""

    points: tuple[tuple[int, int], ...]
    label_at: tuple[int, int]
    anchor: str = "middle"


class Layout:
    """Every box and route of a graph, in integer pixels."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        longest = max(len(n.title) for n in graph.nodes if n.kind not in CONTAINER_KINDS)
        detail = max(len(n.detail) for n in graph.nodes if n.kind not in CONTAINER_KINDS)
        self.node_width = max(MIN_NODE_WIDTH, (max(longest, detail) * CHAR_WIDTH) + 24)
        self.column_width = self.node_width + 2 * NODE_INSET
        self.width = 2 * MARGIN + len(graph.columns) * self.column_width
        self.width += (len(graph.columns) - 1) * COLUMN_GAP
        self.band = Box(MARGIN, MARGIN + TITLE_HEIGHT, self.width - 2 * MARGIN, BAND_HEIGHT)
        self.channel_y = self.band.bottom + CHANNEL // 2
        self.region_top = self.band.bottom + CHANNEL
        self.boxes: dict[str, Box] = {}
        self.rows: dict[str, int] = {}
        self.long_edges = self._long_edges()
        self._place_regions()
        self._place_band()
        bottom = max(self.boxes[region_id(r)].bottom for r in graph.columns)
        self.legend_y = bottom + 34
        self.legend = self._place_legend()
        last_row = max((y for _, _, y in self.legend), default=self.legend_y)
        self.note_y = last_row + LEGEND_ROW
        self.height = self.note_y + MARGIN // 2

    def _place_legend(self) -> tuple[tuple[str, int, int], ...]:
        """(edge kind, x, y) of each legend entry, wrapped to the drawing's width."""
        kinds = [k for k in EDGE_COLORS if any(e.kind == k for e in self.graph.edges)]
        start = MARGIN + 64
        x, y, placed = start, self.legend_y, []
        for kind in kinds:
            width = 54 + len(EDGE_NAMES[kind]) * CHAR_WIDTH
            if x + width > self.width - MARGIN and x > start:
                x, y = start, y + LEGEND_ROW
            placed.append((kind, x, y))
            x += width
        return tuple(placed)

    # columns and rows

    def column_x(self, region: str) -> int:
        return MARGIN + self.graph.columns.index(region) * (self.column_width + COLUMN_GAP)

    def _row_keys(self) -> tuple[list[str], list[str], list[str]]:
        """Row keys above the VPC, inside it, and below it, in drawing order."""
        nodes = [n for n in self.graph.nodes if n.key]
        keys: list[str] = []
        for node in nodes:
            if node.key not in keys:
                keys.append(node.key)
        inside = {n.key for n in nodes if n.parent and n.parent.startswith("vpc_")}
        above = [k for k in ("function", "probe") if k in keys and k not in inside]
        in_vpc = [k for k in keys if k in inside]
        # The function comes first inside the VPC too: its arrow enters from the top band.
        in_vpc.sort(key=lambda k: (k != "function", k != "alb", k != "database"))
        below = [k for k in keys if k not in inside and k not in above]
        return above, in_vpc, below

    def _long_edges(self) -> dict[str, list[Edge]]:
        """Arrows between columns that are not neighbours, by the row they run above
        ("vpc" for peering): each gets its own channel."""
        found: dict[str, list[Edge]] = {}
        for edge in self.graph.edges:
            if edge.kind in (DNS, FAILOVER):
                continue
            a, b = self._columns(edge)
            if abs(a - b) > 1:
                found.setdefault(self._channel_key(edge), []).append(edge)
        return found

    def _columns(self, edge: Edge) -> tuple[int, int]:
        """Column indices of an edge's source and target."""
        return (
            self.graph.columns.index(self._region_of(edge.source)),
            self.graph.columns.index(self._region_of(edge.target)),
        )

    def _channel_key(self, edge: Edge) -> str:
        """The row an arrow that skips a column runs above ("vpc" for peering)."""
        return "vpc" if edge.kind == PEERING else self.graph.node(edge.source).key

    def _room_above(self, key: str) -> int:
        """Extra height above a row for its second and further channels."""
        return LANE_STEP * max(0, len(self.long_edges.get(key, ())) - 1)

    def _place_rows(self, keys: list[str], y: int) -> int:
        """Place the rows `keys` from `y` down; the y below the last one."""
        for key in keys:
            y += self._room_above(key)
            self.rows[key] = y
            y += NODE_HEIGHT + ROW_GAP
        return y

    def _place_regions(self) -> None:
        above, in_vpc, below = self._row_keys()
        y = self._place_rows(above, self.region_top + REGION_HEADER)
        y += self._room_above("vpc")
        self.vpc_top = y
        y = self._place_rows(in_vpc, y + VPC_HEADER + VPC_PADDING)
        self.vpc_bottom = y - ROW_GAP + VPC_PADDING
        y = self._place_rows(below, self.vpc_bottom + ROW_GAP)
        region_bottom = y - ROW_GAP + 18
        for region in self.graph.columns:
            x = self.column_x(region)
            self.boxes[region_id(region)] = Box(
                x, self.region_top, self.column_width, region_bottom - self.region_top
            )
            self.boxes[vpc_id(region)] = Box(
                x + 14, self.vpc_top, self.column_width - 28, self.vpc_bottom - self.vpc_top
            )
        for node in self.graph.nodes:
            if node.key and node.region is not None:
                x = self.column_x(node.region) + NODE_INSET
                self.boxes[node.id] = Box(x, self.rows[node.key], self.node_width, NODE_HEIGHT)

    def _place_band(self) -> None:
        primary, target = (
            self.graph.primary,
            self.graph.columns[self.graph.columns.index(self.graph.primary) + 1],
        )
        gap_center = self.column_x(target) - COLUMN_GAP // 2
        y = self.band.y + 24
        self.boxes[GLOBAL] = self.band
        self.boxes[DNS_NODE] = Box(
            gap_center - self.node_width // 2, y, self.node_width, NODE_HEIGHT
        )
        lane = self.lane(target, "right")
        # Narrower than the other nodes, and flush with the lane its arrow runs down, so the
        # alarm arrow from the DNS node has room for its label.
        width = self.node_width - 30
        self.boxes[TOPIC_NODE] = Box(lane + 24 - width, y, width, NODE_HEIGHT)
        self.failover_target = target
        self.failover_primary = primary

    def lane(self, region: str, side: str) -> int:
        x = self.column_x(region)
        return x + LANE_INSET if side == "left" else x + self.column_width - LANE_INSET

    # routes

    def route(self, edge: Edge) -> Route:
        if edge.kind in (DNS, FAILOVER):
            return self._failover_route(edge)
        return self._between_columns(edge)

    def _between_columns(self, edge: Edge) -> Route:
        source, target = self.boxes[edge.source], self.boxes[edge.target]
        left_to_right = source.x < target.x
        start_x = source.right if left_to_right else source.x
        end_x = target.x if left_to_right else target.right
        y = self.vpc_top + VPC_HEADER // 2 if edge.kind == PEERING else source.cy
        a, b = self._columns(edge)
        if abs(a - b) == 1:
            return Route(((start_x, y), (end_x, y)), ((start_x + end_x) // 2, y + 15))
        # Not neighbours: leave through the gap next to the source, cross the columns in
        # between through the gap above the row, come back down in the gap next to the target.
        # Each such arrow of a row has its own channel and its own verticals.
        lane = self.long_edges[self._channel_key(edge)].index(edge)
        step = 1 if left_to_right else -1
        first_gap = self._gap_center(a, step) - step * 12 * lane
        last_gap = self._gap_center(b, -step) + step * 12 * lane
        lifted = y - 10
        base = source.y - ROW_GAP // 2 if edge.kind != PEERING else self.vpc_top - 7
        channel = base - LANE_STEP * lane
        points = (
            (start_x, lifted),
            (first_gap, lifted),
            (first_gap, channel),
            (last_gap, channel),
            (last_gap, lifted),
            (end_x, lifted),
        )
        return Route(points, ((first_gap + last_gap) // 2, channel - 5))

    def _gap_center(self, column: int, step: int) -> int:
        region = self.graph.columns[column]
        x = self.column_x(region)
        return x + self.column_width + COLUMN_GAP // 2 if step > 0 else x - COLUMN_GAP // 2

    def _region_of(self, node_id: str) -> str:
        if node_id.startswith("vpc_"):
            return next(r for r in self.graph.columns if vpc_id(r) == node_id)
        region = self.graph.node(node_id).region
        assert region is not None
        return region

    def _failover_route(self, edge: Edge) -> Route:
        dns, topic = self.boxes[DNS_NODE], self.boxes[TOPIC_NODE]
        target = self.boxes[edge.target]
        if edge.source == DNS_NODE and edge.target == TOPIC_NODE:
            # The label sits above the boxes: the gap between them is narrower than it.
            label = ((dns.right + topic.x) // 2, dns.y - 6)
            return Route(((dns.right, dns.cy), (topic.x, topic.cy)), label)
        if edge.source == DNS_NODE:
            # Down into the channel, across to the lane facing the other region, down it.
            primary = self._region_of(edge.target) == self.failover_primary
            lane = self.lane(self._region_of(edge.target), "right" if primary else "left")
            entry = target.right if primary else target.x
            return Route(
                (
                    (dns.cx, dns.bottom),
                    (dns.cx, self.channel_y),
                    (lane, self.channel_y),
                    (lane, target.cy),
                    (entry, target.cy),
                ),
                ((dns.cx + lane) // 2, self.channel_y - 6),
            )
        lane = self.lane(self.failover_target, "right")
        if edge.source == TOPIC_NODE:
            y = target.cy - 8
            return Route(
                ((lane, topic.bottom), (lane, y), (target.right, y)),
                (lane + 8, self.channel_y + 14),
                anchor="start",
            )
        source = self.boxes[edge.source]
        if edge.target == TOPIC_NODE:
            # The probe's alarm triggers the Region switch plan right above its column:
            # straight up, clear of the DNS arrows in the left lane and of the plan's own
            # arrow in the right lane.
            x = min(source.right, target.right) - 40
            return Route(
                ((x, source.y), (x, target.bottom)),
                (x - 6, (source.y + target.bottom) // 2),
                anchor="end",
            )
        if self.graph.node(edge.source).kind == "probe":
            # Up the left lane of its own column into the failover function.
            left = self.lane(self._region_of(edge.source), "left")
            return Route(
                (
                    (source.x, source.cy),
                    (left, source.cy),
                    (left, target.cy),
                    (target.x, target.cy),
                ),
                (left + 6, (source.cy + target.cy) // 2),
                anchor="start",
            )
        # The failover function promotes the Aurora cluster of its region.
        lane = self.lane(self._region_of(edge.source), "right")
        return Route(
            (
                (source.right, source.cy + 8),
                (lane, source.cy + 8),
                (lane, target.cy + 8),
                (target.right, target.cy + 8),
            ),
            (lane - 8, self.vpc_top + VPC_HEADER // 2 + 4),
            anchor="end",
        )


# --- SVG drawing --------------------------------------------------------------------------

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def escape(text: str, quote: bool = True) -> str:
    """html.escape, with the characters XML forbids as visible escapes: whatever a name or
    schedule holds, the SVG stays well-formed."""
    return html_escape(xml_chars(text), quote=quote)


def _attrs(**values: object) -> str:
    return "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for key, v in values.items()
    )


def _text(x: int, y: int, text: str, **style: object) -> str:
    return f"<text{_attrs(x=x, y=y, **style)}>{escape(text, quote=False)}</text>"


def to_svg(graph: Graph) -> str:
    """A standalone SVG document of the graph (byte-identical for the same graph)."""
    layout = Layout(graph)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width}" '
        f'height="{layout.height}" viewBox="0 0 {layout.width} {layout.height}" '
        f'font-family="{FONT}">',
        f"<title>{escape(graph.title)}</title>",
        _defs(),
        f'<rect width="{layout.width}" height="{layout.height}" fill="#ffffff"/>',
        _text(MARGIN, MARGIN + 18, graph.title, font_size=18, font_weight="bold", fill="#1f2328"),
        *_containers(graph, layout),
        *(_node(node, layout) for node in graph.nodes if node.kind not in CONTAINER_KINDS),
        *(_edge(edge, graph, layout) for edge in graph.edges),
        *_legend(graph, layout),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _defs() -> str:
    markers = "".join(
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{color}"/></marker>'
        for kind, color in EDGE_COLORS.items()
    )
    return f"<defs>{markers}</defs>"


def _containers(graph: Graph, layout: Layout) -> Iterator[str]:
    band = layout.band
    scope = graph.node(GLOBAL)
    yield (
        f'<g id="{GLOBAL}" class="scope">'
        f"<title>{escape(scope.title)}: {escape(scope.detail)}</title>"
        f'<rect x="{band.x}" y="{band.y}" width="{band.w}" height="{band.h}" rx="10" '
        f'fill="#f6f8fa" stroke="#d0d7de" stroke-dasharray="4 3"/>'
        + _text(
            band.x + 14, band.y + 18, f"{scope.title}: {scope.detail}", font_size=12, fill="#57606a"
        )
        + "</g>"
    )
    for region in graph.columns:
        node = graph.node(region_id(region))
        box = layout.boxes[node.id]
        primary = region == graph.primary
        yield (
            f'<g id="{node.id}" class="region">'
            f"<title>{escape(region)} ({escape(node.detail)})</title>"
            f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="12" '
            f'fill="{"#f0f6ff" if primary else "#f6f8fa"}" stroke="#1f2328" '
            f'stroke-width="{3 if primary else 1.5}"/>'
            + _text(
                box.x + 40, box.y + 26, region, font_size=15, font_weight="bold", fill="#1f2328"
            )
            + _text(
                box.x + 40 + len(region) * 10,
                box.y + 26,
                f"({node.detail})",
                font_size=13,
                fill="#57606a",
            )
            + "</g>"
        )
        vpc = graph.node(vpc_id(region))
        vbox = layout.boxes[vpc.id]
        yield (
            f'<g id="{vpc.id}" class="vpc"><title>{escape(vpc.title)} in {escape(region)}</title>'
            f'<rect x="{vbox.x}" y="{vbox.y}" width="{vbox.w}" height="{vbox.h}" rx="8" '
            f'fill="#ffffff" stroke="#6e7781" stroke-dasharray="6 3"/>'
            + _text(
                vbox.x + 26,
                vbox.y + 20,
                f"{vpc.title} · {vpc.detail}",
                font_size=12,
                fill="#57606a",
            )
            + "</g>"
        )


def _node(node: Node, layout: Layout) -> str:
    box = layout.boxes[node.id]
    fill, stroke = NODE_FILLS[node.kind], NODE_STROKES[node.kind]
    shape = (
        f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="'
        f'{12 if node.kind in DATA_STORE_KINDS else 4}" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="1.5"/>'
    )
    return (
        f'<g id="{node.id}" class="node {node.kind}"><title>{escape(node.title)}'
        f"{': ' + escape(node.detail) if node.detail else ''}</title>{shape}"
        + _text(
            box.cx,
            box.y + 17,
            node.title,
            font_size=12,
            font_weight="bold",
            text_anchor="middle",
            fill="#1f2328",
        )
        + _text(box.cx, box.y + 33, node.detail, font_size=11, text_anchor="middle", fill="#57606a")
        + "</g>"
    )


def _edge(edge: Edge, graph: Graph, layout: Layout) -> str:
    route = layout.route(edge)
    color = EDGE_COLORS[edge.kind]
    points = " ".join(f"{x},{y}" for x, y in route.points)
    marker = f"url(#arrow-{edge.kind})"
    start = f' marker-start="{marker}"' if edge.both_ways else ""
    dash = _dash(edge.kind)
    label_x, label_y = route.label_at
    source, target = graph.node(edge.source), graph.node(edge.target)
    arrow = "↔" if edge.both_ways else "→"
    title = f"{edge.label}: {_full_name(source)} {arrow} {_full_name(target)}"
    return (
        f'<g id="{escape(edge.id)}" class="edge {edge.kind}" data-source="{edge.source}" '
        f'data-target="{edge.target}"><title>{escape(title)}</title>'
        f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"{dash}'
        f' marker-end="{marker}"{start}/>'
        + _text(
            label_x,
            label_y,
            edge.label,
            font_size=11,
            text_anchor=route.anchor,
            fill=color,
            stroke="#ffffff",
            stroke_width=4,
            paint_order="stroke",
            stroke_linejoin="round",
        )
        + "</g>"
    )


def _dash(kind: str) -> str:
    """The dash attribute of a line of an edge kind: peering is dashed."""
    return ' stroke-dasharray="7 4"' if kind == PEERING else ""


def _full_name(node: Node) -> str:
    return f"{node.title} ({node.region})" if node.region else node.title


def _legend(graph: Graph, layout: Layout) -> Iterator[str]:
    yield _text(
        MARGIN, layout.legend_y, "Arrows:", font_size=12, font_weight="bold", fill="#1f2328"
    )
    for kind, x, y in layout.legend:
        color = EDGE_COLORS[kind]
        dash = _dash(kind)
        yield (
            f'<g class="legend {kind}"><line x1="{x}" y1="{y - 4}" x2="{x + 34}" y2="{y - 4}" '
            f'stroke="{color}" stroke-width="2"{dash} marker-end="url(#arrow-{kind})"/>'
            + _text(x + 42, y, EDGE_NAMES[kind], font_size=12, fill="#1f2328")
            + "</g>"
        )
    yield _text(
        MARGIN,
        layout.note_y,
        "Thick border: the primary region. The failover function runs in the first secondary, "
        "the failover target.",
        font_size=11,
        fill="#57606a",
    )
