"""The SVG's deterministic layout: every box and route of a graph, in integer pixels."""

from __future__ import annotations

from dataclasses import dataclass

from dr_compiler.topology.graph import (
    CONTAINER_KINDS,
    DNS,
    DNS_NODE,
    FAILOVER,
    GLOBAL,
    PEERING,
    TOPIC_NODE,
    Edge,
    Graph,
    region_id,
    vpc_id,
)
from dr_compiler.topology.style import EDGE_COLORS, EDGE_NAMES

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
        target = self.graph.failover_target
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
            primary = self._region_of(edge.target) == self.graph.primary
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
        lane = self.lane(self.graph.failover_target, "right")
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
