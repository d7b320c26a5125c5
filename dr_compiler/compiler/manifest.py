"""The deployment manifest: the StackSets to create, in waves, and what flows between them.

`deploy` executes exactly this document; nothing about ordering is decided at deploy time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from dr_compiler.compiler.naming import (
    artifact_bucket,
    isolated_vault_name,
    isolated_vault_stack_name,
    stack_set_name,
)
from dr_compiler.compiler.services.backup import isolated_vault_file, isolated_vault_regions
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.errors import DrCompilerError, Location, Problem
from dr_compiler.model import Spec

MANIFEST_FORMAT = "dr-compiler-manifest/v1"

# CloudFormation quotas that bind StackSets (CloudFormation quotas page).
INLINE_TEMPLATE_BYTES = 51_200
S3_TEMPLATE_BYTES = 1_000_000
MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200


class TemplateLimitError(DrCompilerError):
    """A template exceeds a CloudFormation quota; refused at build time (exit 1)."""

    exit_code = 1


def build_manifest(
    compiled: CompiledSpec, rendered: Mapping[str, bytes], artifacts: Mapping[str, Any]
) -> dict[str, Any]:
    spec = compiled.spec
    _check_limits(compiled, rendered)
    stack_sets = [
        _stack_set(compiled, stack, rendered[stack.stack.file]) for stack in compiled.stacks
    ]
    waves: dict[int, list[str]] = {}
    for entry in stack_sets:
        waves.setdefault(entry["wave"], []).append(entry["name"])
    return {
        "format": MANIFEST_FORMAT,
        "app": spec.app,
        "environment": spec.environment,
        "production": spec.metadata.production,
        "force_destroy": spec.force_destroy,
        "regions": {"primary": spec.regions.primary, "secondaries": list(spec.regions.secondaries)},
        "administration_region": spec.deployment.administration_region,
        **stack_set_options(spec),
        "operation_preferences": operation_preferences(spec),
        "waves": [
            {"wave": wave, "stack_sets": sorted(names)} for wave, names in sorted(waves.items())
        ],
        "stack_sets": stack_sets,
        **_isolated_backup(compiled),
        "artifacts": [
            {
                "function": name,
                "source": package["source"],
                "key": package["key"],
                "sha256": package["sha256"],
                "bytes": package["bytes"],
                "buckets": {region: artifact_bucket(spec, region) for region in spec.regions.all},
            }
            for name, package in sorted(artifacts.items())
        ],
    }


def stack_set_options(spec: Spec) -> dict[str, Any]:
    """Permission model, targets and the StackSet settings that go with them.

    Service-managed StackSets target organizational units (DeploymentTargets
    OrganizationalUnitIds, narrowed by AccountFilterType and Accounts) and take AutoDeployment,
    which self-managed ones reject; CallAs and ManagedExecution apply to both
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeploymentTargets.html).
    """
    deployment = spec.deployment
    options: dict[str, Any] = {
        "permission_model": deployment.permission_model.upper(),
        "call_as": deployment.call_as,
        "managed_execution": {"Active": deployment.managed_execution},
    }
    if not deployment.service_managed:
        return {**options, "targets": {"accounts": list(deployment.accounts)}}
    targets: dict[str, Any] = {"organizational_units": list(deployment.organizational_units)}
    if deployment.account_filter_type != "NONE":
        targets["account_filter"] = {
            "type": deployment.account_filter_type,
            "accounts": list(deployment.filter_accounts),
        }
    return {
        **options,
        "targets": targets,
        "administration_account": deployment.administration_account,
        "auto_deployment": {
            "Enabled": deployment.auto_deployment,
            "RetainStacksOnAccountRemoval": deployment.retain_stacks_on_account_removal,
        },
    }


def stack_set_capabilities(template: Mapping[str, Any]) -> list[str]:
    """What a StackSet operation must acknowledge for `template` (CreateStackSet Capabilities,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html).

    CAPABILITY_NAMED_IAM: the templates hold IAM resources with custom names.
    CAPABILITY_AUTO_EXPAND: "If your stack set template references one or more macros, you
    must create the stack set directly from the processed template ... you must acknowledge
    this capability"; a template-level Transform (aurora.py's AWS::SecretsManager) is a macro.
    Only the StackSets whose template has one acknowledge it.
    """
    if "Transform" in template:
        return ["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
    return ["CAPABILITY_NAMED_IAM"]


def operation_preferences(spec: Spec) -> dict[str, Any]:
    """The spec's StackSet operation preferences, as the StackSets API spells them.

    Count or percentage, never both, and RegionOrder in the spec's order, primary first
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).
    """
    deployment = spec.deployment
    concurrency = (
        {"MaxConcurrentPercentage": deployment.max_concurrent_percentage}
        if deployment.max_concurrent_percentage is not None
        else {"MaxConcurrentCount": deployment.max_concurrent}
    )
    tolerance = (
        {"FailureTolerancePercentage": deployment.failure_tolerance_percentage}
        if deployment.failure_tolerance_percentage is not None
        else {"FailureToleranceCount": deployment.failure_tolerance}
    )
    return {
        "RegionConcurrencyType": deployment.region_concurrency,
        "RegionOrder": list(spec.regions.all),
        **concurrency,
        **tolerance,
    }


def _isolated_backup(compiled: CompiledSpec) -> dict[str, Any]:
    """The backup account's vault stacks (backup.isolated_copy), outside every StackSet."""
    spec = compiled.spec
    regions = isolated_vault_regions(spec, ((s.stack.region, s.template) for s in compiled.stacks))
    if not regions:
        return {}
    return {
        "isolated_backup": {
            "account": spec.backup.isolated_account,
            "vault": spec.backup.isolated_vault,
            "stack": isolated_vault_stack_name(spec),
            "vaults": [
                {
                    "region": region,
                    "name": isolated_vault_name(spec, region),
                    "template": isolated_vault_file(region),
                }
                for region in regions
            ],
        }
    }


def _stack_set(compiled: CompiledSpec, stack: Any, body: bytes) -> dict[str, Any]:
    spec = compiled.spec
    template = stack.template
    return {
        "name": stack_set_name(spec, stack.stack.key),
        "stack": stack.stack.key,
        "phase": stack.stack.phase.value,
        "template": stack.stack.file,
        "template_sha256": hashlib.sha256(body).hexdigest(),
        "template_bytes": len(body),
        "template_transport": "inline" if len(body) <= INLINE_TEMPLATE_BYTES else "s3",
        "resources": len(template.get("Resources", {})),
        "capabilities": stack_set_capabilities(template),
        "regions": [stack.stack.region],
        "wave": stack.wave,
        "parameters": [
            {
                "name": flow.parameter,
                "stack_set": stack_set_name(spec, flow.source.key),
                "region": flow.source.region,
                "output": flow.output,
            }
            for flow in sorted(stack.inbound, key=lambda f: f.parameter)
        ],
        "requires": sorted(
            {stack_set_name(spec, r.source.key) for r in stack.requires}
            | {stack_set_name(spec, f.source.key) for f in stack.inbound}
        ),
        "outputs": sorted(template.get("Outputs", {})),
    }


def _check_limits(compiled: CompiledSpec, rendered: Mapping[str, bytes]) -> None:
    problems = []
    for stack in compiled.stacks:
        name = stack_set_name(compiled.spec, stack.stack.key)
        counts = {
            "bytes": (len(rendered[stack.stack.file]), S3_TEMPLATE_BYTES),
            "resources": (len(stack.template.get("Resources", {})), MAX_RESOURCES),
            "parameters": (len(stack.template.get("Parameters", {})), MAX_PARAMETERS),
            "outputs": (len(stack.template.get("Outputs", {})), MAX_OUTPUTS),
        }
        for what, (count, limit) in counts.items():
            if count > limit:
                problems.append(
                    Problem(
                        Location(compiled.spec.file),
                        f"StackSet {name} ({stack.stack.file}) has {count} {what}; "
                        f"CloudFormation allows {limit}",
                    )
                )
    if problems:
        raise TemplateLimitError(problems)
