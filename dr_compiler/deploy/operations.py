"""Starting a StackSet operation and waiting for it to finish.

botocore has no waiter for StackSet operations (its CloudFormation waiters cover stacks and
change sets only), so `Poller` polls DescribeStackSetOperation with a growing delay, then reads
ListStackSetOperationResults for the outcome of every stack instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from dr_compiler.deploy.aws import error_message, is_refusal, one_line
from dr_compiler.deploy.plan import InstanceChange, ParameterValue, PendingValue, Target
from dr_compiler.deploy.progress import Progress
from dr_compiler.errors import EXIT_INVALID, DrCompilerError

FINISHED = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})
FAILED_RESULTS = frozenset({"FAILED", "CANCELLED"})
CALL_NAMES = {
    "create_stack_instances": "CreateStackInstances",
    "update_stack_instances": "UpdateStackInstances",
    "delete_stack_instances": "DeleteStackInstances",
    "update_stack_set": "UpdateStackSet",
    "detect_stack_set_drift": "DetectStackSetDrift",
}


class OperationTimeout(DrCompilerError):
    """An operation outlived the poller; it keeps running in AWS (exit 1)."""

    exit_code = EXIT_INVALID


class DeployFailed(DrCompilerError):
    """A StackSet operation or an upload failed; later waves were not started (exit 1)."""

    exit_code = EXIT_INVALID


@dataclass(frozen=True)
class InstanceResult:
    target: Target
    status: str
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILED_RESULTS


def failure_line(stack_set: str, result: InstanceResult) -> str:
    """One failed instance as one line: where, and AWS's reason (or its status)."""
    return (
        f"{stack_set} failed in account {result.target.account} region "
        f"{result.target.region}: {result.reason or result.status}"
    )


@dataclass(frozen=True)
class Step:
    """One StackSet operation to run: the boto3 method, its instances, its arguments."""

    method: str
    targets: list[Target]
    arguments: dict[str, Any]


def instance_steps(
    method: str, changes: Sequence[InstanceChange], preferences: Mapping[str, Any]
) -> list[Step]:
    """One call per account and set of overrides: a call gives all its regions the same."""
    steps: list[Step] = []
    for (account, overrides), targets in _groups(changes).items():
        arguments: dict[str, Any] = {
            "Accounts": [account],
            "Regions": [t.region for t in targets],
            "OperationPreferences": with_region_order(preferences, targets),
        }
        if method == "delete_stack_instances":
            arguments["RetainStacks"] = False
        else:
            arguments["ParameterOverrides"] = parameter_list(dict(overrides))
        steps.append(Step(method, targets, arguments))
    return steps


def with_region_order(preferences: Mapping[str, Any], targets: Sequence[Target]) -> dict[str, Any]:
    """The operation preferences, with the targets' regions in order as RegionOrder."""
    return {**preferences, "RegionOrder": list(dict.fromkeys(t.region for t in targets))}


def _groups(
    changes: Sequence[InstanceChange],
) -> dict[tuple[str, tuple[tuple[str, ParameterValue], ...]], list[Target]]:
    """Instances that one call can serve: same account, same parameter overrides."""
    groups: dict[tuple[str, tuple[tuple[str, ParameterValue], ...]], list[Target]] = {}
    for change in changes:
        key = (change.target.account, tuple(sorted(change.overrides.items())))
        groups.setdefault(key, []).append(change.target)
    return groups


def parameter_list(values: Mapping[str, ParameterValue]) -> list[dict[str, str]]:
    for name, value in values.items():
        if isinstance(value, PendingValue):
            raise DeployFailed(f"parameter {name} has no value yet: {value}")
    return [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in sorted(values.items())]


@dataclass(frozen=True)
class Outcome:
    stack_set: str
    status: str
    results: tuple[InstanceResult, ...]

    @property
    def failures(self) -> tuple[InstanceResult, ...]:
        return tuple(r for r in self.results if r.failed)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED" and not self.failures


@dataclass(frozen=True)
class Poller:
    """Polls an operation until it finishes; `sleep` and `clock` are injectable for tests."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    first_delay: float = 2.0
    max_delay: float = 20.0
    timeout: float = 3 * 60 * 60

    def wait(self, cfn: Any, stack_set: str, operation_id: str) -> str:
        deadline = self.clock() + self.timeout
        delay = self.first_delay
        while True:
            operation = cfn.describe_stack_set_operation(
                StackSetName=stack_set, OperationId=operation_id
            )["StackSetOperation"]
            status = str(operation["Status"])
            if status in FINISHED:
                return status
            if self.clock() + delay > deadline:
                raise OperationTimeout(
                    f"{stack_set}: operation {operation_id} is still {status} after "
                    f"{self.timeout / 60:.0f} minutes; it continues in AWS: check "
                    "`dr-compiler status` and run the command again once it has finished"
                )
            self.sleep(delay)
            delay = min(delay * 1.5, self.max_delay)


def run_operation(
    cfn: Any,
    method: str,
    stack_set: str,
    targets: Sequence[Target],
    progress: Progress,
    poller: Poller,
    arguments: Mapping[str, Any],
) -> Outcome:
    """Start `method` (e.g. "create_stack_instances") on `stack_set`, wait, and report it."""
    call = CALL_NAMES[method]
    for target in targets:
        progress.update(stack_set, target, "running", call)
    try:
        operation_id = getattr(cfn, method)(StackSetName=stack_set, **arguments)["OperationId"]
    except ClientError as error:
        if is_refusal(error):
            raise
        # Rejected outright: the call names the instances, so they are what failed. (moto
        # creates instances synchronously and reports their failures this way.)
        reason = f"{call}: {error_message(error)}"
        outcome = Outcome(
            stack_set, "FAILED", tuple(InstanceResult(t, "FAILED", reason) for t in targets)
        )
    else:
        status = poller.wait(cfn, stack_set, operation_id)
        outcome = Outcome(
            stack_set, status, _results(cfn, stack_set, operation_id, status, targets)
        )
    for result in outcome.results:
        state = "failed" if result.failed else "succeeded"
        progress.update(stack_set, result.target, state, result.reason if result.failed else call)
    return outcome


def _results(
    cfn: Any, stack_set: str, operation_id: str, status: str, targets: Sequence[Target]
) -> tuple[InstanceResult, ...]:
    pages = cfn.get_paginator("list_stack_set_operation_results").paginate(
        StackSetName=stack_set, OperationId=operation_id
    )
    reported = {
        result.target: result
        for result in (_result(s) for page in pages for s in page.get("Summaries", []))
    }
    if status != "SUCCEEDED" and not any(r.failed for r in reported.values()):
        # A stopped or failed operation without a failed instance still failed them all.
        reason = f"operation {operation_id} {status}"
        return tuple(InstanceResult(t, "FAILED", reason) for t in targets)
    # An instance the results leave out shares the operation's outcome.
    missing = (InstanceResult(t, status) for t in targets if t not in reported)
    return (*reported.values(), *missing)


def _result(summary: Mapping[str, Any]) -> InstanceResult:
    reason = one_line(str(summary.get("StatusReason", "") or ""))
    gate = summary.get("AccountGateResult") or {}
    if not reason and gate.get("Status") == "FAILED":
        reason = one_line(f"account gate: {gate.get('StatusReason', '')}")
    return InstanceResult(
        Target(str(summary["Account"]), str(summary["Region"])), str(summary["Status"]), reason
    )
