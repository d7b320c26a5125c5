from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import (
    load_templates,
    set_findings,
    summary,
    template_findings,
    with_managed_policies,
)

HERE = Path(__file__).parent
GLOBAL = "us-east-1.global.json"
ROLE = "RegionSwitchExecutionRole"


def test_broad_resources_other_services_and_other_principals_fail() -> None:
    findings = template_findings("DR067", HERE / f"bad.{GLOBAL}")
    statements = f"bad.{GLOBAL}: {ROLE}.Policies[0].PolicyDocument.Statement"
    assert summary(findings) == {
        ("DR067", ROLE, f"bad.{GLOBAL}: {ROLE}.AssumeRolePolicyDocument"),
        ("DR067", ROLE, f"{statements}[1]"),
        ("DR067", ROLE, f"{statements}[7]"),
    }
    assert sorted(f.message for f in findings) == [
        f"execution role {ROLE} of plan RegionSwitchPlan allows rds:FailoverGlobalCluster on "
        "*: not a resource of the plan's steps, triggers or reports",
        f"execution role {ROLE} of plan RegionSwitchPlan allows rds:SwitchoverGlobalCluster "
        "on *: not a resource of the plan's steps, triggers or reports",
        f"execution role {ROLE} of plan RegionSwitchPlan allows sns:Publish on "
        "arn:${AWS::Partition}:sns:us-east-1:${AWS::AccountId}:alerts: not a resource of the "
        "plan's steps, triggers or reports",
        f"execution role {ROLE} of plan RegionSwitchPlan trusts "
        "arc-region-switch.amazonaws.com, AWS besides arc-region-switch.amazonaws.com",
    ]


def test_the_compiled_role_names_only_the_plan_resources() -> None:
    assert template_findings("DR067", HERE / f"good.{GLOBAL}") == []


def test_failover_rights_for_a_plan_that_only_switches_over_fail() -> None:
    fixture = f"switchover.{GLOBAL}"
    findings = template_findings("DR067", HERE / fixture)
    statements = f"{fixture}: {ROLE}.Policies[0].PolicyDocument.Statement"
    assert summary(findings) == {("DR067", ROLE, f"{statements}[1]")}
    assert findings[0].message == (
        f"execution role {ROLE} of plan RegionSwitchPlan allows rds:FailoverGlobalCluster, "
        "which no step calls (every Aurora step only switches over): not a resource of the "
        "plan's steps, triggers or reports"
    )


def test_statements_of_the_roles_customer_managed_policy_are_judged_too() -> None:
    # The inline policy moved into RegionSwitchExecutionRolePolicy (AWS::IAM::ManagedPolicy):
    # the same statements fail, found in the policy that holds them.
    templates = with_managed_policies(load_templates(HERE / f"bad.{GLOBAL}"))
    findings = set_findings("DR067", templates)
    statements = f"bad.{GLOBAL}: {ROLE}Policy.PolicyDocument.Statement"
    assert summary(findings) == {
        ("DR067", ROLE, f"bad.{GLOBAL}: {ROLE}.AssumeRolePolicyDocument"),
        ("DR067", f"{ROLE}Policy", f"{statements}[1]"),
        ("DR067", f"{ROLE}Policy", f"{statements}[7]"),
    }
