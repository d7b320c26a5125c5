from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import spec_findings, summary, template_findings

HERE = Path(__file__).parent
PRIMARY = "bad.us-east-1.primary.json"


def test_overlapping_vpc_cidrs_fail_at_the_later_region() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR051", spec)
    assert summary(findings) == {("DR051", "us-west-2", f"{spec}:5:16")}
    assert findings[0].message == (
        "VPC CIDR 10.0.128.0/17 of us-west-2 overlaps 10.0.0.0/16 of us-east-1: peered VPCs "
        "need disjoint ranges"
    )


def test_disjoint_vpc_cidrs_pass() -> None:
    assert spec_findings("DR051", HERE / "good.yaml") == []


def test_unaccepted_unrouted_and_one_way_peering_fails() -> None:
    findings = template_findings(
        "DR051", HERE / PRIMARY, HERE / "bad.us-west-2.attach.json", spec_file=HERE / "good.yaml"
    )
    assert summary(findings) == {
        ("DR051", "PeeringConnectionStray", f"{PRIMARY}: PeeringConnectionStray.PeerRegion"),
        ("DR051", "PeeringConnectionStray", f"{PRIMARY}: PeeringConnectionStray"),
        ("DR051", "PeeringConnectionUsWest2", f"{PRIMARY}: PeeringConnectionUsWest2.PeerRoleArn"),
        ("DR051", "PeeringConnectionUsWest2", f"{PRIMARY}: PeeringConnectionUsWest2"),
        ("DR051", "PrivateRouteTable2", f"{PRIMARY}: PrivateRouteTable2"),
        (
            "DR051",
            "PeeringRouteUsWest21",
            f"{PRIMARY}: PeeringRouteUsWest21.DestinationCidrBlock",
        ),
    }
    messages = {f.resource + str(f.template): f.message for f in findings}
    assert messages[f"PeeringConnectionUsWest2{PRIMARY}: PeeringConnectionUsWest2.PeerRoleArn"] == (
        "peering connection PeeringConnectionUsWest2 peers with account 222222222222 without "
        "PeerRoleArn: a cross-account request is never accepted"
    )
    assert messages[f"PeeringConnectionUsWest2{PRIMARY}: PeeringConnectionUsWest2"] == (
        "no attach stack of us-west-2 routes 10.0.0.0/16 back through peering connection "
        "PeeringConnectionUsWest2 (a route whose VpcPeeringConnectionId is a parameter): "
        "traffic from the primary gets no reply"
    )


def test_peering_enabled_without_a_request_fails() -> None:
    template = HERE / "unrequested.us-east-1.primary.json"
    findings = template_findings("DR051", template, spec_file=HERE / "good.yaml")
    assert summary(findings) == {("DR051", "Vpc", f"{template.name}: Vpc")}
    assert template_findings("DR051", template) == []


def test_accepted_peering_routed_both_ways_passes() -> None:
    findings = template_findings(
        "DR051",
        HERE / "good.us-east-1.primary.json",
        HERE / "good.us-west-2.attach.json",
        spec_file=HERE / "good.yaml",
    )
    assert findings == []
