"""The layout checks stand in for "looks right": no two nodes overlap, no arrow or label runs
through a node it does not connect, everything is on the canvas; and when rsvg-convert is
installed the SVG is rendered to PNG the way a browser would draw it."""

from __future__ import annotations

import itertools
import shutil
import struct
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dr_compiler.model import Spec
from dr_compiler.topology.build import build_graph
from dr_compiler.topology.graph import CONTAINER_KINDS, Graph
from dr_compiler.topology.svg import to_svg
from tests.specbuild import THREE_REGIONS, build_spec
from tests.topology.svgtree import (
    SVG,
    group_rects,
    groups,
    label_rect,
    node_rects,
    overlaps,
    segment_crosses,
)
from tests.topology.tenregions import ten_regions

RSVG = shutil.which("rsvg-convert")


def test_layout_keeps_nodes_apart_and_arrows_off_other_nodes(spec: Spec) -> None:
    graph = build_graph(spec)
    root = ElementTree.fromstring(to_svg(graph))
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    rects = node_rects(root)
    names = sorted(rects)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlaps(rects[a], rects[b]), (a, b)
        assert rects[a][0] >= 0 and rects[a][2] <= width and rects[a][3] <= height
    for group in groups(root, "edge"):
        ends = {group.get("data-source"), group.get("data-target")}
        line = group.find(f"{SVG}polyline")
        assert line is not None
        points = [tuple(map(float, p.split(","))) for p in (line.get("points") or "").split()]
        for x, y in points:
            assert 0 <= x <= width and 0 <= y <= height
        for segment in itertools.pairwise(points):
            assert segment[0][0] == segment[1][0] or segment[0][1] == segment[1][1]  # orthogonal
            for name, rect in rects.items():
                if name not in ends:
                    assert not segment_crosses(segment, rect), (group.get("id"), name)
        label = group.find(f"{SVG}text")
        assert label is not None
        box = label_rect(label)
        assert box[0] >= 0 and box[2] <= width, group.get("id")
        for name, rect in rects.items():
            assert not overlaps(box, rect), (group.get("id"), name)


def test_every_node_sits_inside_its_region_and_vpc(spec: Spec) -> None:
    graph: Graph = build_graph(spec)
    root = ElementTree.fromstring(to_svg(graph))
    containers = group_rects(root, "region", "vpc")
    rects = node_rects(root)
    for node in graph.nodes:
        if node.kind in CONTAINER_KINDS or node.parent in (None, "global"):
            continue
        outer = containers[node.parent]
        inner = rects[node.id]
        assert outer[0] < inner[0] and inner[2] < outer[2], node.id
        assert outer[1] < inner[1] and inner[3] < outer[3], node.id


@pytest.mark.skipif(
    RSVG is None,
    reason="rsvg-convert is not installed (Debian package librsvg2-bin); the SVG is checked "
    "as XML and geometry above, this renders it as a viewer would",
)
def test_svg_renders_to_a_png_of_its_size(spec: Spec, tmp_path: Path) -> None:
    svg = to_svg(build_graph(spec))
    source, target = tmp_path / "topology.svg", tmp_path / "topology.png"
    source.write_text(svg, encoding="utf-8")
    completed = subprocess.run(
        [str(RSVG), "--format", "png", "--output", str(target), str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""  # rsvg warns on anything it cannot draw
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    png_width, png_height = struct.unpack(">II", data[16:24])
    root = ElementTree.fromstring(svg)
    assert (png_width, png_height) == (int(root.get("width", 0)), int(root.get("height", 0)))


def test_no_two_boxes_or_labels_overlap(spec: Spec) -> None:
    root = ElementTree.fromstring(to_svg(build_graph(spec)))
    regions = {g.get("id", "") for g in groups(root, "region")}
    # Every box the reader sees: the nodes, and the region columns.
    rects = group_rects(root, "node", "region")
    names = sorted(rects)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            # A node sits inside its own region column; two columns, or two nodes, never meet.
            if (a in regions) != (b in regions):
                continue
            assert not overlaps(rects[a], rects[b]), (a, b)
    labels = [
        (group.get("id", ""), label_rect(text))
        for group in groups(root, "edge")
        for text in group.iter(f"{SVG}text")
    ]
    for i, (a, first) in enumerate(labels):
        for b, second in labels[i + 1 :]:
            assert not overlaps(first, second), (a, b)


def test_ten_regions_wrap_into_rows_of_three_no_wider_than_three(tmp_path: Path) -> None:
    """The width bound: three region columns, the width of the three-region drawing, under a
    full-HD screen's 1920 px; more regions add rows of three below."""
    ten = ten_regions(tmp_path)
    root = ElementTree.fromstring(to_svg(build_graph(ten)))
    three = ElementTree.fromstring(to_svg(build_graph(build_spec(tmp_path, THREE_REGIONS))))
    width = float(root.get("width", 0))
    assert width == float(three.get("width", 0))
    assert width <= 1920
    columns = {g.get("id"): g.find(f"{SVG}rect") for g in groups(root, "region")}
    xs = sorted({float(r.get("x", 0)) for r in columns.values() if r is not None})
    ys = sorted({float(r.get("y", 0)) for r in columns.values() if r is not None})
    assert (len(xs), len(ys)) == (3, 4)  # 3 + 3 + 3 + 1 regions
    # The primary and the failover target share the first row.
    first_row = {
        region
        for region, rect in columns.items()
        if rect is not None and float(rect.get("y", 0)) == ys[0]
    }
    assert {"region_us_east_1", "region_us_west_2"} <= first_row
