"""Reading an SVG drawing back: its groups by class, and the rectangles of its boxes and labels."""

from __future__ import annotations

from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"


def groups(root: ElementTree.Element, kind: str) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{SVG}g") if kind in (g.get("class") or "").split()]


Rect = tuple[float, float, float, float]


def node_rects(root: ElementTree.Element) -> dict[str, Rect]:
    return group_rects(root, "node")


def group_rects(root: ElementTree.Element, *kinds: str) -> dict[str, Rect]:
    """(left, top, right, bottom) of the box of every group of these classes, by id."""
    rects = {}
    for group in (g for kind in kinds for g in groups(root, kind)):
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
