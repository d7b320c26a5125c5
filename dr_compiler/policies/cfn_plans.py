"""Readers of ARC Region switch plans (AWS::ARCRegionSwitch::Plan), for DR065-DR069.

Property names follow the provider schema cfn-lint ships (Workflows[].Steps[] with
ExecutionBlockType and ExecutionBlockConfiguration; Parallel blocks nest Steps;
AssociatedAlarms is a map of name -> {AlarmType, ResourceIdentifier}; Triggers[].Conditions[]
name an associated alarm).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, text_of
from dr_compiler.policies.rule import TemplateDoc, TemplateSet

PLAN = blocks.region_switch.PLAN.type
PARALLEL = "Parallel"
_ARN_REGION = re.compile(r"^arn:[^:]+:[^:]+:([^:]*):")

Plan = tuple[TemplateDoc, str, Mapping[str, Any]]
"""A plan of the set: its template, logical id and properties."""


def plans(templates: TemplateSet) -> Iterator[Plan]:
    for template, logical_id, resource in templates.all_resources(PLAN):
        yield template, logical_id, resource.get("Properties", {})


def steps(workflow: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every step of a workflow in execution order, the steps of Parallel blocks included."""
    for step in as_list(workflow.get("Steps")):
        if step.get("ExecutionBlockType") == PARALLEL:
            nested = (step.get("ExecutionBlockConfiguration") or {}).get("ParallelConfig") or {}
            yield from steps(nested)
        else:
            yield step


def block(step: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The configuration of a step's execution block (e.g. GlobalAuroraConfig), or {}."""
    return (step.get("ExecutionBlockConfiguration") or {}).get(key) or {}


def activations(props: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(index, workflow) of each workflow that activates a Region."""
    for index, workflow in enumerate(as_list(props.get("Workflows"))):
        if workflow.get("WorkflowTargetAction") == "activate":
            yield index, workflow


def arn_region(value: Any) -> str | None:
    """The region field of an ARN (plain or Fn::Sub text), None when it is not an ARN."""
    # Pseudo parameters hold colons of their own (`${AWS::Partition}`): take them out first.
    text = re.sub(r"\$\{[^}]*\}", "x", text_of(value) or "")
    match = _ARN_REGION.match(text)
    return match.group(1) if match else None


def report_bucket_path(props: Mapping[str, Any]) -> Any:
    """The BucketPath of the plan's S3 report output, or None when reports are off."""
    outputs = as_list((props.get("ReportConfiguration") or {}).get("ReportOutput"))
    for output in outputs:
        path = (output.get("S3Configuration") or {}).get("BucketPath")
        if path is not None:
            return path
    return None
