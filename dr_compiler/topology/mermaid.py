"""The graph as a Mermaid flowchart, for Markdown reports."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dr_compiler.escaping import mermaid_label
from dr_compiler.topology.graph import (
    CONTAINER_KINDS,
    DATA_STORE_KINDS,
    PEERING,
    Graph,
    Node,
    region_id,
)
from dr_compiler.topology.style import EDGE_COLORS, NODE_FILLS, NODE_STROKES


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
