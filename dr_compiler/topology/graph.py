"""The graph both drawings draw: nodes (boxes and containers), edges and their kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass

REPLICATION = "replication"
STORAGE_REPLICATION = "s3-replication"
BACKUP_COPY = "backup-copy"
PEERING = "peering"
DNS = "dns"
FAILOVER = "failover"
PROBE = "probe"
TRIGGER = "trigger"
REDRIVE = "redrive"
REPLICATION_KINDS = (REPLICATION, STORAGE_REPLICATION, BACKUP_COPY)

REGIONS_PER_ROW = 3
"""Region columns side by side before the drawing wraps to a new row of regions: the width of
a three-region drawing (under 1920 px, a full-HD screen, for the shipped specs) whatever the
number of regions."""

DATA_STORE_KINDS = ("database", "table", "bucket", "vault", "queue")
CONTAINER_KINDS = ("scope", "region", "vpc")


@dataclass(frozen=True)
class Node:
    """A box of the diagram. Containers (scope, region, vpc) hold the nodes naming them as
    `parent`; `key` is the row a node occupies in every region column."""

    id: str
    kind: str
    title: str
    detail: str = ""
    parent: str | None = None
    region: str | None = None
    key: str = ""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str
    both_ways: bool = False

    @property
    def id(self) -> str:
        return f"{self.source}--{self.target}"


@dataclass(frozen=True)
class Graph:
    title: str
    primary: str
    failover_target: str
    """The region a failover promotes (Regions.failover_target)."""
    columns: tuple[str, ...]
    """Regions in drawing order, left to right, REGIONS_PER_ROW to a row."""
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def children(self, parent: str | None) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.parent == parent)


def slug(text: str) -> str:
    """An identifier Mermaid and XML both accept: letters, digits and underscores."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def region_id(region: str) -> str:
    return f"region_{slug(region)}"


def vpc_id(region: str) -> str:
    return f"vpc_{slug(region)}"


def store_id(kind: str, region: str, name: str = "") -> str:
    return "_".join(part for part in (kind, slug(name), slug(region)) if part)


GLOBAL = "global"
DNS_NODE = "dns"
TOPIC_NODE = "failover_topic"
