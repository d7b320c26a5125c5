"""Tearing a deployment down: stack instances, then StackSets, in reverse wave order.

Only specs that say so may be destroyed: a production spec never, and any other only with
`lifecycle.force_destroy: true`, which is also what makes its data stores deletable (DR020).
The bootstrap (roles and artifact buckets) stays, as `cdk destroy` leaves `cdk bootstrap`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dr_compiler.deploy.operations import Poller, instance_steps, run_operation
from dr_compiler.deploy.plan import InstanceChange, counted
from dr_compiler.deploy.progress import Progress
from dr_compiler.deploy.state import read_stack_set
from dr_compiler.errors import EXIT_INVALID, DrCompilerError, Location, Problem
from dr_compiler.model import Spec


class DestroyRefused(DrCompilerError):
    """The spec does not allow destroying its deployment (exit 1)."""

    exit_code = EXIT_INVALID


class DestroyFailed(DrCompilerError):
    """Deleting stack instances failed; the StackSets before it are gone (exit 1)."""

    exit_code = EXIT_INVALID


@dataclass(frozen=True)
class DestroySummary:
    deleted: tuple[str, ...]
    absent: tuple[str, ...]
    operations: int

    def __str__(self) -> str:
        return (
            f"destroyed: {counted(len(self.deleted), 'StackSet')} deleted, {len(self.absent)} "
            f"already absent ({counted(self.operations, 'StackSet operation')}); "
            "the bootstrap stays"
        )


def check_destroyable(spec: Spec) -> None:
    where = Location(spec.file)
    if spec.metadata.production:
        raise DestroyRefused(
            Problem(where, "refusing to destroy a production deployment (metadata.production)")
        )
    if not spec.force_destroy:
        raise DestroyRefused(
            Problem(
                where,
                "refusing to destroy: lifecycle.force_destroy is false, so data stores are "
                "retained and buckets cannot be emptied; set it to true and deploy first",
            )
        )


def destroy(
    spec: Spec,
    cfn: Any,
    waves: Sequence[tuple[int, str]],
    progress: Progress,
    poller: Poller,
    preferences: Mapping[str, Any],
    units: Sequence[str] = (),
) -> DestroySummary:
    check_destroyable(spec)
    deleted: list[str] = []
    absent: list[str] = []
    operations = 0
    for wave, name in sorted(waves, reverse=True):
        progress.wave(wave, [name])
        state = read_stack_set(cfn, name, overrides=False)
        if state is None:
            absent.append(name)
            continue
        # As deploy removes instances: per account, or (service-managed) per set of regions.
        removals = [InstanceChange(i.target, "remove") for i in state.instances]
        for step in instance_steps("delete_stack_instances", removals, preferences, units):
            operations += 1
            outcome = run_operation(
                cfn, step.method, name, step.targets, progress, poller, step.arguments
            )
            if not outcome.succeeded:
                raise DestroyFailed(
                    [
                        Problem(
                            Location(spec.file),
                            f"{name}: deleting the instance in account {f.target.account} "
                            f"region {f.target.region} failed: {f.reason or f.status}",
                        )
                        for f in outcome.failures
                    ]
                )
        cfn.delete_stack_set(StackSetName=name)
        deleted.append(name)
    return DestroySummary(tuple(deleted), tuple(absent), operations)
