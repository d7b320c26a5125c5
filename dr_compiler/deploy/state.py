"""Reading what is deployed: StackSets, their stack instances, and the instances' stack outputs.

Everything here only reads; the results are the plain values `plan` compares against.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from dr_compiler.deploy.aws import AwsClients, error_code, one_line
from dr_compiler.deploy.plan import DeployedInstance, DeployedStackSet, Target
from dr_compiler.errors import EXIT_INVALID, DrCompilerError

MISSING_STACK_SET = "StackSetNotFoundException"
# The largest page ListStackInstances returns (MaxResults 1-100), so a StackSet of many instances
# costs a call per hundred of them, not per default page
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackInstances.html).
INSTANCE_PAGE = {"PageSize": 100}
# StackSets name an instance's stack StackSet-<name>-<uuid>; moto 5.2 names it StackSet:<name>.
INSTANCE_STACK_NAME = r"StackSet[-:]{name}(-[0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}})?"


class OutputsUnavailable(DrCompilerError):
    """An earlier wave's stack instance cannot supply its outputs yet (exit 1)."""

    exit_code = EXIT_INVALID


def read_stack_set(cfn: Any, name: str, overrides: bool = True) -> DeployedStackSet | None:
    """The StackSet `name` in the administration region, or None when it does not exist.

    Only DescribeStackInstance returns an instance's ParameterOverrides, one call per instance;
    with `overrides=False` (a StackSet whose instances take none) the ListStackInstances pages
    say everything else, so reading costs calls per StackSet, not per instance.
    """
    try:
        stack_set = cfn.describe_stack_set(StackSetName=name)["StackSet"]
    except ClientError as error:
        if error_code(error) == MISSING_STACK_SET:
            return None
        raise
    return DeployedStackSet(
        name=name,
        template_body=str(stack_set.get("TemplateBody", "")),
        parameters=parameter_values(stack_set.get("Parameters", [])),
        instances=read_instances(cfn, name, overrides),
        settings=settings(stack_set),
    )


def settings(stack_set: Mapping[str, Any]) -> dict[str, Any]:
    """ManagedExecution and AutoDeployment as the plan compares them, where reported:
    RetainStacksOnAccountRemoval means something only while auto-deployment is on."""
    found: dict[str, Any] = {}
    if "ManagedExecution" in stack_set:
        found["ManagedExecution"] = {
            "Active": bool(stack_set["ManagedExecution"].get("Active", False))
        }
    if "AutoDeployment" in stack_set:
        found["AutoDeployment"] = auto_deployment(
            bool(stack_set["AutoDeployment"].get("Enabled", False)),
            bool(stack_set["AutoDeployment"].get("RetainStacksOnAccountRemoval", False)),
        )
    return found


def auto_deployment(enabled: bool, retain_stacks: bool) -> dict[str, bool]:
    if not enabled:
        return {"Enabled": False}
    return {"Enabled": True, "RetainStacksOnAccountRemoval": retain_stacks}


def read_instances(cfn: Any, name: str, overrides: bool = True) -> tuple[DeployedInstance, ...]:
    summaries = [
        summary
        for page in cfn.get_paginator("list_stack_instances").paginate(
            StackSetName=name, PaginationConfig=INSTANCE_PAGE
        )
        for summary in page.get("Summaries", [])
    ]
    if overrides:
        summaries = [_described(cfn, name, s) for s in summaries]
    return tuple(sorted((_instance(s) for s in summaries), key=lambda i: i.target))


def with_overrides(cfn: Any, state: DeployedStackSet) -> DeployedStackSet:
    """`state` (read without overrides) with every instance's ParameterOverrides read."""
    instances = tuple(
        _instance(
            _described(cfn, state.name, {"Account": i.target.account, "Region": i.target.region})
        )
        for i in state.instances
    )
    return dataclasses.replace(state, instances=instances)


def _described(cfn: Any, name: str, summary: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(
        cfn.describe_stack_instance(
            StackSetName=name,
            StackInstanceAccount=summary["Account"],
            StackInstanceRegion=summary["Region"],
        )["StackInstance"]
    )


def _instance(instance: Mapping[str, Any]) -> DeployedInstance:
    """A StackInstance or StackInstanceSummary (the summary lacks ParameterOverrides)."""
    return DeployedInstance(
        target=Target(str(instance["Account"]), str(instance["Region"])),
        status=str(instance.get("Status", "")),
        detailed_status=str(instance.get("StackInstanceStatus", {}).get("DetailedStatus", "")),
        reason=one_line(str(instance.get("StatusReason", "") or "")),
        overrides=parameter_values(instance.get("ParameterOverrides", [])),
        stack_id=str(instance.get("StackId", "") or ""),
        last_operation=str(instance.get("LastOperationId", "") or ""),
    )


def parameter_values(parameters: list[Mapping[str, Any]]) -> dict[str, str]:
    """{ParameterKey: ParameterValue} of a Parameters or ParameterOverrides list."""
    return {str(p["ParameterKey"]): str(p.get("ParameterValue", "")) for p in parameters}


def read_outputs(clients: AwsClients, stack_set: str, instance: DeployedInstance) -> dict[str, str]:
    """The outputs of a stack instance's stack, read in its own account and region."""
    if instance.status != "CURRENT":
        raise OutputsUnavailable(
            f"{stack_set} in {instance.target} is "
            f"{' '.join(filter(None, (instance.status, instance.detailed_status)))}: "
            f"{instance.reason or 'not deployed yet'}"
        )
    cfn = clients.for_account(instance.target.account).client(
        "cloudformation", instance.target.region
    )
    stack = _instance_stack(cfn, stack_set, instance)
    return {str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs", [])}


def _instance_stack(cfn: Any, stack_set: str, instance: DeployedInstance) -> Mapping[str, Any]:
    if instance.stack_id:
        try:
            return dict(cfn.describe_stacks(StackName=instance.stack_id)["Stacks"][0])
        except ClientError as error:
            if error_code(error) != "ValidationError":
                raise
    # moto 5.2 reports a StackId that no stack carries; the stack's name still identifies it.
    pattern = re.compile(INSTANCE_STACK_NAME.format(name=re.escape(stack_set)))
    for page in cfn.get_paginator("describe_stacks").paginate():
        for stack in page.get("Stacks", []):
            if pattern.fullmatch(stack["StackName"]) and stack["StackStatus"] != "DELETE_COMPLETE":
                return dict(stack)
    raise OutputsUnavailable(f"{stack_set} in {instance.target}: its stack was not found")
