"""The calls a StackSet's plan turns into, argument by argument.

moto ignores OperationPreferences and most StackSet arguments, so what the writer sends is
checked here against botocore's Stubber, which also validates every request against the
CloudFormation service model.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from dr_compiler.deploy.aws import AwsClients
from dr_compiler.deploy.executor import StackSetRequest, StackSetWriter
from dr_compiler.deploy.operations import Poller
from dr_compiler.deploy.plan import (
    DeployedInstance,
    DeployedStackSet,
    DesiredStackSet,
    Target,
    plan_stack_set,
)
from dr_compiler.deploy.progress import LineProgress

ADMIN = "111111111111"
OTHER = "222222222222"
NAME = "payments-us-east-1-dev"
PREFERENCES = {
    "RegionConcurrencyType": "SEQUENTIAL",
    "MaxConcurrentCount": 1,
    "FailureToleranceCount": 0,
}
TEMPLATE = {"Parameters": {"PeerVpcId": {"Type": "String"}}, "Resources": {}}
REQUEST = StackSetRequest(
    NAME,
    "dr-compiler: payments dev us-east-1",
    {"TemplateURL": "https://b/t"},
    ("CAPABILITY_NAMED_IAM",),
)
OPERATION = "7c3a0e1e-0000-4000-8000-000000000002"


@pytest.fixture
def writer() -> Iterator[tuple[StackSetWriter, Stubber]]:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    clients = AwsClients(session, "us-east-1", ADMIN)
    progress = LineProgress(io.StringIO())
    with Stubber(clients.client("cloudformation")) as stubber:
        yield (
            StackSetWriter(clients, progress, Poller(), PREFERENCES),
            stubber,
        )
        stubber.assert_no_pending_responses()


def succeed(stubber: Stubber, method: str, expected: dict[str, Any]) -> None:
    stubber.add_response(method, {"OperationId": OPERATION}, expected)
    stubber.add_response(
        "describe_stack_set_operation",
        {"StackSetOperation": {"OperationId": OPERATION, "Status": "SUCCEEDED"}},
    )
    stubber.add_response("list_stack_set_operation_results", {"Summaries": []})


def desired(*targets: Target) -> DesiredStackSet:
    overrides = {t: {"PeerVpcId": f"vpc-{t.account}"} for t in targets}
    settings = {"ManagedExecution": {"Active": False}}
    return DesiredStackSet(NAME, 2, TEMPLATE, targets, overrides, settings)


def test_a_new_stack_set_then_its_instances_one_call_per_account(
    writer: tuple[StackSetWriter, Stubber],
) -> None:
    stack_sets, stubber = writer
    wanted = desired(
        Target(ADMIN, "us-east-1"), Target(ADMIN, "us-west-2"), Target(OTHER, "us-east-1")
    )
    stubber.add_response(
        "create_stack_set",
        {"StackSetId": "x"},
        {
            "StackSetName": NAME,
            "Description": "dr-compiler: payments dev us-east-1",
            "PermissionModel": "SELF_MANAGED",
            "TemplateURL": "https://b/t",
            "Parameters": [{"ParameterKey": "PeerVpcId", "ParameterValue": f"vpc-{ADMIN}"}],
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            "AdministrationRoleARN": (
                f"arn:aws:iam::{ADMIN}:role/AWSCloudFormationStackSetAdministrationRole"
            ),
            "ExecutionRoleName": "AWSCloudFormationStackSetExecutionRole",
            "ManagedExecution": {"Active": False},
        },
    )
    for account, regions in ((ADMIN, ["us-east-1", "us-west-2"]), (OTHER, ["us-east-1"])):
        succeed(
            stubber,
            "create_stack_instances",
            {
                "StackSetName": NAME,
                "Accounts": [account],
                "Regions": regions,
                "ParameterOverrides": [
                    {"ParameterKey": "PeerVpcId", "ParameterValue": f"vpc-{account}"}
                ],
                "OperationPreferences": {**PREFERENCES, "RegionOrder": regions},
            },
        )

    operations, failures = stack_sets.apply(REQUEST, wanted, plan_stack_set(wanted, None))

    assert (operations, failures) == (2, ())


def test_a_changed_template_is_one_update_of_the_whole_stack_set(
    writer: tuple[StackSetWriter, Stubber],
) -> None:
    stack_sets, stubber = writer
    target = Target(ADMIN, "us-east-1")
    deployed = DeployedStackSet(
        NAME,
        '{"Resources": {}}',
        {"PeerVpcId": f"vpc-{ADMIN}"},
        (DeployedInstance(target, "CURRENT", overrides={"PeerVpcId": f"vpc-{ADMIN}"}),),
    )
    succeed(
        stubber,
        "update_stack_set",
        {
            "StackSetName": NAME,
            "TemplateURL": "https://b/t",
            "Parameters": ANY,
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            "AdministrationRoleARN": ANY,
            "ExecutionRoleName": "AWSCloudFormationStackSetExecutionRole",
            "ManagedExecution": {"Active": False},
            "OperationPreferences": {**PREFERENCES, "RegionOrder": ["us-east-1"]},
        },
    )
    wanted = desired(target)

    assert stack_sets.apply(REQUEST, wanted, plan_stack_set(wanted, deployed)) == (1, ())


def test_a_stack_set_with_a_macro_acknowledges_auto_expand_on_update(
    writer: tuple[StackSetWriter, Stubber],
) -> None:
    stack_sets, stubber = writer
    target = Target(ADMIN, "us-east-1")
    deployed = DeployedStackSet(
        NAME,
        '{"Resources": {}}',
        {"PeerVpcId": f"vpc-{ADMIN}"},
        (DeployedInstance(target, "CURRENT", overrides={"PeerVpcId": f"vpc-{ADMIN}"}),),
    )
    succeed(
        stubber,
        "update_stack_set",
        {
            "StackSetName": NAME,
            "TemplateURL": "https://b/t",
            "Parameters": ANY,
            "Capabilities": ["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            "AdministrationRoleARN": ANY,
            "ExecutionRoleName": "AWSCloudFormationStackSetExecutionRole",
            "ManagedExecution": {"Active": False},
            "OperationPreferences": {**PREFERENCES, "RegionOrder": ["us-east-1"]},
        },
    )
    wanted = desired(target)
    request = dataclasses.replace(
        REQUEST, capabilities=("CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
    )

    assert stack_sets.apply(request, wanted, plan_stack_set(wanted, deployed)) == (1, ())


def test_an_instance_left_behind_is_deleted_with_its_stack(
    writer: tuple[StackSetWriter, Stubber],
) -> None:
    stack_sets, stubber = writer
    kept, dropped = Target(ADMIN, "us-east-1"), Target(ADMIN, "eu-west-1")
    overrides = {"PeerVpcId": f"vpc-{ADMIN}"}
    deployed = DeployedStackSet(
        NAME,
        '{"Parameters": {"PeerVpcId": {"Type": "String"}}, "Resources": {}}',
        overrides,
        (
            DeployedInstance(kept, "CURRENT", overrides=overrides),
            DeployedInstance(dropped, "CURRENT", overrides=overrides),
        ),
    )
    succeed(
        stubber,
        "delete_stack_instances",
        {
            "StackSetName": NAME,
            "Accounts": [ADMIN],
            "Regions": ["eu-west-1"],
            "RetainStacks": False,
            "OperationPreferences": {**PREFERENCES, "RegionOrder": ["eu-west-1"]},
        },
    )
    wanted = desired(kept)

    assert stack_sets.apply(REQUEST, wanted, plan_stack_set(wanted, deployed)) == (1, ())


def test_with_managed_execution_the_accounts_operations_start_together(
    writer: tuple[StackSetWriter, Stubber],
) -> None:
    """Both CreateStackInstances start before either is waited for."""
    stack_sets, stubber = writer
    wanted = dataclasses.replace(
        desired(Target(ADMIN, "us-east-1"), Target(OTHER, "us-east-1")),
        settings={"ManagedExecution": {"Active": True}},
    )
    deployed = DeployedStackSet(NAME, json.dumps(TEMPLATE), {"PeerVpcId": f"vpc-{ADMIN}"}, ())
    operations = ("7c3a0e1e-0000-4000-8000-00000000000a", "7c3a0e1e-0000-4000-8000-00000000000b")
    for account, operation in zip((ADMIN, OTHER), operations, strict=True):
        stubber.add_response(
            "create_stack_instances",
            {"OperationId": operation},
            {
                "StackSetName": NAME,
                "Accounts": [account],
                "Regions": ["us-east-1"],
                "ParameterOverrides": [
                    {"ParameterKey": "PeerVpcId", "ParameterValue": f"vpc-{account}"}
                ],
                "OperationPreferences": {**PREFERENCES, "RegionOrder": ["us-east-1"]},
            },
        )
    for operation in operations:
        stubber.add_response(
            "describe_stack_set_operation",
            {"StackSetOperation": {"OperationId": operation, "Status": "SUCCEEDED"}},
            {"StackSetName": NAME, "OperationId": operation},
        )
        stubber.add_response("list_stack_set_operation_results", {"Summaries": []})

    assert stack_sets.apply(REQUEST, wanted, plan_stack_set(wanted, deployed)) == (2, ())
