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
    REDRIVE,
    REGIONS_PER_ROW,
    TOPIC_NODE,
    TRIGGER,
    Edge,
    Graph,
    region_id,
    vpc_id,
)
from dr_compiler.topology.style import EDGE_COLORS, EDGE_NAMES, notes

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
NOTE_LINE = 16  # between the lines of the note under the legend
LANE_STEP = 18  # between stacked channels of arrows that skip a column, and their labels
ROW_OF_REGIONS_GAP = 60  # between two rows of region columns
TRUNK_STEP = 14  # between the vertical runs (trunks) of long arrows in one gap
MARGIN_LANE = 20  # from the first column's left side to the arrows that arrive in the margin
DNS_GAP_INSET = 12  # from a region's side to the DNS arrow that comes down the gap beside it


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
        self.per_row = min(len(graph.columns), REGIONS_PER_ROW)
        self.width = 2 * MARGIN + self.per_row * self.column_width
        self.width += (self.per_row - 1) * COLUMN_GAP
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
        self.height = self.note_y + NOTE_LINE * (len(notes(graph)) - 1) + MARGIN // 2

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
        return MARGIN + self.column(region) * (self.column_width + COLUMN_GAP)

    def column(self, region: str) -> int:
        """The column of a region within its row of regions."""
        return self.graph.columns.index(region) % REGIONS_PER_ROW

    def block(self, region: str) -> int:
        """The row of regions a region is drawn in (0: the primary's)."""
        return self.graph.columns.index(region) // REGIONS_PER_ROW

    def block_y(self, region: str) -> int:
        """How far below the first row of regions the region's row is."""
        return self.block(region) * self.block_step

    def _row_keys(self) -> tuple[list[str], list[str], list[str]]:
        """Row keys above the VPC, inside it, and below it, in drawing order."""
        nodes = [n for n in self.graph.nodes if n.key]
        keys: list[str] = []
        for node in nodes:
            if node.key not in keys:
                keys.append(node.key)
        inside = {n.key for n in nodes if n.parent and n.parent.startswith("vpc_")}
        above: list[str] = [k for k in ("function", "probe") if k in keys and k not in inside]
        in_vpc = [k for k in keys if k in inside]
        # The function comes first inside the VPC too: its arrow enters from the top band.
        in_vpc.sort(key=lambda k: (k != "function", k != "alb", k != "database"))
        below = [k for k in keys if k not in inside and k not in above]
        return above, in_vpc, below

    def _long_edges(self) -> dict[tuple[str, int], list[Edge]]:
        """Arrows between regions that are not neighbours in one row of regions, by the row
        they run above ("vpc" for peering) and the row of regions that channel is in: each
        gets its own channel."""
        found: dict[tuple[str, int], list[Edge]] = {}
        for edge in self.graph.edges:
            if edge.kind in (DNS, FAILOVER, TRIGGER, REDRIVE) or self._neighbours(edge):
                continue
            found.setdefault(self._channel(edge), []).append(edge)
        return found

    def _ends(self, edge: Edge) -> tuple[str, str]:
        return self._region_of(edge.source), self._region_of(edge.target)

    def _neighbours(self, edge: Edge) -> bool:
        a, b = self._ends(edge)
        return self.block(a) == self.block(b) and abs(self.column(a) - self.column(b)) == 1

    def _channel(self, edge: Edge) -> tuple[str, int]:
        """The row an arrow that skips a column runs above ("vpc" for peering), in the row of
        regions of its end farther from the primary's."""
        key = "vpc" if edge.kind == PEERING else self.graph.node(edge.source).key
        return key, max(self.block(region) for region in self._ends(edge))

    def _room_above(self, key: str) -> int:
        """Extra height above a row for its second and further channels (the same in every
        row of regions, so the rows stay aligned)."""
        lanes = max((len(e) for (k, _), e in self.long_edges.items() if k == key), default=0)
        return LANE_STEP * max(0, lanes - 1)

    def _trunk_x(self, edge: Edge, gap_left: int) -> int:
        """Where in a gap (from its left side) a long arrow runs vertically: one place per
        row, so the arrows of one row (one colour) share a trunk and branch off it, and
        arrows of different rows do not run on top of each other."""
        order = ["vpc", *self.rows]
        keys = sorted({k for k, _ in self.long_edges}, key=order.index)
        slot = keys.index(self._channel(edge)[0])
        slots = (COLUMN_GAP - 2 * DNS_GAP_INSET - 24) // TRUNK_STEP
        return gap_left + DNS_GAP_INSET + 12 + TRUNK_STEP * (slot % slots)

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
        # An empty VPC (a service without an API or database) still holds its title.
        self.vpc_bottom = max(y - ROW_GAP + VPC_PADDING, self.vpc_top + VPC_HEADER)
        y = self._place_rows(below, self.vpc_bottom + ROW_GAP)
        region_bottom = y - ROW_GAP + 18
        self.block_step = region_bottom - self.region_top + ROW_OF_REGIONS_GAP
        for region in self.graph.columns:
            x, dy = self.column_x(region), self.block_y(region)
            self.boxes[region_id(region)] = Box(
                x, self.region_top + dy, self.column_width, region_bottom - self.region_top
            )
            self.boxes[vpc_id(region)] = Box(
                x + 14, self.vpc_top + dy, self.column_width - 28, self.vpc_bottom - self.vpc_top
            )
        for node in self.graph.nodes:
            if node.key and node.region is not None:
                x = self.column_x(node.region) + NODE_INSET
                y = self.rows[node.key] + self.block_y(node.region)
                self.boxes[node.id] = Box(x, y, self.node_width, NODE_HEIGHT)

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
        if edge.kind in (TRIGGER, REDRIVE):
            return self._queue_route(edge)
        return self._between_columns(edge)

    def _queue_route(self, edge: Edge) -> Route:
        """A queue invokes its function in the row right below it; its dead-letter queue,
        below the functions, is reached down the right lane of the column."""
        source, target = self.boxes[edge.source], self.boxes[edge.target]
        if edge.kind == TRIGGER:
            x = source.cx
            return Route(
                ((x, source.bottom), (x, target.y)),
                (x + 6, (source.bottom + target.y) // 2 + 4),
                anchor="start",
            )
        lane = self.lane(self._region_of(edge.source), "right")
        return Route(
            (
                (source.right, source.cy),
                (lane, source.cy),
                (lane, target.cy),
                (target.right, target.cy),
            ),
            (lane + 6, (source.cy + target.cy) // 2 + 4),
            anchor="start",
        )

    def _between_columns(self, edge: Edge) -> Route:
        source, target = self.boxes[edge.source], self.boxes[edge.target]
        a, b = self._ends(edge)
        if edge.kind == PEERING:
            source_y = self.vpc_top + self.block_y(a) + VPC_HEADER // 2
            target_y = self.vpc_top + self.block_y(b) + VPC_HEADER // 2
        else:
            source_y, target_y = source.cy, target.cy
        if self._neighbours(edge):
            left_to_right = source.x < target.x
            start_x = source.right if left_to_right else source.x
            end_x = target.x if left_to_right else target.right
            y = source_y
            return Route(((start_x, y), (end_x, y)), ((start_x + end_x) // 2, y + 15))
        # Not neighbours: leave through the gap next to the source, cross the columns in
        # between through the gap above the row (in the row of regions of the end farther
        # from the primary), come back in the gap next to the target. Each such arrow has its
        # own channel and its own verticals.
        first_gap, start_x = self._exit(edge, a, b)
        last_gap, end_x = self._exit(edge, b, a)
        key, block = self._channel(edge)
        lane = self.long_edges[(key, block)].index(edge)
        far = b if self.block(b) == block else a
        if edge.kind == PEERING:
            base = self.vpc_top + self.block_y(far) - 7
        else:
            base = self.rows[key] + self.block_y(far) - ROW_GAP // 2
        channel = base - LANE_STEP * lane
        points = (
            (start_x, source_y - 10),
            (first_gap, source_y - 10),
            (first_gap, channel),
            (last_gap, channel),
            (last_gap, target_y - 10),
            (end_x, target_y - 10),
        )
        if first_gap == last_gap:
            # One trunk from end to end: the label beside it, over the target's side.
            return Route(points, (last_gap + 6, channel - 5), anchor="start")
        return Route(points, ((first_gap + last_gap) // 2, channel - 5))

    def _exit(self, edge: Edge, region: str, other: str) -> tuple[int, int]:
        """(x of the arrow's vertical run in the gap beside `region`, x where it meets the
        node's side). An end in a lower row of regions than the other is always met on its
        left (the first column's in the margin), so no two regions of a row share the gap
        their arrows arrive in; the other end uses the gap facing it."""
        box = self.boxes[vpc_id(region) if edge.kind == PEERING else self._end_node(edge, region)]
        column = self.column(region)
        lower = self.block(region) > self.block(other)
        right = not lower and self.column(other) > column
        if not right and column == 0:
            return MARGIN - MARGIN_LANE, box.x
        x = self.column_x(region)
        gap_left = x + self.column_width if right else x - COLUMN_GAP
        return self._trunk_x(edge, gap_left), box.right if right else box.x

    def _end_node(self, edge: Edge, region: str) -> str:
        return edge.source if self._region_of(edge.source) == region else edge.target

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
        if edge.source == DNS_NODE and self.block(self._region_of(edge.target)) > 0:
            return self._dns_to_lower_row(target, self._region_of(edge.target))
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
        region = self._region_of(edge.source)
        lane = self.lane(region, "right")
        return Route(
            (
                (source.right, source.cy + 8),
                (lane, source.cy + 8),
                (lane, target.cy + 8),
                (target.right, target.cy + 8),
            ),
            (lane - 8, self.vpc_top + self.block_y(region) + VPC_HEADER // 2 + 4),
            anchor="end",
        )

    def _dns_to_lower_row(self, target: Box, region: str) -> Route:
        """DNS to a region of a lower row: down the gap beside its column (outside the regions
        above it), into its load balancer; the label beside the entry, in the gap."""
        dns = self.boxes[DNS_NODE]
        x = self.column_x(region)
        if self.column(region) > 0:
            down, entry, label, anchor = x - DNS_GAP_INSET, target.x, x - 16, "end"
        else:
            right = x + self.column_width
            down, entry, label, anchor = right + DNS_GAP_INSET, target.right, right + 16, "start"
        return Route(
            (
                (dns.cx, dns.bottom),
                (dns.cx, self.channel_y),
                (down, self.channel_y),
                (down, target.cy),
                (entry, target.cy),
            ),
            (label, target.cy - 6),
            anchor=anchor,
        )
