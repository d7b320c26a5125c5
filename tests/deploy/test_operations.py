"""Waiting for StackSet operations, and reading their per-instance results.

moto finishes every operation at once and never reports a FAILED one, so the asynchronous
path of real AWS (RUNNING for a while, then FAILED with a StatusReason per instance) is checked
here with botocore's Stubber: recorded response shapes, validated against the service model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dr_compiler.deploy.aws import AccessDenied, aws_errors
from dr_compiler.deploy.operations import OperationTimeout, Poller, run_operation
from dr_compiler.deploy.plan import Target
from dr_compiler.deploy.progress import LineProgress

STACK_SET = "payments-us-east-1-dev"
EAST = Target("111111111111", "us-east-1")
WEST = Target("111111111111", "us-west-2")
OPERATION = "7c3a0e1e-0000-4000-8000-000000000001"


class Clock:
    """A clock that moves only when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


@pytest.fixture
def cfn() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def operation(status: str) -> dict[str, Any]:
    return {"StackSetOperation": {"OperationId": OPERATION, "StackSetId": "x", "Status": status}}


def describe(stubber: Stubber, status: str) -> None:
    stubber.add_response(
        "describe_stack_set_operation",
        operation(status),
        {"StackSetName": STACK_SET, "OperationId": OPERATION},
    )


def test_the_poller_backs_off_until_the_operation_finishes(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    for status in ("QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"):
        describe(stubber, status)
    clock = Clock()

    status = Poller(sleep=clock.sleep, clock=clock.time).wait(client, STACK_SET, OPERATION)

    assert status == "SUCCEEDED"
    assert clock.sleeps == [2.0, 3.0, 4.5]


def test_the_poller_gives_up_at_its_timeout(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    for _ in range(3):
        describe(stubber, "RUNNING")
    clock = Clock()
    poller = Poller(sleep=clock.sleep, clock=clock.time, timeout=6.0)

    with pytest.raises(OperationTimeout) as raised:
        poller.wait(client, STACK_SET, OPERATION)

    assert "still RUNNING after 0 minutes; it continues in AWS" in str(raised.value)


def test_a_failed_operation_reports_each_failed_instance_and_its_reason(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    stubber.add_response("create_stack_instances", {"OperationId": OPERATION})
    describe(stubber, "RUNNING")
    describe(stubber, "FAILED")
    stubber.add_response(
        "list_stack_set_operation_results",
        {
            "Summaries": [
                {"Account": EAST.account, "Region": EAST.region, "Status": "SUCCEEDED"},
                {
                    "Account": WEST.account,
                    "Region": WEST.region,
                    "Status": "FAILED",
                    "StatusReason": "ResourceLogicalId:PaymentsQueue, Resource handler returned "
                    "message: Invalid value for VisibilityTimeout",
                },
            ]
        },
        {"StackSetName": STACK_SET, "OperationId": OPERATION},
    )
    clock = Clock()
    log = _Log()

    outcome = run_operation(
        client,
        "create_stack_instances",
        STACK_SET,
        [EAST, WEST],
        LineProgress(log),
        Poller(sleep=clock.sleep, clock=clock.time),
        {"Accounts": [EAST.account], "Regions": [EAST.region, WEST.region]},
    )

    assert not outcome.succeeded
    assert [(f.target, f.reason) for f in outcome.failures] == [
        (
            WEST,
            "ResourceLogicalId:PaymentsQueue, Resource handler returned message: "
            "Invalid value for VisibilityTimeout",
        )
    ]
    assert log.lines == [
        f"  {STACK_SET} 111111111111/us-east-1: running (CreateStackInstances)",
        f"  {STACK_SET} 111111111111/us-west-2: running (CreateStackInstances)",
        f"  {STACK_SET} 111111111111/us-east-1: succeeded (CreateStackInstances)",
        f"  {STACK_SET} 111111111111/us-west-2: failed (ResourceLogicalId:PaymentsQueue, "
        "Resource handler returned message: Invalid value for VisibilityTimeout)",
    ]


def test_instances_left_out_of_the_results_share_the_operations_outcome(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    stubber.add_response("update_stack_set", {"OperationId": OPERATION})
    describe(stubber, "SUCCEEDED")
    stubber.add_response("list_stack_set_operation_results", {"Summaries": []})

    outcome = run_operation(
        client, "update_stack_set", STACK_SET, [EAST, WEST], LineProgress(_Log()), Poller(), {}
    )

    assert outcome.succeeded
    assert [(r.target, r.status) for r in outcome.results] == [
        (EAST, "SUCCEEDED"),
        (WEST, "SUCCEEDED"),
    ]


def test_a_stopped_operation_without_results_fails_every_target(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    stubber.add_response("update_stack_set", {"OperationId": OPERATION})
    describe(stubber, "STOPPED")
    stubber.add_response("list_stack_set_operation_results", {"Summaries": []})

    outcome = run_operation(
        client, "update_stack_set", STACK_SET, [EAST], LineProgress(_Log()), Poller(), {}
    )

    assert [(f.target, f.reason) for f in outcome.failures] == [
        (EAST, f"operation {OPERATION} STOPPED")
    ]


def test_a_call_rejected_outright_fails_the_instances_it_named(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_client_error(
        "create_stack_instances", "ValidationError", "Parameter PeerVpcId has no value"
    )

    outcome = run_operation(
        client,
        "create_stack_instances",
        STACK_SET,
        [EAST],
        LineProgress(_Log()),
        Poller(),
        {"Accounts": [EAST.account], "Regions": [EAST.region]},
    )

    assert [(f.target, f.reason) for f in outcome.failures] == [
        (EAST, "CreateStackInstances: Parameter PeerVpcId has no value")
    ]


def test_refusals_are_aws_errors_not_instance_failures(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_client_error("create_stack_instances", "AccessDenied", "not authorized")

    with pytest.raises(AccessDenied), aws_errors():
        run_operation(
            client,
            "create_stack_instances",
            STACK_SET,
            [EAST],
            LineProgress(_Log()),
            Poller(),
            {"Accounts": [EAST.account], "Regions": [EAST.region]},
        )


class _Log:
    """A text stream that keeps its lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line)
        return len(text)

    def flush(self) -> None:
        return None


def test_service_managed_steps_name_accounts_through_deployment_targets() -> None:
    """One call per set of overrides and regions, however many accounts share them."""
    from dr_compiler.deploy.operations import instance_steps
    from dr_compiler.deploy.plan import InstanceChange

    preferences = {"MaxConcurrentPercentage": 25, "RegionOrder": ["us-east-1", "us-west-2"]}
    changes = [
        InstanceChange(Target(account, region), "add", {"PeerVpcId": vpc})
        for account, vpc in (("111111111111", "vpc-1"), ("222222222222", "vpc-1"))
        for region in ("us-west-2", "us-east-1")
    ] + [InstanceChange(Target("333333333333", "us-east-1"), "add", {"PeerVpcId": "vpc-3"})]
    steps = instance_steps("create_stack_instances", changes, preferences, ("ou-ab12-cd34ef56",))
    assert [step.arguments for step in steps] == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": ["ou-ab12-cd34ef56"],
                "Accounts": ["111111111111", "222222222222"],
                "AccountFilterType": "INTERSECTION",
            },
            "Regions": ["us-west-2", "us-east-1"],
            "OperationPreferences": {**preferences, "RegionOrder": ["us-east-1", "us-west-2"]},
            "ParameterOverrides": [{"ParameterKey": "PeerVpcId", "ParameterValue": "vpc-1"}],
        },
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": ["ou-ab12-cd34ef56"],
                "Accounts": ["333333333333"],
                "AccountFilterType": "INTERSECTION",
            },
            "Regions": ["us-east-1"],
            "OperationPreferences": {**preferences, "RegionOrder": ["us-east-1"]},
            "ParameterOverrides": [{"ParameterKey": "PeerVpcId", "ParameterValue": "vpc-3"}],
        },
    ]
    assert [len(step.targets) for step in steps] == [4, 1]
