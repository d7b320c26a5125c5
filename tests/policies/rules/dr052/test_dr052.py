from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_cidr_database_ingress_and_world_ingress_off_the_load_balancers_443_fail() -> None:
    findings = template_findings("DR052", HERE / BAD)
    assert summary(findings) == {
        (
            "DR052",
            "DatabaseSecurityGroup",
            f"{BAD}: DatabaseSecurityGroup.SecurityGroupIngress[1].CidrIp",
        ),
        (
            "DR052",
            "DatabaseSecurityGroup",
            f"{BAD}: DatabaseSecurityGroup.SecurityGroupIngress[2].SourceSecurityGroupId",
        ),
        ("DR052", "DatabaseSecurityGroup", f"{BAD}: DatabaseFromOffice.CidrIp"),
        ("DR052", "AlbSecurityGroup", f"{BAD}: AlbSecurityGroup.SecurityGroupIngress[1].CidrIp"),
        (
            "DR052",
            "BastionSecurityGroup",
            f"{BAD}: BastionSecurityGroup.SecurityGroupIngress[0].CidrIp",
        ),
        (
            "DR052",
            "AdminSecurityGroup",
            f"{BAD}: AdminSecurityGroup.SecurityGroupIngress[0].CidrIpv6",
        ),
        ("DR052", "AdminSecurityGroup", f"{BAD}: AdminFromAnywhere.CidrIp"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{BAD}: DatabaseSecurityGroup.SecurityGroupIngress[1].CidrIp"] == (
        "database security group DatabaseSecurityGroup SecurityGroupIngress[1] admits CIDR "
        "0.0.0.0/0 on tcp 5432: allow the clients' security group (SourceSecurityGroupId) instead"
    )
    assert messages[f"{BAD}: AlbSecurityGroup.SecurityGroupIngress[1].CidrIp"] == (
        "load balancer security group AlbSecurityGroup SecurityGroupIngress[1] opens tcp 80 to "
        "0.0.0.0/0: only tcp 443 may be open to the internet"
    )


def test_group_references_to_the_database_and_https_to_the_load_balancer_pass() -> None:
    assert template_findings("DR052", HERE / "good.us-east-1.primary.json") == []


def test_groups_a_base_stack_exports_are_judged_by_the_attach_stack_that_imports_them() -> None:
    base, attach = HERE / "split.us-west-2.base.json", HERE / "split.us-west-2.attach.json"
    findings = template_findings("DR052", base, attach)
    # The load balancer of the attach stack makes the base's group the ALB group (443 is fine);
    # the cluster's import makes the other one the database group (no CIDR allowed).
    assert summary(findings) == {
        (
            "DR052",
            "DatabaseSecurityGroup",
            "split.us-west-2.base.json: DatabaseSecurityGroup.SecurityGroupIngress[0].CidrIp",
        )
    }


def test_an_exported_database_group_is_checked_even_without_its_attach_stack() -> None:
    findings = template_findings("DR052", HERE / "split.us-west-2.base.json")
    # Without the load balancer in the set, 0.0.0.0/0 on 443 has no load balancer to excuse it.
    assert summary(findings) == {
        (
            "DR052",
            "DatabaseSecurityGroup",
            "split.us-west-2.base.json: DatabaseSecurityGroup.SecurityGroupIngress[0].CidrIp",
        ),
        (
            "DR052",
            "AlbSecurityGroup",
            "split.us-west-2.base.json: AlbSecurityGroup.SecurityGroupIngress[0].CidrIp",
        ),
    }
