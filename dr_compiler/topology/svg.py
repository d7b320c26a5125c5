"""The graph drawn as a standalone SVG document (byte-identical for the same graph)."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape as html_escape

from dr_compiler.escaping import xml_chars
from dr_compiler.topology.graph import (
    CONTAINER_KINDS,
    DATA_STORE_KINDS,
    GLOBAL,
    PEERING,
    Edge,
    Graph,
    Node,
    region_id,
    vpc_id,
)
from dr_compiler.topology.layout import MARGIN, NOTE_LINE, Layout
from dr_compiler.topology.style import EDGE_COLORS, EDGE_NAMES, NODE_FILLS, NODE_STROKES, notes

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
    for line, text in enumerate(notes(graph)):
        yield _text(MARGIN, layout.note_y + NOTE_LINE * line, text, font_size=11, fill="#57606a")
