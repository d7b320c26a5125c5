"""Colours and names of each kind of edge and node, shared by the Mermaid and SVG drawings."""

from __future__ import annotations

from dr_compiler.topology.graph import (
    BACKUP_COPY,
    DNS,
    FAILOVER,
    PEERING,
    PROBE,
    REDRIVE,
    REPLICATION,
    STORAGE_REPLICATION,
    TRIGGER,
    Graph,
)

EDGE_COLORS = {
    REPLICATION: "#1f6feb",
    STORAGE_REPLICATION: "#1a7f37",
    BACKUP_COPY: "#8250df",
    PEERING: "#6e7781",
    DNS: "#bc4c00",
    FAILOVER: "#cf222e",
    PROBE: "#9a6700",
    TRIGGER: "#0a3069",
    REDRIVE: "#bf3989",
}
EDGE_NAMES = {
    REPLICATION: "database replication",
    STORAGE_REPLICATION: "S3 replication",
    BACKUP_COPY: "backup copy",
    PEERING: "VPC peering",
    DNS: "DNS routing",
    FAILOVER: "automatic failover path",
    PROBE: "probe of the primary API",
    TRIGGER: "queue invokes its function",
    REDRIVE: "to the dead-letter queue",
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
    "queue": "#ffeff7",
    "worker": "#f6f8fa",
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
    "queue": "#bf3989",
    "worker": "#0a3069",
}


def notes(graph: Graph) -> tuple[str, ...]:
    """The lines under the legend: what the drawing shows that no arrow says."""
    lines = ["Thick border: the primary region."]
    if any(node.kind == "function" for node in graph.nodes):
        lines[0] += " The failover function runs in the first secondary, the failover target."
    if len(graph.columns) > 2 and any(node.kind == "table" for node in graph.nodes):
        lines.append(
            "A DynamoDB global table replicates between every pair of replicas; only the "
            "primary's links are drawn."
        )
    return tuple(lines)
