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
    method: str,
    changes: Sequence[InstanceChange],
    preferences: Mapping[str, Any],
    units: Sequence[str] = (),
) -> list[Step]:
    """The calls that apply `changes`: a call gives all its instances the same overrides.

    Self-managed: one call per account and set of overrides. Service-managed (`units` given):
    one call per set of overrides and regions, naming its accounts through DeploymentTargets
    (the units, narrowed to the accounts by AccountFilterType INTERSECTION), since these
    StackSets take no Accounts (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html).
    So a change that reaches every account of the units is one operation, not one per account.
    """
    steps: list[Step] = []
    groups = _unit_groups(changes) if units else _groups(changes)
    for (accounts, overrides), targets in groups.items():
        arguments: dict[str, Any] = {
            **_target_arguments(accounts, units),
            "Regions": list(dict.fromkeys(t.region for t in targets)),
            "OperationPreferences": with_region_order(preferences, targets),
        }
        if method == "delete_stack_instances":
            arguments["RetainStacks"] = False
        else:
            arguments["ParameterOverrides"] = parameter_list(dict(overrides))
        steps.append(Step(method, targets, arguments))
    return steps


def _target_arguments(accounts: Sequence[str], units: Sequence[str]) -> dict[str, Any]:
    if not units:
        return {"Accounts": list(accounts)}
    return {
        "DeploymentTargets": {
            "OrganizationalUnitIds": list(units),
            "Accounts": list(accounts),
            "AccountFilterType": "INTERSECTION",
        }
    }


def with_region_order(preferences: Mapping[str, Any], targets: Sequence[Target]) -> dict[str, Any]:
    """The operation preferences with RegionOrder narrowed to the targets' regions, in the
    spec's order (the manifest's RegionOrder), then any region it does not list."""
    regions = set(t.region for t in targets)
    spec_order = [r for r in preferences.get("RegionOrder", ()) if r in regions]
    others = [r for r in dict.fromkeys(t.region for t in targets) if r not in spec_order]
    return {**preferences, "RegionOrder": spec_order + others}


Overrides = tuple[tuple[str, ParameterValue], ...]
Groups = dict[tuple[tuple[str, ...], Overrides], list[Target]]


def _groups(changes: Sequence[InstanceChange]) -> Groups:
    """Instances that one call can serve: same account, same parameter overrides."""
    groups: Groups = {}
    for change in changes:
        key = ((change.target.account,), tuple(sorted(change.overrides.items())))
        groups.setdefault(key, []).append(change.target)
    return groups


def _unit_groups(changes: Sequence[InstanceChange]) -> Groups:
    """Accounts that one call can serve: same overrides in the same regions (a call's
    instances are its accounts times its regions)."""
    by_account = _groups(changes)
    merged: Groups = {}
    accounts: dict[tuple[tuple[str, ...], Overrides], list[str]] = {}
    for ((account,), overrides), targets in by_account.items():
        key = (tuple(sorted(t.region for t in targets)), overrides)
        accounts.setdefault(key, []).append(account)
        merged.setdefault(key, []).extend(targets)
    return {(tuple(accounts[key]), key[1]): merged[key] for key in merged}


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
    (outcome,) = run_operations(
        cfn, stack_set, [Step(method, list(targets), dict(arguments))], progress, poller
    )
    return outcome


def run_operations(
    cfn: Any, stack_set: str, steps: Sequence[Step], progress: Progress, poller: Poller
) -> list[Outcome]:
    """Start every step, then wait for each and report it.

    Several steps at once only make sense on a StackSet with ManagedExecution active, where
    CloudFormation runs non-conflicting operations concurrently and queues the others
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ManagedExecution.html);
    without it, a second operation is refused while one runs.
    """
    started = [_start(cfn, stack_set, step, progress) for step in steps]
    outcomes = []
    for step, begun in zip(steps, started, strict=True):
        if isinstance(begun, Outcome):
            outcome = begun
        else:
            status = poller.wait(cfn, stack_set, begun)
            outcome = Outcome(
                stack_set, status, _results(cfn, stack_set, begun, status, step.targets)
            )
        call = CALL_NAMES[step.method]
        for result in outcome.results:
            state = "failed" if result.failed else "succeeded"
            progress.update(
                stack_set, result.target, state, result.reason if result.failed else call
            )
        outcomes.append(outcome)
    return outcomes


def _start(cfn: Any, stack_set: str, step: Step, progress: Progress) -> str | Outcome:
    """The operation id, or the Outcome of a call rejected outright."""
    call = CALL_NAMES[step.method]
    for target in step.targets:
        progress.update(stack_set, target, "running", call)
    try:
        return str(
            getattr(cfn, step.method)(StackSetName=stack_set, **step.arguments)["OperationId"]
        )
    except ClientError as error:
        if is_refusal(error):
            raise
        # Rejected outright: the call names the instances, so they are what failed. (moto
        # creates instances synchronously and reports their failures this way.)
        reason = f"{call}: {error_message(error)}"
        return Outcome(
            stack_set, "FAILED", tuple(InstanceResult(t, "FAILED", reason) for t in step.targets)
        )


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
