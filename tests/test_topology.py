"""The topology graph and its two drawings: Mermaid for Markdown, SVG under templates_out/.

What the spec contains is computed here from the spec itself (not from the graph), so the tests
catch a region, data store or replication link the graph forgets. The layout checks stand in
for "looks right": no two nodes overlap, no arrow or label runs through a node it does not
connect, everything is on the canvas; and when rsvg-convert is installed the SVG is rendered to
PNG the way a browser would draw it.
"""

from __future__ import annotations

import itertools
import shutil
import struct
import subprocess
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dr_compiler.model import Spec
from dr_compiler.pipeline import load_model
from dr_compiler.topology import (
    CONTAINER_KINDS,
    REPLICATION_KINDS,
    Graph,
    build_graph,
    column_order,
    mermaid_ids,
    to_mermaid,
    to_svg,
)
from tests.specbuild import ORDERS_SPEC, PROD_SPEC, THREE_REGIONS, build_spec

SVG = "{http://www.w3.org/2000/svg}"
RSVG = shutil.which("rsvg-convert")


@pytest.fixture(params=["prod", "three-regions", "orders"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Spec:
    if request.param == "prod":
        return load_model(PROD_SPEC)
    if request.param == "orders":
        return load_model(ORDERS_SPEC)
    return build_spec(tmp_path, THREE_REGIONS)


def expected_stores(spec: Spec) -> dict[str, tuple[str, str]]:
    """Node id -> (region, a word its label must show) of every data store the spec deploys."""
    stores = {}
    for region in spec.regions.all:
        r = region.replace("-", "_")
        if spec.database is not None:
            stores[f"aurora_{r}"] = (region, "Aurora")
        stores[f"vault_{r}"] = (region, "Backup vault")
        for table in spec.tables:
            stores[f"table_{table.name.replace('-', '_')}_{r}"] = (region, table.name)
        for bucket in spec.buckets:
            stores[f"bucket_{bucket.name.replace('-', '_')}_{r}"] = (region, bucket.name)
    return stores


def expected_links(spec: Spec) -> set[tuple[str, str]]:
    """(source, target) of every replication link: Aurora and S3 from the primary, DynamoDB
    between every pair of replicas, backup copies from the primary's vault."""
    primary = spec.regions.primary.replace("-", "_")
    secondaries = [s.replace("-", "_") for s in spec.regions.secondaries]
    regions = [primary, *secondaries]
    links = (
        {(f"aurora_{primary}", f"aurora_{s}") for s in secondaries}
        if spec.database is not None
        else set()
    )
    links |= {(f"vault_{primary}", f"vault_{s}") for s in secondaries}
    for bucket in spec.buckets:
        links |= {
            (f"bucket_{bucket.name}_{primary}", f"bucket_{bucket.name}_{s}") for s in secondaries
        }
    for table in spec.tables:
        name = table.name.replace("-", "_")
        links |= {
            (f"table_{name}_{a}", f"table_{name}_{b}")
            for i, a in enumerate(regions)
            for b in regions[i + 1 :]
        }
    return links


def groups(root: ElementTree.Element, kind: str) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if kind in (g.get("class") or "").split()]


def test_svg_is_well_formed_and_names_every_region_data_store_and_link(spec: Spec) -> None:
    svg = to_svg(build_graph(spec))
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for region in spec.regions.all:
        assert region in texts
    nodes = {g.get("id"): g for g in groups(root, "node")}
    columns = {g.get("id"): g.find(f"{SVG}rect") for g in groups(root, "region")}
    for store, (region, word) in expected_stores(spec).items():
        assert store in nodes, store
        label = " ".join(t.text or "" for t in nodes[store].iter(f"{SVG}text"))
        assert word in label, (store, label)
        assert word in (nodes[store].findtext(f"{SVG}title") or "")
        # Drawn inside its own region's column.
        column = columns[f"region_{region.replace('-', '_')}"]
        rect = nodes[store].find(f"{SVG}rect")
        assert column is not None and rect is not None
        left, right = (
            float(column.get("x", 0)),
            float(column.get("x", 0)) + float(column.get("width", 0)),
        )
        assert left < float(rect.get("x", 0)) < right
    links = {
        (g.get("data-source"), g.get("data-target")): g
        for g in groups(root, "edge")
        if set((g.get("class") or "").split()) & set(REPLICATION_KINDS)
    }
    assert set(links) == expected_links(spec)
    for (source, target), group in links.items():
        title = group.findtext(f"{SVG}title") or ""
        label = group.findtext(f"{SVG}text") or ""
        assert label and title.startswith(f"{label}: ")
        # The tooltip names both ends with their regions.
        assert expected_stores(spec)[source][0] in title
        assert expected_stores(spec)[target][0] in title
    peering = [g for g in groups(root, "edge") if "peering" in (g.get("class") or "")]
    assert len(peering) == (len(spec.regions.secondaries) if spec.network.peering else 0)


def test_mermaid_and_svg_draw_the_same_graph(spec: Spec) -> None:
    graph = build_graph(spec)
    svg_root = ElementTree.fromstring(to_svg(graph))
    svg_nodes = {
        g.get("id") for kind in ("node", "region", "vpc", "scope") for g in groups(svg_root, kind)
    }
    svg_edges = {(g.get("data-source"), g.get("data-target")) for g in groups(svg_root, "edge")}
    mermaid_nodes, mermaid_edges = mermaid_ids(to_mermaid(graph))
    graph_nodes = {n.id for n in graph.nodes}
    graph_edges = {(e.source, e.target) for e in graph.edges}
    assert svg_nodes == mermaid_nodes == graph_nodes
    assert svg_edges == mermaid_edges == graph_edges
    assert len(graph_edges) == len(graph.edges)  # no edge drawn twice


def test_mermaid_nests_vpcs_in_regions_and_styles_every_link(spec: Spec) -> None:
    graph = build_graph(spec)
    text = to_mermaid(graph)
    assert text.startswith("flowchart LR\n")
    for region in spec.regions.all:
        rid = f"region_{region.replace('-', '_')}"
        vid = f"vpc_{region.replace('-', '_')}"
        assert text.index(f"subgraph {rid}[") < text.index(f"subgraph {vid}[")
    assert text.count("linkStyle ") == len(graph.edges)
    assert '"' not in "".join(n.title + n.detail for n in graph.nodes)


def test_drawings_are_byte_identical_for_the_same_spec(tmp_path: Path) -> None:
    first = build_graph(load_model(PROD_SPEC))
    second = build_graph(build_spec(tmp_path, {"metadata": {"environment": "prod"}}))
    assert to_svg(first) == to_svg(build_graph(load_model(PROD_SPEC)))
    assert to_mermaid(first) == to_mermaid(build_graph(load_model(PROD_SPEC)))
    assert first.edges == second.edges


def test_the_failover_target_sits_next_to_the_primary() -> None:
    assert column_order("a", ("b",)) == ("a", "b")
    assert column_order("a", ("b", "c")) == ("c", "a", "b")
    assert column_order("a", ("b", "c", "d", "e")) == ("e", "c", "a", "b", "d")


# --- layout -------------------------------------------------------------------------------


Rect = tuple[float, float, float, float]


def node_rects(root: ElementTree.Element) -> dict[str, Rect]:
    rects = {}
    for group in groups(root, "node"):
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        rects[group.get("id", "")] = (
            x,
            y,
            x + float(rect.get("width", 0)),
            y + float(rect.get("height", 0)),
        )
    return rects


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def segment_crosses(segment: tuple[tuple[float, float], tuple[float, float]], rect: Rect) -> bool:
    (x1, y1), (x2, y2) = segment
    inner = (rect[0] + 1, rect[1] + 1, rect[2] - 1, rect[3] - 1)
    box = (min(x1, x2), min(y1, y2), max(x1, x2) + 0.5, max(y1, y2) + 0.5)
    return overlaps(box, inner)


def label_rect(text: ElementTree.Element) -> Rect:
    """A generous box around a label: 6.5 px per character at 11 px."""
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    width = len(text.text or "") * 6.5
    anchor = text.get("text-anchor", "start")
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return (left, y - 10, left + width, y + 2)


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


def test_the_global_stack_is_shown_in_us_east_1_whatever_the_primary() -> None:
    prod = load_model(PROD_SPEC)
    moved = replace(prod, regions=replace(prod.regions, primary="eu-west-1"))
    for spec in (prod, moved):
        graph = build_graph(spec)
        assert graph.node("global").detail == "Route 53 and the failover topic (us-east-1)"


@pytest.mark.parametrize("spec", ["prod", "three-regions"], indirect=True)
def test_every_secondary_probes_the_primary_and_starts_its_own_failover(
    spec: Spec,
) -> None:
    graph = build_graph(spec)
    primary = spec.regions.primary.replace("-", "_")
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    for region in spec.regions.secondaries:
        r = region.replace("-", "_")
        assert (f"probe_{r}", f"probe_{primary}", "probe") in edges
        assert (f"probe_{r}", f"fn_failover_trigger_{r}", "failover") in edges
        assert (f"fn_failover_trigger_{r}", f"aurora_{r}", "failover") in edges
    assert graph.node(f"probe_{primary}").title == "GET /health (HTTPS)"


def test_a_region_switch_plan_is_drawn_with_its_trigger_and_workflow() -> None:
    staging = load_model(PROD_SPEC.parent / "staging.yaml")
    graph = build_graph(staging)
    plan = graph.node("failover_topic")
    assert (plan.kind, plan.title, plan.detail) == (
        "plan",
        "ARC Region switch plan",
        "1. promote-database, 2. shift-dns",
    )
    failover = {(e.source, e.target, e.label) for e in graph.edges if e.kind == "failover"}
    assert failover == {
        ("probe_us_west_2", "failover_topic", "trigger alarm"),
        ("failover_topic", "aurora_us_west_2", "promotes"),
    }
    assert ("probe_us_west_2", "probe_us_east_1", "probe") in {
        (e.source, e.target, e.kind) for e in graph.edges
    }
    # The plan orchestrates: no failover function is drawn.
    assert not [n for n in graph.nodes if n.kind == "function"]
    # The same drawing checks as the shipped specs'.
    test_svg_is_well_formed_and_names_every_region_data_store_and_link(staging)
    test_mermaid_and_svg_draw_the_same_graph(staging)
    test_layout_keeps_nodes_apart_and_arrows_off_other_nodes(staging)
    test_every_node_sits_inside_its_region_and_vpc(staging)
