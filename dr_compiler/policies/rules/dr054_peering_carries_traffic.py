"""DR054: a VPC peering connection carries traffic that some security-group rule allows, or it
is not emitted.

A peering connection and its routes move nothing by themselves: traffic crosses only when a
security group on one side admits addresses of the other (and an inter-Region peer's groups
cannot be referenced, so that means a CIDR rule: Amazon VPC Peering Guide, "Update your
security groups to reference peer security groups", which is for same-Region peers only).
For each AWS::EC2::VPCPeeringConnection, the rule looks for an ingress rule (inline or an
AWS::EC2::SecurityGroupIngress) in the templates of the requester's region whose CIDR overlaps
the peer VPC, or in the peer region's templates whose CIDR overlaps the requester VPC.
Internet-wide rules (0.0.0.0/0, ::/0) do not count: they are for the internet, not the peer.
VPC CIDRs are read from the templates' AWS::EC2::VPC resources, or from the spec's
network.cidrs when a template only receives a VPC id.

In dr_compiler's spec language nothing sends traffic between the regions' VPCs (Aurora,
DynamoDB and S3 replicate outside them, and every function reaches its own region's
resources), so the compiler emits peering only when `network.peering` asks for it, and this
rule then names it as carrying nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, referenced_ids, text_of
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
VPC = blocks.network.VPC.type
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(value: Any) -> Network | None:
    text = text_of(value)
    try:
        return ipaddress.ip_network(text, strict=False) if text else None
    except ValueError:
        return None


def _region_vpcs(templates: TemplateSet, region: str) -> list[Network]:
    """The CIDRs of the VPCs a region's templates create, else the spec's CIDR for it."""
    found = [
        net
        for template in templates.templates
        if template.region == region
        for _, vpc in template.resources(VPC)
        if (net := _network(vpc.get("Properties", {}).get("CidrBlock"))) is not None
    ]
    if not found and templates.spec is not None:
        net = _network(templates.spec.network.cidrs.get(region))
        found = [net] if net is not None else []
    return found


def _local_vpc(template: TemplateDoc, props: Mapping[str, Any]) -> list[Network]:
    ids = referenced_ids(props.get("VpcId"))
    return [
        net
        for logical_id, vpc in template.resources(VPC)
        if logical_id in ids
        and (net := _network(vpc.get("Properties", {}).get("CidrBlock"))) is not None
    ]


def _ingress_cidrs(templates: TemplateSet, region: str) -> Iterator[Network]:
    """CIDRs that security groups of a region's templates admit, internet-wide ones excepted."""
    for template in templates.templates:
        if template.region != region:
            continue
        rules: list[Any] = [
            r.get("Properties", {})
            for _, r in template.resources(blocks.network.SECURITY_GROUP_INGRESS.type)
        ]
        for _, group in template.resources(blocks.network.SECURITY_GROUP.type):
            rules += as_list(group.get("Properties", {}).get("SecurityGroupIngress"))
        for rule in rules:
            if not isinstance(rule, Mapping):
                continue
            for key in ("CidrIp", "CidrIpv6"):
                net = _network(rule.get(key))
                if net is not None and net.prefixlen > 0:
                    yield net


def _admits(templates: TemplateSet, region: str, sources: list[Network]) -> bool:
    return any(
        cidr.version == source.version and cidr.overlaps(source)
        for cidr in _ingress_cidrs(templates, region)
        for source in sources
    )


def _shown(networks: list[Network]) -> str:
    return ", ".join(str(n) for n in networks) or "its VPC"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(PEERING):
        props = resource.get("Properties", {})
        peer_region = text_of(props.get("PeerRegion")) or template.region
        local, peer = _local_vpc(template, props), _region_vpcs(templates, peer_region)
        if not local or not peer:
            continue  # a VPC this template set does not describe: nothing to compare
        if _admits(templates, template.region, peer) or _admits(templates, peer_region, local):
            continue
        yield resource_violation(
            template,
            logical_id,
            f"peering connection {logical_id} carries nothing: no security group in "
            f"{template.region} admits {peer_region}'s {_shown(peer)} and none in {peer_region} "
            f"admits {_shown(local)}",
        )


RULE = Rule(
    id="DR054",
    title="A peering connection carries traffic that some rule allows, or it is not emitted",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "The seed designs peered the regions' VPCs and routed them, and no security group "
        "admitted a single address of the other side: a connection that carries nothing "
        "still costs a StackSet parameter flow, a deploy wave dependency and routes to review, "
        "and it suggests a private path between regions that does not exist when someone "
        "relies on it during a failover. Inter-Region peers cannot reference each other's "
        "security groups, so real traffic needs CIDR rules, which the database must not have "
        "(DR052)."
    ),
    remediation=(
        "Leave network.peering false (the default): nothing in the spec sends traffic between "
        "the regions' VPCs. If traffic the spec does not describe needs it, add the security "
        "group rules that admit the peer's private subnets for that traffic, or waive DR054 "
        "for the connection with the reason."
    ),
    docs="https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html",
    bad_example=(
        "PeeringConnectionUsWest2:\n  Type: AWS::EC2::VPCPeeringConnection\n"
        "  Properties: {VpcId: !Ref Vpc, PeerVpcId: !Ref PeerVpcIdUsWest2, "
        "PeerRegion: us-west-2}\n"
        "# ...routes to 10.1.0.0/16, and no security group admitting 10.1.0.0/16\n"
    ),
    good_example=(
        "network:\n  peering: false   # nothing crosses regions: no connection is emitted\n"
    ),
    check_templates=check_templates,
    pci_dss=("1.2.5",),
    tags=("network",),
)
