"""deploy end to end with failover.orchestrator: region_switch, against a moto server.

moto 5.2 has no ARC Region switch service and no CloudFormation model for
AWS::ARCRegionSwitch::Plan, so moto_compat takes the plan out of the global template (its
output becomes a marker). Everything around it deploys as compiled: the execution role in
us-east-1, the report bucket in the secondary's base stack (without the versioning and
encryption moto's bucket model does not apply), the secondary's attach stack. What moto
proves here is the StackSet side: the parameter that carries the secondary's key ARN into
the global stack flows from the base stack's output, and the waves still deploy in order.
The plan itself is proven by cfn-lint and the rules DR065-DR069.
"""

from __future__ import annotations

import json

import pytest

from tests.deploy.conftest import ACCOUNT, Deployment, client
from tests.deploy.moto_compat import marker

pytestmark = pytest.mark.e2e

REGION_SWITCH = "failover:\n  orchestrator: region_switch\n"


def test_a_region_switch_build_deploys_everything_but_the_plan(deployment: Deployment) -> None:
    deployment.rebuild(REGION_SWITCH)
    built = json.loads((deployment.build_dir / "global.json").read_text())
    assert "RegionSwitchPlan" not in built["Resources"]
    assert built["Outputs"]["RegionSwitchPlanArn"]["Value"] == marker("RegionSwitchPlan", "Arn")
    assert deployment.bootstrap().code == 0
    result = deployment.deploy()
    assert result.code == 0, result.out + result.err

    cfn = client("cloudformation")
    instance = cfn.describe_stack_instance(
        StackSetName="payments-global-dev",
        StackInstanceAccount=ACCOUNT,
        StackInstanceRegion="us-east-1",
    )["StackInstance"]
    assert instance["Status"] == "CURRENT"
    overrides = {p["ParameterKey"]: p["ParameterValue"] for p in instance["ParameterOverrides"]}
    west_key = next(
        a["TargetKeyId"]
        for a in client("kms", "us-west-2").list_aliases()["Aliases"]
        if a["AliasName"] == "alias/payments-us-west-2-dev"
    )
    assert overrides["RegionSwitchReportKeyArn"].endswith(f":key/{west_key}")

    role = client("iam").get_role(RoleName="payments-region-switch-dev")["Role"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "arc-region-switch.amazonaws.com"}]
    # moto's bucket model creates the bucket from the template but does not apply its
    # VersioningConfiguration or BucketEncryption (get_bucket_versioning has no Status): those
    # are checked on the template by DR068 and the wiring tests.
    west = client("s3", "us-west-2")
    reports = f"payments-plan-reports-{ACCOUNT}-us-west-2-dev"
    assert west.get_bucket_location(Bucket=reports)["LocationConstraint"] == "us-west-2"
