"""What StackSets need before the first deploy, the way `cdk bootstrap` prepares an account.

Two pieces, both idempotent (a second run changes nothing):

- a plain stack in the administering account with the StackSet administration role and the
  execution role. The execution role cannot come from a self-managed StackSet: StackSets assume
  it to deploy anything at all. Target accounts other than the administering one get it from
  `bootstrap --trust <administering account>` run with their own credentials.
- a StackSet with the artifact bucket (customer KMS key with rotation, versioning, public
  access blocked, TLS only) in every target account and region. `deploy` uploads the Lambda
  zips there, and the administration region's bucket also carries templates too large to
  send inline.

The templates come from compiler/bootstrap.py (troposphere, no boto3); the template rules run
over them here, before anything is deployed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from dr_compiler.compiler.bootstrap import (
    artifacts_stack_set_name,
    artifacts_template,
    organization_artifacts_stack_name,
    organization_artifacts_template,
    output_reader_template,
    roles_stack_name,
    roles_template,
)
from dr_compiler.compiler.manifest import operation_preferences
from dr_compiler.compiler.naming import (
    ADMINISTRATION_ROLE,
    EXECUTION_ROLE,
    isolated_vault_stack_name,
)
from dr_compiler.compiler.services.backup import isolated_vault_regions, isolated_vault_template
from dr_compiler.deploy.aws import AwsClients, error_code
from dr_compiler.deploy.bundle import Organization
from dr_compiler.deploy.executor import StackSetRequest, StackSetWriter, stack_set_settings
from dr_compiler.deploy.operations import DeployFailed, Poller, failure_line
from dr_compiler.deploy.organization import (
    check_stack_sets_access,
    organization_id,
    target_accounts,
)
from dr_compiler.deploy.plan import Action, DesiredStackSet, Target, counted, plan_stack_set
from dr_compiler.deploy.progress import Progress
from dr_compiler.deploy.state import parameter_values, read_stack_set
from dr_compiler.errors import Location, Problem, SpecInvalidError
from dr_compiler.model import Spec
from dr_compiler.pipeline import bootstrap_findings, bootstrap_template_set, compile_with_packages

CAPABILITIES = ("CAPABILITY_NAMED_IAM",)
WAITER = {"Delay": 5, "MaxAttempts": 720}


@dataclass(frozen=True)
class BootstrapSummary:
    stack: str
    stack_action: str
    stack_set: str
    stack_set_action: str
    operations: int

    def __str__(self) -> str:
        lines = [f"bootstrap stack {self.stack}: {self.stack_action}"]
        if self.stack_set:
            lines.append(
                f"bootstrap StackSet {self.stack_set}: {self.stack_set_action} "
                f"({counted(self.operations, 'StackSet operation')})"
            )
        return "\n".join(lines)


def render(template: Mapping[str, Any]) -> str:
    return json.dumps(template, indent=2, sort_keys=True) + "\n"


# Deploying


def bootstrap(
    spec: Spec,
    clients: AwsClients,
    progress: Progress,
    poller: Poller,
    trust: str | None = None,
) -> BootstrapSummary:
    """Deploy the roles stack; then, in the administering account, the artifact StackSet."""
    if spec.deployment.service_managed:
        return _bootstrap_organization(spec, clients, progress, poller)
    roles, artifacts = roles_template(spec), artifacts_template(spec)
    check_bootstrap_templates(spec, {"roles": roles, "artifacts": artifacts})
    stack = roles_stack_name(spec)
    parameters = _roles_parameters(spec, clients, stack, trust)
    stack_action = deploy_stack(clients.client("cloudformation"), stack, roles, parameters)
    if trust is not None:
        return BootstrapSummary(stack, stack_action, "", "", 0)
    action, operations = _deploy_artifacts(spec, clients, progress, poller, artifacts)
    return BootstrapSummary(stack, stack_action, artifacts_stack_set_name(spec), action, operations)


def _bootstrap_organization(
    spec: Spec, clients: AwsClients, progress: Progress, poller: Poller
) -> BootstrapSummary:
    """Service-managed: check StackSets may deploy; the administering account's artifact
    bucket in every region (plain stacks: service-managed StackSets never deploy to the
    management account); the output reader role in every target account (a StackSet)."""
    deployment = spec.deployment
    organizations = clients.client("organizations")
    check_stack_sets_access(organizations, clients.account_id, deployment.call_as)
    artifacts = organization_artifacts_template(spec, organization_id(organizations))
    reader = output_reader_template(spec, clients.account_id)
    check_bootstrap_templates(spec, {"organization-artifacts": artifacts, "output-reader": reader})
    stack = organization_artifacts_stack_name(spec)
    actions = {
        deploy_stack(clients.client("cloudformation", region), stack, artifacts, {})
        for region in spec.regions.all
    }
    stack_action = actions.pop() if len(actions) == 1 else Action.UPDATE.value
    accounts = target_accounts(
        organizations,
        deployment.organizational_units,
        deployment.account_filter_type,
        deployment.filter_accounts,
    )
    targets = tuple(Target(a, deployment.administration_region) for a in accounts)
    organization = Organization(
        deployment.organizational_units,
        deployment.account_filter_type,
        deployment.filter_accounts,
        deployment.administration_account,
        {"Enabled": True, "RetainStacksOnAccountRemoval": False},
    )
    action, operations = _deploy_stack_set(
        spec, clients, progress, poller, reader, targets, organization
    )
    return BootstrapSummary(stack, stack_action, artifacts_stack_set_name(spec), action, operations)


def check_bootstrap_templates(spec: Spec, templates: Mapping[str, Mapping[str, Any]]) -> None:
    """The template rules over the bootstrap templates about to be deployed, as `build` runs
    them over its own: a finding (not ACCEPTED) stops the bootstrap before anything deploys."""
    region = spec.deployment.administration_region
    findings = bootstrap_findings(bootstrap_template_set(templates, region))
    if findings:
        raise SpecInvalidError([Problem(f.location, f"{f.rule_id} {f.message}") for f in findings])


def _deploy_artifacts(
    spec: Spec, clients: AwsClients, progress: Progress, poller: Poller, template: dict[str, Any]
) -> tuple[str, int]:
    targets = tuple(
        Target(account, region)
        for account in spec.deployment.accounts
        for region in spec.regions.all
    )
    return _deploy_stack_set(spec, clients, progress, poller, template, targets)


def _deploy_stack_set(
    spec: Spec,
    clients: AwsClients,
    progress: Progress,
    poller: Poller,
    template: dict[str, Any],
    targets: tuple[Target, ...],
    organization: Organization | None = None,
) -> tuple[str, int]:
    name = artifacts_stack_set_name(spec)
    managed = {"Active": spec.deployment.managed_execution}
    settings = stack_set_settings(organization, managed, inbound=False)
    desired = DesiredStackSet(name, 0, template, targets, settings=settings)
    state = read_stack_set(clients.client("cloudformation"), name, overrides=False)
    plan = plan_stack_set(desired, state)
    progress.wave(0, [name])
    if not plan.changed:
        for target in targets:
            progress.update(name, target, "unchanged")
        return Action.UNCHANGED.value, 0
    writer = StackSetWriter(clients, progress, poller, operation_preferences(spec), organization)
    request = StackSetRequest(
        name,
        f"dr-compiler bootstrap: {spec.app} {spec.environment}",
        {"TemplateBody": render(template)},
        CAPABILITIES,
    )
    operations, failures = writer.apply(request, desired, plan)
    if failures:
        raise DeployFailed([Problem(Location(spec.file), failure_line(name, f)) for f in failures])
    return plan.action.value, operations


def _roles_parameters(
    spec: Spec, clients: AwsClients, stack: str, trust: str | None
) -> dict[str, str]:
    caller = clients.account_id
    owned = _stack_resources(clients.client("cloudformation"), stack)
    iam = clients.client("iam")
    administering = trust is None
    target = caller in spec.deployment.accounts
    # `deploy` sends large templates through the caller's bucket in this region; the artifact
    # StackSet makes it only when this account is a target and this region one of the spec's.
    bucket_from_stack_set = target and clients.region in spec.regions.all

    def may_create(role: str, logical_id: str) -> bool:
        # A role this stack made stays in it; a role made by anyone else is left alone.
        return logical_id in owned or not _role_exists(iam, role)

    return {
        "AdministratorAccountId": trust or caller,
        "CreateAdministrationRole": _flag(
            administering and may_create(ADMINISTRATION_ROLE, "AdministrationRole")
        ),
        "CreateExecutionRole": _flag(
            (target or not administering) and may_create(EXECUTION_ROLE, "ExecutionRole")
        ),
        "CreateArtifactBucket": _flag(administering and not bucket_from_stack_set),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _role_exists(iam: Any, role: str) -> bool:
    try:
        iam.get_role(RoleName=role)
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            return False
        raise
    return True


def _stack_resources(cfn: Any, stack: str) -> set[str]:
    existing = _describe_stack(cfn, stack)
    if existing is None:
        return set()
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    return {
        str(summary["LogicalResourceId"])
        for page in pages
        for summary in page.get("StackResourceSummaries", [])
    }


def deploy_isolated_vaults(spec: Spec, clients: AwsClients) -> list[str]:
    """In the backup account: one plain stack per region whose plans copy to it. Deployed with
    the backup account's own credentials, never by a StackSet of the protected accounts."""
    compiled, _ = compile_with_packages(spec)
    templates = ((s.stack.region, s.template) for s in compiled.stacks)
    stack = isolated_vault_stack_name(spec)
    return [
        f"isolated vault stack {stack} in {region}: "
        + deploy_stack(
            clients.client("cloudformation", region),
            stack,
            isolated_vault_template(spec, region, date.today()),
            {},
        )
        for region in isolated_vault_regions(spec, templates)
    ]


# Plain stacks


def deploy_stack(
    cfn: Any, name: str, template: Mapping[str, Any], parameters: Mapping[str, str]
) -> str:
    """Create or update a plain stack and wait; "unchanged" when template and parameters match."""
    existing = _describe_stack(cfn, name)
    if existing is not None and existing["StackStatus"] == "ROLLBACK_COMPLETE":
        # A stack whose creation failed can only be deleted; creating it again is the retry.
        cfn.delete_stack(StackName=name)
        _wait(cfn, "stack_delete_complete", name)
        existing = None
    arguments = {
        "StackName": name,
        "TemplateBody": render(template),
        "Parameters": [
            {"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())
        ],
        "Capabilities": list(CAPABILITIES),
    }
    if existing is None:
        cfn.create_stack(**arguments)
        _wait(cfn, "stack_create_complete", name)
        return Action.CREATE.value
    deployed_parameters = parameter_values(existing.get("Parameters", []))
    if _deployed_template(cfn, name) == template and deployed_parameters == parameters:
        return Action.UNCHANGED.value
    cfn.update_stack(**arguments)
    _wait(cfn, "stack_update_complete", name)
    return Action.UPDATE.value


def _describe_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(cfn.describe_stacks(StackName=name)["Stacks"][0])
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in str(error):
            return None
        raise


def _deployed_template(cfn: Any, name: str) -> Any:
    # botocore already decodes a JSON TemplateBody into a dict; a string means YAML or text.
    body = cfn.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def _wait(cfn: Any, waiter: str, name: str) -> None:
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=WAITER)
    except WaiterError:
        stack = _describe_stack(cfn, name) or {}
        raise DeployFailed(
            f"stack {name} is {stack.get('StackStatus', 'gone')}: "
            f"{stack.get('StackStatusReason', 'see its events in the CloudFormation console')}"
        ) from None
