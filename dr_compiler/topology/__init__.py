"""The topology of a spec as one graph, drawn two ways: Mermaid (for Markdown) and SVG.

`build_graph` is the only place that knows what the deployment looks like: regions, their
VPCs and the peering between them, the data stores of every region with their replication
arrows, and the failover path (Route53 -> health-check alarm -> SNS -> failover function ->
Aurora promotion; or, with `failover.orchestrator: region_switch`, the secondary's probe alarm
-> the ARC Region switch plan, its workflow in the plan's box -> Aurora promotion).
`to_mermaid` and `to_svg` only draw a `Graph`, so the two drawings name the same nodes and
edges by construction (tests compare them).

The SVG is hand-written with a deterministic layout, so a build needs no external tool and
the same spec gives byte-identical output:

- regions are columns; the primary sits next to the first secondary (the failover target),
  further secondaries alternate left and right so that every primary-to-secondary arrow
  crosses only one gap;
- inside a column, every region has the same rows (the failover function, then the VPC with
  the load balancer and the Aurora cluster, then each table, each bucket, the backup vault),
  so replication arrows between regions are horizontal;
- a band across the top holds the global pieces (the Route53 failover record and the
  failover topic); their arrows run down lanes beside the nodes, never through them;
- an arrow between columns that are not neighbours (DynamoDB replicas of two secondaries)
  runs through the gap above its row.

The package, by concern: `graph` (nodes, edges and their kinds), `build` (the graph of a spec),
`style` (colours and names both drawings use), `mermaid`, `layout` (the SVG's boxes and
routes) and `svg` (the drawing).
"""

from __future__ import annotations

from dr_compiler.topology.build import build_graph
from dr_compiler.topology.mermaid import to_mermaid
from dr_compiler.topology.svg import to_svg

__all__ = ["build_graph", "to_mermaid", "to_svg"]
