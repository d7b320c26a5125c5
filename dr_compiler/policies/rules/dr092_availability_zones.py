"""DR092: the availability zones asked for exist in every region.

`network.availability_zones` subnets are created in each region of the spec; a region with
fewer zones fails the subnet of the missing zone (its `Fn::GetAZs` index is past the end).
The per-region counts, with their source, are the one data file
dr_compiler/data/availability_zones.json; the preflight of `plan`/`deploy` checks the
zones the deploying account actually has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources

from dr_compiler.model import Spec
from dr_compiler.policies.rule import Level, Rule, Severity, Violation


@cache
def zone_counts() -> dict[str, int]:
    """Availability zones per region, from the package's data file."""
    text = resources.files("dr_compiler").joinpath("data/availability_zones.json").read_text()
    return dict(json.loads(text)["availability_zones"])


def check_spec(spec: Spec) -> Iterator[Violation]:
    wanted = spec.network.availability_zones
    counts = zone_counts()
    short = [region for region in spec.regions.all if counts.get(region, wanted) < wanted]
    for region in short:
        yield Violation(
            f"network.availability_zones is {wanted}, but {region} offers {counts[region]}: "
            f"set availability_zones to {min(counts[r] for r in short)} or choose another "
            "region",
            region,
            path=("network", "availability_zones"),
        )


RULE = Rule(
    id="DR092",
    title="Availability zones asked for exist in every region",
    severity=Severity.ERROR,
    level=Level.SPEC,
    rationale=(
        "Every region gets one public and one private subnet per availability zone. A "
        "region with fewer zones than the spec asks for (us-west-1 offers two to most "
        "accounts) fails its network stack when the subnet of the missing zone is created, "
        "and with it everything the region's workload needs."
    ),
    remediation=(
        "Set network.availability_zones to at most the smallest zone count of the spec's "
        "regions, or run in regions that have the zones."
    ),
    docs="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html",
    bad_example="regions: {primary: us-east-1, secondaries: [us-west-1]}\n"
    "network: {availability_zones: 3}\n",
    good_example="regions: {primary: us-east-1, secondaries: [us-west-1]}\n"
    "network: {availability_zones: 2}\n",
    check_spec=check_spec,
    tags=("network", "resilience"),
)
