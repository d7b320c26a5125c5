"""The topology graph and its two drawings: Mermaid for Markdown, SVG under templates_out/.

What the spec contains is computed here from the spec itself (not from the graph), so the tests
 The drawings are checked for
what they show here, and for their geometry in test_layout.py.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from dr_compiler.model import Spec
from dr_compiler.pipeline import load_model
from dr_compiler.topology.build import build_graph
from dr_compiler.topology.graph import REPLICATION_KINDS
from dr_compiler.topology.mermaid import mermaid_ids, to_mermaid
from dr_compiler.topology.svg import to_svg
from tests.specbuild import PROD_SPEC, build_spec
from tests.topology.svgtree import SVG, groups


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
    """(source, target) of every replication link drawn: Aurora, S3, DynamoDB and backup copies,
    from the primary to each secondary."""
    primary = spec.regions.primary.replace("-", "_")
    secondaries = [s.replace("-", "_") for s in spec.regions.secondaries]
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
    # A global table replicates between every pair of replicas; the drawing shows the
    # primary's links (the legend's note says so).
    for table in spec.tables:
        name = table.name.replace("-", "_")
        links |= {(f"table_{name}_{primary}", f"table_{name}_{s}") for s in secondaries}
    return links


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
