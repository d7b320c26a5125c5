"""Follow references across the templates of one build.

An attach stack reads its region's network, key and security groups from the base stack of
the same region through `Fn::ImportValue` (same-region only, which is exactly the base/attach
split). Rules that judge a resource by what it is wired to (a subnet's routes, the groups a
load balancer uses) resolve such an import to the resource the exporting template defines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dr_compiler.policies.cfn import att_target, text_of
from dr_compiler.policies.rule import TemplateDoc, TemplateSet

Target = tuple[TemplateDoc, str]
"""A resource of the set: the template that defines it and its logical id."""

ExportIndex = dict[tuple[str, str], tuple[TemplateDoc, Any]]
"""(region, export name) -> (exporting template, the output's Value)."""


def export_index(templates: TemplateSet) -> ExportIndex:
    """Every exported output of the set, keyed by region and export name."""
    index: ExportIndex = {}
    for template in templates.templates:
        for output in template.body.get("Outputs", {}).values():
            name = text_of(output.get("Export", {}).get("Name"))
            if name is not None:
                index[(template.region, name)] = (template, output.get("Value"))
    return index


def import_name(value: Any) -> str | None:
    """The export name when `value` is exactly an `Fn::ImportValue`, else None."""
    if isinstance(value, Mapping) and len(value) == 1 and "Fn::ImportValue" in value:
        return text_of(value["Fn::ImportValue"])
    return None


def local_target(template: TemplateDoc, value: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` names, if it is a resource of `template`."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    if "Ref" in value:
        target = value["Ref"]
    elif "Fn::GetAtt" in value:
        target = att_target(value["Fn::GetAtt"])
    else:
        return None
    return target if target in template.body.get("Resources", {}) else None


def resolve(exports: ExportIndex, template: TemplateDoc, value: Any) -> Target | None:
    """The resource `value` designates: a Ref/GetAtt of this template, or an import of an
    output (itself a Ref/GetAtt) that a template of the same region exports."""
    local = local_target(template, value)
    if local is not None:
        return template, local
    name = import_name(value)
    if name is None or (template.region, name) not in exports:
        return None
    exporter, exported = exports[(template.region, name)]
    target = local_target(exporter, exported)
    return (exporter, target) if target is not None else None
