"""Physical names as CloudFormation will render them, for the naming and matching rules.

A name in a template is a plain string, an `Fn::Sub` text, or an `Fn::Join` of strings and
pseudo parameters. Rules read it as one text in which `${AWS::Region}` is replaced by the
template's region (known at build time) and `${AWS::AccountId}` stays a placeholder: it is
the same account for every stack of a build, so two texts that both carry it still compare.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler.policies.cfn import NAME_PROPERTIES, as_list, text_of
from dr_compiler.policies.rule import TemplateDoc

ACCOUNT = "${AWS::AccountId}"
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
"""A literal account id."""
REGION = "${AWS::Region}"

# Pseudo parameters a Ref inside Fn::Join or an Fn::Sub variable map may name.
_PSEUDO = ("AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix")

# Tag properties that are not called `Tags`, and the one nested place (global-table replicas).
_TAG_PROPERTIES = ("Tags", "BackupVaultTags", "BackupPlanTags", "HealthCheckTags")


def _part_text(part: Any) -> str | None:
    """One piece of an Fn::Join: a string, a Sub text or a pseudo-parameter Ref."""
    if isinstance(part, Mapping) and part.get("Ref") in _PSEUDO:
        return "${" + part["Ref"] + "}"
    return text_of(part)


def name_text(value: Any) -> str | None:
    """The text of a name: a string, a pseudo-parameter Ref, an `Fn::Sub` (variables that
    are strings or pseudo parameters substituted) or an `Fn::Join` of such parts; None for
    anything else."""
    if isinstance(value, Mapping) and "Fn::Join" in value:
        joined = value["Fn::Join"]
        if not isinstance(joined, list) or len(joined) != 2 or not isinstance(joined[1], list):
            return None
        parts = [_part_text(part) for part in joined[1]]
        texts = [part for part in parts if part is not None]
        return str(joined[0]).join(texts) if len(texts) == len(parts) else None
    text = _part_text(value)
    if text is None:
        return None
    sub = value.get("Fn::Sub") if isinstance(value, Mapping) else None
    if isinstance(sub, list) and len(sub) > 1 and isinstance(sub[1], Mapping):
        for variable, replacement in sub[1].items():
            replaced = _part_text(replacement)
            if replaced is not None:
                text = text.replace("${" + variable + "}", replaced)
    return text


def rendered(text: str, region: str) -> str:
    """The text with `${AWS::Region}` substituted; `${AWS::AccountId}` is kept."""
    return text.replace(REGION, region)


def rendered_name(value: Any, region: str) -> str | None:
    text = name_text(value)
    return None if text is None else rendered(text, region)


def resource_name(template: TemplateDoc, logical_id: str, prop: str) -> str | None:
    """The rendered name that property `prop` of resource `logical_id` holds, if readable."""
    return rendered_name(template.properties(logical_id).get(prop), template.region)


def named_resources(template: TemplateDoc) -> Iterator[tuple[str, str, str, str]]:
    """(logical id, resource type, property, rendered name) of every explicit physical name
    (the properties of cfn.NAME_PROPERTIES), with Fn::Join names read too."""
    for logical_id, resource in template.resources(*NAME_PROPERTIES):
        props = resource.get("Properties", {})
        for prop in NAME_PROPERTIES[resource["Type"]]:
            name = rendered_name(props.get(prop), template.region)
            if name is not None:
                yield logical_id, resource["Type"], prop, name


def tokens(name: str) -> list[str]:
    return name.split("-")


def has_token_run(name: str, run: str) -> bool:
    """Whether `run` (itself possibly hyphenated, like a region) is a whole run of
    `-`-delimited tokens of `name`."""
    words, wanted = tokens(name), tokens(run)
    width = len(wanted)
    return any(words[i : i + width] == wanted for i in range(len(words) - width + 1))


def tags_of(value: Any) -> dict[str, Any] | None:
    """Key -> value of a tag property in either form CloudFormation takes (a list of
    {Key, Value}, or a map); None when an intrinsic function computes it and it cannot be
    read."""
    if value is None:
        return {}
    if isinstance(value, list):
        return {
            t["Key"]: t.get("Value")
            for t in value
            if isinstance(t, Mapping) and isinstance(t.get("Key"), str)
        }
    if isinstance(value, Mapping) and not any(k == "Ref" or k.startswith("Fn::") for k in value):
        return dict(value)
    return None


def tag_value(resource: Mapping[str, Any], key: str) -> Any:
    """The value of tag `key` on a resource (or on any replica of a global table), or None."""
    props = resource.get("Properties", {})
    for prop in _TAG_PROPERTIES:
        tags = tags_of(props.get(prop)) or {}
        if key in tags:
            return tags[key]
    for replica in as_list(props.get("Replicas")):
        tags = (tags_of(replica.get("Tags")) if isinstance(replica, Mapping) else None) or {}
        if key in tags:
            return tags[key]
    return None
