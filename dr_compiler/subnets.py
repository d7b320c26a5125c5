"""The subnet layout of every VPC: the one place that carves a VPC CIDR into subnets.

The schema layer asks it whether a spec's CIDR can hold the layout (so `validate` names the
spec line); the network builder asks it for the subnets.

The layout splits the VPC into 8 equal blocks: private subnet of AZ i in block i, public
subnet of AZ i in block 4 + i. Positions are fixed by AZ index, so changing the number of
AZs (2-4) never renumbers, and thus never replaces, an existing subnet. Each block must be
at least the smallest subnet EC2 allows, a /28
(https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html), so the VPC is at most
a /25.
"""

from __future__ import annotations

import ipaddress

SUBNET_BLOCK_BITS = 3
PUBLIC_BLOCK_OFFSET = 4
MAX_AVAILABILITY_ZONES = PUBLIC_BLOCK_OFFSET
SMALLEST_SUBNET_PREFIX = 28
LARGEST_VPC_PREFIX = SMALLEST_SUBNET_PREFIX - SUBNET_BLOCK_BITS


def cidr_problem(text: str) -> str | None:
    """Why `text` cannot be a VPC CIDR holding the layout (with what to write), or None."""
    try:
        network = ipaddress.IPv4Network(text)
    except ValueError as error:
        return f"{text} is not a network address: {error}"
    if network.prefixlen > LARGEST_VPC_PREFIX:
        return (
            f"{text} is too small for {2**SUBNET_BLOCK_BITS} subnets of at least "
            f"/{SMALLEST_SUBNET_PREFIX}: use /{LARGEST_VPC_PREFIX} or larger"
        )
    return None


def subnet_cidrs(cidr: ipaddress.IPv4Network, azs: int) -> tuple[list[str], list[str]]:
    """(public, private) subnet CIDRs, one per AZ, from the fixed 8-block layout."""
    blocks = list(cidr.subnets(prefixlen_diff=SUBNET_BLOCK_BITS))
    public = [str(blocks[PUBLIC_BLOCK_OFFSET + az]) for az in range(azs)]
    private = [str(blocks[az]) for az in range(azs)]
    return public, private
