"""Running a plan: wave by wave, StackSet by StackSet, with the clients passed in.

Each wave is planned just before it runs, from fresh state, with the parameter values read from
the outputs of the waves before it. That is what makes `deploy` resumable: after a failure,
running it again finds the finished waves unchanged (no operation), and carries on where it
stopped. A StackSet whose plan is unchanged gets no operation and no upload.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from dr_compiler.compiler.naming import ADMINISTRATION_ROLE, EXECUTION_ROLE
from dr_compiler.deploy.aws import (
    AwsClients,
    error_code,
    error_message,
    is_refusal,
    partition,
)
from dr_compiler.deploy.bundle import Bundle, Organization, ParameterFlow, StackSetSource
from dr_compiler.deploy.journal import Entry, Journal, fingerprint, usable
from dr_compiler.deploy.operations import (
    DeployFailed,
    InstanceResult,
    Poller,
    Step,
    failure_line,
    instance_steps,
    parameter_list,
    run_operations,
    with_region_order,
)
from dr_compiler.deploy.organization import target_accounts
from dr_compiler.deploy.plan import (
    Action,
    DeployedStackSet,
    DesiredStackSet,
    ParameterValue,
    PendingValue,
    Plan,
    StackSetPlan,
    Target,
    counted,
    make_plan,
    plan_stack_set,
)
from dr_compiler.deploy.progress import Progress
from dr_compiler.deploy.state import (
    OutputsUnavailable,
    auto_deployment,
    read_outputs,
    read_stack_set,
    with_overrides,
)
from dr_compiler.errors import Location, Problem

ZIP_CONTENT_TYPE = "application/zip"
JSON_CONTENT_TYPE = "application/json"
# HeadObject has no body, so a missing key shows as the bare HTTP status.
MISSING_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class StackSetOutcome:
    name: str
    action: Action
    operations: int = 0
    uploads: int = 0
    failures: tuple[InstanceResult, ...] = ()


@dataclass(frozen=True)
class DeploySummary:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    operations: int
    uploads: int

    @classmethod
    def of(cls, outcomes: Sequence[StackSetOutcome]) -> DeploySummary:
        def named(action: Action) -> tuple[str, ...]:
            return tuple(o.name for o in outcomes if o.action is action)

        return cls(
            named(Action.CREATE),
            named(Action.UPDATE),
            named(Action.UNCHANGED),
            sum(o.operations for o in outcomes),
            sum(o.uploads for o in outcomes),
        )

    def __str__(self) -> str:
        return (
            f"deployed: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged ({counted(self.operations, 'StackSet operation')}, "
            f"{counted(self.uploads, 'upload')})"
        )


@dataclass(frozen=True)
class StackSetRequest:
    """What CreateStackSet/UpdateStackSet need besides the plan."""

    name: str
    description: str
    template: Mapping[str, str]  # {"TemplateBody": ...} or {"TemplateURL": ...}
    capabilities: tuple[str, ...]


@dataclass(frozen=True)
class StackSetWriter:
    """Applies one StackSet's plan: create or update it, then add, update, remove instances."""

    clients: AwsClients
    progress: Progress
    poller: Poller
    preferences: Mapping[str, Any]
    organization: Organization | None = None

    @property
    def units(self) -> tuple[str, ...]:
        return self.organization.units if self.organization else ()

    @property
    def cfn(self) -> Any:
        return self.clients.client("cloudformation")

    def apply(
        self, request: StackSetRequest, desired: DesiredStackSet, plan: StackSetPlan
    ) -> tuple[int, tuple[InstanceResult, ...]]:
        """Run the plan's operations in order; stop at the first that fails.

        Returns the number of operations started and the failed instances.
        """
        if plan.action is Action.CREATE:
            failures = self._create(request, desired)
            if failures:
                return 0, failures
        operations = 0
        concurrent = bool(desired.settings.get("ManagedExecution", {}).get("Active"))
        for batch in _batches(self._steps(request, desired, plan), concurrent):
            operations += len(batch)
            outcomes = run_operations(self.cfn, request.name, batch, self.progress, self.poller)
            # An outcome that did not succeed always names failed instances (see _results).
            failures = tuple(f for outcome in outcomes for f in outcome.failures)
            if failures:
                return operations, failures
        return operations, ()

    def _steps(
        self, request: StackSetRequest, desired: DesiredStackSet, plan: StackSetPlan
    ) -> list[Step]:
        """The operations the plan needs, in order: the StackSet, then its instances."""
        steps: list[Step] = []
        if plan.updates_stack_set:
            # No Accounts/Regions: UpdateStackSet then updates every instance, which also
            # retries any left OUTDATED by an earlier failure.
            added = {i.target for i in plan.instances_to("add")}
            removed = {i.target for i in plan.instances_to("remove")}
            existing = sorted((set(desired.targets) - added) | removed)
            arguments = {
                **request.template,
                **self._stack_set_arguments(request, desired),
                # The regions of the instances the update touches, those to remove included.
                "OperationPreferences": with_region_order(
                    self.preferences, existing or desired.targets
                ),
            }
            steps.append(Step("update_stack_set", existing, arguments))
        updates = [
            i for i in plan.instances_to("update") if i.changes or not plan.updates_stack_set
        ]
        for method, changes in (
            ("create_stack_instances", plan.instances_to("add")),
            ("update_stack_instances", updates),
            ("delete_stack_instances", plan.instances_to("remove")),
        ):
            steps.extend(instance_steps(method, changes, self.preferences, self.units))
        return steps

    def _create(
        self, request: StackSetRequest, desired: DesiredStackSet
    ) -> tuple[InstanceResult, ...]:
        for target in desired.targets:
            self.progress.update(request.name, target, "pending", "CreateStackSet")
        try:
            self.cfn.create_stack_set(
                StackSetName=request.name,
                Description=request.description,
                PermissionModel="SERVICE_MANAGED" if self.organization else "SELF_MANAGED",
                **request.template,
                **self._stack_set_arguments(request, desired),
            )
        except ClientError as error:
            if is_refusal(error):
                raise
            reason = f"CreateStackSet: {error_message(error)}"
            for target in desired.targets:
                self.progress.update(request.name, target, "failed", reason)
            return tuple(InstanceResult(t, "FAILED", reason) for t in desired.targets)
        return ()

    def _stack_set_arguments(
        self, request: StackSetRequest, desired: DesiredStackSet
    ) -> dict[str, Any]:
        common = {
            "Parameters": parameter_list(desired.parameters),
            "Capabilities": list(request.capabilities),
            **desired.settings,
        }
        if self.organization is not None:
            # Service-managed: StackSets makes and uses its own roles in the organization's
            # accounts (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html).
            return common
        administration_role = (
            f"arn:{partition(self.clients.region)}:iam::{self.clients.account_id}:role/"
            f"{ADMINISTRATION_ROLE}"
        )
        return {
            **common,
            "AdministrationRoleARN": administration_role,
            "ExecutionRoleName": EXECUTION_ROLE,
        }


@dataclass(frozen=True)
class Executor:
    bundle: Bundle
    clients: AwsClients
    poller: Poller = field(default_factory=Poller)
    _states: dict[str, DeployedStackSet | None] = field(default_factory=dict, repr=False)
    _outputs: dict[tuple[str, Target], dict[str, str]] = field(default_factory=dict, repr=False)
    _accounts: list[tuple[str, ...]] = field(default_factory=list, repr=False)
    _journal: list[Journal] = field(default_factory=list, repr=False)

    @property
    def cfn(self) -> Any:
        return self.clients.client("cloudformation")

    @property
    def journal(self) -> Journal:
        """What earlier deploys gave the instances of StackSets with inbound values."""
        if not self._journal:
            region = self.clients.region
            bucket = self.bundle.artifact_bucket(self.clients.account_id, region)
            key = f"journal/{self.bundle.spec.app}-{self.bundle.spec.environment}.json"
            self._journal.append(Journal.load(self.clients.client("s3", region), bucket, key))
        return self._journal[0]

    def writer(self, progress: Progress) -> StackSetWriter:
        return StackSetWriter(
            self.clients,
            progress,
            self.poller,
            self.bundle.operation_preferences,
            self.bundle.organization,
        )

    @property
    def accounts(self) -> tuple[str, ...]:
        """The target accounts: the spec's, or the organizational units' accounts now."""
        organization = self.bundle.organization
        if organization is None:
            return self.bundle.accounts
        if not self._accounts:
            self._accounts.append(
                target_accounts(
                    self.clients.client("organizations"),
                    organization.units,
                    organization.filter_type,
                    organization.filter_accounts,
                )
            )
        return self._accounts[0]

    def plan(self) -> Plan:
        """The whole plan against what is deployed now; values of undeployed waves pending."""
        desired = [self.desired(s, pending_ok=True) for s in self.bundle.stack_sets]
        return make_plan(desired, {s.name: self.state(s.name) for s in self.bundle.stack_sets})

    def deploy(self, progress: Progress) -> DeploySummary:
        """Deploy wave by wave; stop before the next wave when anything in one failed."""
        outcomes: list[StackSetOutcome] = []
        for number, stack_sets in self.bundle.waves:
            progress.wave(number, [s.name for s in stack_sets])
            wave = [self._deploy_stack_set(source, progress) for source in stack_sets]
            outcomes.extend(wave)
            failures = [(o.name, f) for o in wave for f in o.failures]
            if failures:
                raise DeployFailed(_failure_report(self.bundle.spec.file, number, failures))
        return DeploySummary.of(outcomes)

    def _deploy_stack_set(self, source: StackSetSource, progress: Progress) -> StackSetOutcome:
        desired = self.desired(source, pending_ok=False)
        plan = plan_stack_set(desired, self.state(source.name))
        # The journal entry to write once the StackSet matches `desired` (inbound values only).
        entry = (
            Entry(self._source_fingerprints(source), _known(desired.overrides))
            if source.parameters
            else None
        )
        if not plan.changed:
            for target in desired.targets:
                progress.update(source.name, target, "unchanged")
            if entry is not None and self.journal.entries.get(source.name) != entry:
                self.journal.record(source.name, entry)
            return StackSetOutcome(source.name, plan.action)
        uploads, failed = self._upload_artifacts(source, desired.targets, progress)
        if failed:
            return StackSetOutcome(source.name, plan.action, 0, uploads, failed)
        request = StackSetRequest(
            source.name,
            self.bundle.description(source),
            self._template_argument(source),
            source.capabilities,
        )
        if entry is not None:
            self.journal.forget(source.name)  # an interrupted deploy must read everything again
        try:
            operations, failed = self.writer(progress).apply(request, desired, plan)
        finally:
            # What this StackSet looks like, and what its instances output, may have changed.
            self._states.pop(source.name, None)
            for key in [k for k in self._outputs if k[0] == source.name]:
                del self._outputs[key]
        if entry is not None and not failed:
            self.journal.record(source.name, entry)
        return StackSetOutcome(source.name, plan.action, operations, uploads, failed)

    # Desired state

    def desired(self, source: StackSetSource, *, pending_ok: bool) -> DesiredStackSet:
        targets = tuple(
            Target(account, region) for account in self.accounts for region in source.regions
        )
        journaled = self._journaled(source)
        overrides = {
            target: journaled[target]
            if target in journaled
            else {
                flow.name: self._value(flow, target.account, pending_ok)
                for flow in source.parameters
            }
            for target in targets
        }
        settings = stack_set_settings(
            self.bundle.organization, self.bundle.managed_execution, bool(source.parameters)
        )
        return DesiredStackSet(
            source.name, source.wave, source.template, targets, overrides, settings
        )

    def _value(self, flow: ParameterFlow, account: str, pending_ok: bool) -> ParameterValue:
        """The output behind a parameter; pending (for `plan`) while it cannot be read yet."""
        try:
            outputs = self._instance_outputs(flow.stack_set, Target(account, flow.region))
            if flow.output not in outputs:
                raise OutputsUnavailable(
                    f"{flow.stack_set} in {account}/{flow.region} has no output {flow.output} "
                    f"for parameter {flow.name}"
                )
        except OutputsUnavailable:
            if pending_ok:
                return PendingValue(flow.stack_set, flow.region, flow.output)
            raise
        return outputs[flow.output]

    def _instance_outputs(self, stack_set: str, target: Target) -> dict[str, str]:
        key = (stack_set, target)
        if key not in self._outputs:
            state = self.state(stack_set)
            instance = (
                next((i for i in state.instances if i.target == target), None) if state else None
            )
            if instance is None:
                raise OutputsUnavailable(f"{stack_set} has no stack instance in {target} yet")
            self._outputs[key] = read_outputs(self.clients, stack_set, instance)
        return self._outputs[key]

    def state(self, name: str) -> DeployedStackSet | None:
        """The StackSet as deployed. Instances take overrides only where values flow in from
        earlier waves; those come from the journal while it is still right (see journal.py),
        else from one DescribeStackInstance per instance."""
        if name not in self._states:
            state = read_stack_set(self.cfn, name, overrides=False)
            source = next((s for s in self.bundle.stack_sets if s.name == name), None)
            if state is not None and source is not None and source.parameters:
                journaled = self._journaled(source, state)
                state = (
                    dataclasses.replace(
                        state,
                        instances=tuple(
                            dataclasses.replace(i, overrides=journaled[i.target])
                            for i in state.instances
                        ),
                    )
                    if journaled
                    else with_overrides(self.cfn, state)
                )
            self._states[name] = state
        return self._states[name]

    def _journaled(
        self, source: StackSetSource, state: DeployedStackSet | None = None
    ) -> Mapping[Target, Mapping[str, str]]:
        """The journal's overrides of `source`'s instances, or {} when it may be stale."""
        if not source.parameters:
            return {}
        entry = self.journal.entries.get(source.name)
        if entry is None:
            return {}
        current = state if state is not None else self.state(source.name)
        if not usable(entry, current, self._source_fingerprints(source)):
            return {}
        return entry.overrides

    def _source_fingerprints(self, source: StackSetSource) -> dict[str, str]:
        return {
            name: fingerprint(self.state(name))
            for name in sorted({flow.stack_set for flow in source.parameters})
        }

    # Uploads

    def _upload_artifacts(
        self, source: StackSetSource, targets: Sequence[Target], progress: Progress
    ) -> tuple[int, tuple[InstanceResult, ...]]:
        uploads = 0
        failures = []
        artifacts = self.bundle.artifacts_in(source)
        # Each bucket once, with the instances it serves (service-managed: one per region).
        places: dict[Target, list[Target]] = {}
        for target in targets if artifacts else ():
            place = Target(self.bundle.artifact_account(target.account), target.region)
            places.setdefault(place, []).append(target)
        for place, served in places.items():
            bucket = self.bundle.artifact_bucket(place.account, place.region)
            s3 = self.clients.for_account(place.account).client("s3", place.region)
            try:
                for artifact in artifacts:
                    uploads += _put_if_absent(
                        s3, bucket, artifact.key, artifact.package.zip_bytes, ZIP_CONTENT_TYPE
                    )
            except ClientError as error:
                if is_refusal(error):
                    raise
                reason = _upload_failure(bucket, error)
                for target in served:
                    progress.update(source.name, target, "failed", reason)
                    failures.append(InstanceResult(target, "FAILED", reason))
        return uploads, tuple(failures)

    def _template_argument(self, source: StackSetSource) -> dict[str, str]:
        if source.transport != "s3":
            return {"TemplateBody": source.body.decode()}
        # Templates over the 51,200-byte inline limit go through the administering account's
        # artifact bucket in the administration region, the one CloudFormation reads from.
        region = self.clients.region
        bucket = self.bundle.artifact_bucket(self.clients.account_id, region)
        key = f"templates/{source.name}/{source.sha256}.json"
        try:
            _put_if_absent(
                self.clients.client("s3", region), bucket, key, source.body, JSON_CONTENT_TYPE
            )
        except ClientError as error:
            if is_refusal(error):
                raise
            raise DeployFailed(f"{source.name}: {_upload_failure(bucket, error)}") from None
        return {"TemplateURL": s3_url(bucket, region, key)}


def _batches(steps: Sequence[Step], concurrent: bool) -> list[list[Step]]:
    """Steps to start together: with ManagedExecution active, the consecutive instance
    operations of one kind (different accounts do not conflict); else one at a time."""
    batches: list[list[Step]] = []
    for step in steps:
        joins = (
            concurrent
            and batches
            and step.method != "update_stack_set"
            and batches[-1][-1].method == step.method
        )
        if joins:
            batches[-1].append(step)
        else:
            batches.append([step])
    return batches


def stack_set_settings(
    organization: Organization | None, managed_execution: Mapping[str, bool], inbound: bool
) -> dict[str, Any]:
    """ManagedExecution, and for service-managed StackSets AutoDeployment (which self-managed
    ones reject), as CreateStackSet and UpdateStackSet take them.

    The spec's AutoDeployment applies to StackSets whose instances take no values from earlier
    waves (`inbound`). An auto-deployed instance gets the StackSet's own parameter values,
    which are another account's outputs (a peer VPC, a load balancer): so a StackSet with
    inbound values is not auto-deployed, and `deploy` adds a new account's instances with its
    own values once the earlier waves reached it.
    """
    found: dict[str, Any] = {"ManagedExecution": {"Active": bool(managed_execution["Active"])}}
    if organization is not None:
        wanted = organization.auto_deployment
        found["AutoDeployment"] = auto_deployment(
            bool(wanted["Enabled"]) and not inbound, bool(wanted["RetainStacksOnAccountRemoval"])
        )
    return found


def _put_if_absent(s3: Any, bucket: str, key: str, body: bytes, content_type: str) -> int:
    """Upload unless the key exists: keys are content hashes, so an existing key is identical."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return 0
    except ClientError as error:
        if error_code(error) not in MISSING_OBJECT_CODES:
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    return 1


def _upload_failure(bucket: str, error: ClientError) -> str:
    if error_code(error) == "NoSuchBucket":
        return f"artifact bucket {bucket} does not exist: run `dr-compiler bootstrap` first"
    return f"upload to {bucket} failed: {error_code(error)}: {error_message(error)}"


def s3_url(bucket: str, region: str, key: str) -> str:
    suffix = "amazonaws.com.cn" if partition(region) == "aws-cn" else "amazonaws.com"
    return f"https://{bucket}.s3.{region}.{suffix}/{key}"


def _failure_report(
    spec_file: str, wave: int, failures: Sequence[tuple[str, InstanceResult]]
) -> list[Problem]:
    lines = [f"wave {wave}: {failure_line(stack_set, f)}" for stack_set, f in failures]
    lines.append(
        f"waves before {wave} are deployed; fix the cause and run `dr-compiler deploy` "
        "again to resume"
    )
    return [Problem(Location(spec_file), line) for line in lines]


def _known(
    overrides: Mapping[Target, Mapping[str, ParameterValue]],
) -> dict[Target, dict[str, str]]:
    """The overrides of a state read with pending_ok=False, where `_value` raises rather than
    return a PendingValue: the journal records only values that were read."""
    known = {
        target: {name: value for name, value in values.items() if isinstance(value, str)}
        for target, values in overrides.items()
    }
    assert known == overrides, "a deploy journals only parameter values it has read"
    return known
