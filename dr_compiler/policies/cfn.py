"""Small readers of CloudFormation JSON shared by the template-level rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.rule import TemplateDoc


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_true(value: Any) -> bool:
    """CloudFormation accepts booleans and their string forms."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def text_of(value: Any) -> str | None:
    """A plain string, or the template string of an `Fn::Sub`; None for other intrinsics."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return None


def att_target(inner: Any) -> Any:
    """The logical id an `Fn::GetAtt` argument (`[Id, Attr]` or `"Id.Attr"`) names."""
    return inner[0] if isinstance(inner, list) else str(inner).split(".")[0]


def get_att(value: Any) -> tuple[str, str] | None:
    """(logical id, attribute) when `value` is an `Fn::GetAtt` of both, else None."""
    if not isinstance(value, Mapping) or "Fn::GetAtt" not in value:
        return None
    inner = value["Fn::GetAtt"]
    parts = inner if isinstance(inner, list) else str(inner).split(".", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def referenced_ids(value: Any) -> set[str]:
    """Logical ids that `value` reaches through Ref, Fn::GetAtt or ${Id} inside Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(att_target(inner))
            elif key == "Fn::Sub":
                text = inner if isinstance(inner, str) else inner[0]
                found |= {part.split("}")[0].split(".")[0] for part in text.split("${")[1:]}
                if isinstance(inner, list) and len(inner) > 1:
                    found |= referenced_ids(inner[1])
            else:
                found |= referenced_ids(inner)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item)
    return found


def imported_names(value: Any) -> set[str]:
    """Export names read through Fn::ImportValue."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Fn::ImportValue":
                name = text_of(inner)
                if name:
                    found.add(name)
            else:
                found |= imported_names(inner)
    elif isinstance(value, list):
        for item in value:
            found |= imported_names(item)
    return found


def iam_statements(
    template: TemplateDoc,
) -> Iterator[tuple[str, tuple[str | int, ...], Mapping[str, Any]]]:
    """(logical id, property path, statement) of every identity-policy statement in a template:
    inline role policies, AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents."""
    for logical_id, resource in template.resources(
        blocks.iam.ROLE.type, blocks.iam.POLICY.type, blocks.iam.MANAGED_POLICY.type
    ):
        props = resource.get("Properties", {})
        if resource["Type"] == blocks.iam.ROLE.type:
            for p_index, policy in enumerate(props.get("Policies", [])):
                base: tuple[str | int, ...] = ("Policies", p_index, "PolicyDocument", "Statement")
                for s_index, statement in enumerate(as_list(policy["PolicyDocument"]["Statement"])):
                    yield logical_id, (*base, s_index), statement
        else:
            for s_index, statement in enumerate(as_list(props["PolicyDocument"]["Statement"])):
                yield logical_id, ("PolicyDocument", "Statement", s_index), statement


def alarm_metrics(props: Mapping[str, Any]) -> Iterator[tuple[Any, Any, Any]]:
    """(namespace, metric name, Dimensions) of an alarm's metric, when it names one, and of
    each MetricStat of a metric-math alarm."""
    if "MetricName" in props or "Namespace" in props:
        yield props.get("Namespace"), props.get("MetricName"), props.get("Dimensions")
    for query in as_list(props.get("Metrics")):
        metric = (
            (query.get("MetricStat") or {}).get("Metric") if isinstance(query, Mapping) else None
        )
        if isinstance(metric, Mapping):
            yield metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions")


# Resource type -> properties that hold a physical name the compiler chose: from each
# resource kind's descriptor.
NAME_PROPERTIES: Mapping[str, tuple[str, ...]] = blocks.NAME_PROPERTIES
