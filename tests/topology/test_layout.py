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
from tests.topology.svgtree import SVG, groups, label_rect, node_rects, overlaps, segment_crosses

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
    containers = {}
    for kind in ("region", "vpc"):
        for group in groups(root, kind):
            rect = group.find(f"{SVG}rect")
            assert rect is not None
            x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
            containers[group.get("id")] = (
                x,
                y,
                x + float(rect.get("width", 0)),
                y + float(rect.get("height", 0)),
            )
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
