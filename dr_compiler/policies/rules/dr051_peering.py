"""DR051: cross-region peering is requested, accepted and routed both ways; CIDRs don't overlap.

Spec: the VPC CIDRs of all regions are disjoint (a peering connection between overlapping
ranges fails, and routes could not tell the VPCs apart anyway).
Templates: with `network.peering` (opt-in; DR054 judges whether a connection carries anything),
the primary stack requests one connection per secondary.
Each connection in a primary stack names its PeerRegion, can be accepted (same account, or a
PeerRoleArn for another account), is routed from every private route table of the primary,
and the secondary's attach stack routes the primary CIDR back through the connection id it
receives as a parameter.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.policies.cfn import referenced_ids, text_of
from dr_compiler.policies.cfn_names import ACCOUNT_ID
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

PEERING = blocks.peering.VPC_PEERING_CONNECTION.type
ROUTE = blocks.network.ROUTE.type
ROUTE_TABLE = blocks.network.ROUTE_TABLE.type


def check_spec(spec: Spec) -> Iterator[Violation]:
    seen: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for region in spec.regions.all:
        network = ipaddress.ip_network(spec.network.cidrs[region], strict=False)
        for earlier, other in seen:
            if network.overlaps(other):
                yield Violation(
                    f"VPC CIDR {network} of {region} overlaps {other} of {earlier}: peered VPCs "
                    "need disjoint ranges",
                    region,
                    path=("network", "cidrs", region),
                )
        seen.append((region, network))


def _public_tables(template: TemplateDoc) -> set[str]:
    """Route tables with a route to an internet gateway."""
    gateways = {lid for lid, _ in template.resources(blocks.network.INTERNET_GATEWAY.type)}
    public = set()
    for _, route in template.resources(ROUTE):
        props = route.get("Properties", {})
        if referenced_ids(props.get("GatewayId")) & gateways:
            public |= referenced_ids(props.get("RouteTableId"))
    return public


def _routes_through(
    template: TemplateDoc, is_connection: Any
) -> list[tuple[str, Mapping[str, Any]]]:
    """(logical id, properties) of the routes whose VpcPeeringConnectionId satisfies the test."""
    return [
        (lid, route.get("Properties", {}))
        for lid, route in template.resources(ROUTE)
        if is_connection(route.get("Properties", {}).get("VpcPeeringConnectionId"))
    ]


def _cidr(template: TemplateDoc) -> str | None:
    """The (literal) CidrBlock of the template's VPC."""
    for _, vpc in template.resources(blocks.network.VPC.type):
        return text_of(vpc.get("Properties", {}).get("CidrBlock"))
    return None


class _Checker:
    def __init__(self, templates: TemplateSet) -> None:
        self.templates = templates
        self.spec = templates.spec

    def cidr_of(self, region: str, template: TemplateDoc | None) -> str | None:
        if self.spec is not None and region in self.spec.network.cidrs:
            return self.spec.network.cidrs[region]
        return _cidr(template) if template is not None else None

    def run(self) -> Iterator[Violation]:
        for template in self.templates.by_phase("primary"):
            if self.spec is not None and self.spec.network.peering:
                yield from self._requested(template)
            for logical_id, resource in template.resources(PEERING):
                yield from self._connection(template, logical_id, resource.get("Properties", {}))

    def _requested(self, template: TemplateDoc) -> Iterator[Violation]:
        assert self.spec is not None
        regions = {
            text_of(resource.get("Properties", {}).get("PeerRegion"))
            for _, resource in template.resources(PEERING)
        }
        vpc = next((lid for lid, _ in template.resources(blocks.network.VPC.type)), "Vpc")
        for region in self.spec.regions.secondaries:
            if region not in regions:
                yield resource_violation(
                    template,
                    vpc,
                    f"network.peering is true but {template.file} requests no VPC peering "
                    f"connection to {region}",
                )

    def _connection(
        self, template: TemplateDoc, logical_id: str, props: Mapping[str, Any]
    ) -> Iterator[Violation]:
        peer_region = text_of(props.get("PeerRegion"))
        if not peer_region:
            yield resource_violation(
                template,
                logical_id,
                f"peering connection {logical_id} has no PeerRegion: the request goes to a VPC "
                f"in {template.region} and the secondary's VPC never sees it",
                "PeerRegion",
            )
        yield from self._acceptance(template, logical_id, props)
        yield from self._primary_routes(template, logical_id, peer_region)
        if peer_region and peer_region != template.region:
            yield from self._routes_back(template, logical_id, peer_region)

    def _acceptance(
        self, template: TemplateDoc, logical_id: str, props: Mapping[str, Any]
    ) -> Iterator[Violation]:
        """Same account: CloudFormation accepts the request itself. Another account: only
        through PeerRoleArn, a role in the accepter account; without it the request stays
        pending-acceptance and the stack fails."""
        owner = props.get("PeerOwnerId")
        if not isinstance(owner, str) or not ACCOUNT_ID.match(owner) or props.get("PeerRoleArn"):
            return
        if self.spec is not None and self.spec.deployment.accounts == (owner,):
            return
        yield resource_violation(
            template,
            logical_id,
            f"peering connection {logical_id} peers with account {owner} without PeerRoleArn: "
            "a cross-account request is never accepted",
            "PeerRoleArn",
        )

    def _primary_routes(
        self, template: TemplateDoc, logical_id: str, peer_region: str | None
    ) -> Iterator[Violation]:
        routes = _routes_through(template, lambda value: logical_id in referenced_ids(value))
        if not routes:
            yield resource_violation(
                template,
                logical_id,
                f"peering connection {logical_id} is never routed: no route in {template.file} "
                "uses it",
            )
            return
        routed = set().union(*(referenced_ids(p.get("RouteTableId")) for _, p in routes))
        private = {lid for lid, _ in template.resources(ROUTE_TABLE)} - _public_tables(template)
        for table in sorted(private - routed):
            yield resource_violation(
                template,
                table,
                f"private route table {table} has no route through peering connection "
                f"{logical_id}: its subnets cannot reach the peer VPC",
            )
        peer_cidr = self.cidr_of(peer_region, None) if peer_region else None
        for route_id, props in routes:
            destination = text_of(props.get("DestinationCidrBlock"))
            if peer_cidr and destination != peer_cidr:
                yield resource_violation(
                    template,
                    route_id,
                    f"route {route_id} sends {destination} through {logical_id}, but the "
                    f"{peer_region} VPC is {peer_cidr}",
                    "DestinationCidrBlock",
                )

    def _routes_back(
        self, primary: TemplateDoc, logical_id: str, peer_region: str
    ) -> Iterator[Violation]:
        """The accepter side: the attach stack of the peer region routes the primary CIDR
        through the connection id, which only exists after the primary deploys and so can
        only arrive as a parameter."""
        primary_cidr = self.cidr_of(primary.region, primary)
        attach = [t for t in self.templates.by_phase("attach") if t.region == peer_region]
        routes = [
            (template, route_id, props)
            for template in attach
            for route_id, props in _routes_through(
                template,
                lambda value, t=template: (
                    isinstance(value, Mapping) and value.get("Ref") in t.body.get("Parameters", {})
                ),
            )
        ]
        back = [
            r
            for r in routes
            if not primary_cidr or text_of(r[2].get("DestinationCidrBlock")) == primary_cidr
        ]
        if not back:
            yield resource_violation(
                primary,
                logical_id,
                f"no attach stack of {peer_region} routes {primary_cidr or 'the primary CIDR'} "
                f"back through peering connection {logical_id} (a route whose "
                "VpcPeeringConnectionId is a parameter): traffic from the primary gets no reply",
            )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    return _Checker(templates).run()


RULE = Rule(
    id="DR051",
    title="Cross-region peering is accepted and routed both ways; VPC CIDRs don't overlap",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "The seed designs created a peering connection that was never accepted and never "
        "routed: it showed up in the console, but no packet crossed it, so the secondary's "
        "functions could not reach the primary database during a switchover. A connection "
        "works only when it is accepted (automatically in one account, through PeerRoleArn "
        "across accounts), names the peer's region, and both VPCs route the other's CIDR "
        "through it; and peering between overlapping CIDRs fails outright."
    ),
    remediation=(
        "Give every region a disjoint network.cidrs block (e.g. 10.0.0.0/16, 10.1.0.0/16). "
        "Peering is opt-in (network.peering, off by default: DR054 requires traffic for it); "
        "when on, the compiler emits the request, the primary routes and the secondary's "
        "return routes (the connection id flows to it as a StackSet parameter)."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcpeeringconnection.html",
    bad_example=(
        "network:\n  cidrs:\n    us-east-1: 10.0.0.0/16\n    us-west-2: 10.0.128.0/17\n"
        "  peering: true\n"
    ),
    good_example=(
        "network:\n  cidrs:\n    us-east-1: 10.0.0.0/16\n    us-west-2: 10.1.0.0/16\n"
        "  peering: true\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("network",),
)
