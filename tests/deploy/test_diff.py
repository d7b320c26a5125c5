"""The template diff: resources added, removed, changed property by property."""

from __future__ import annotations

from typing import Any

from dr_compiler.deploy.diff import MISSING, Change, deep_diff, diff_templates


def queue(timeout: int = 180, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {"QueueName": "payments-dev", "VisibilityTimeout": timeout, **properties},
    }


def template(**resources: Any) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def test_equal_templates_have_no_diff() -> None:
    assert diff_templates(template(Q=queue()), template(Q=queue())).empty


def test_a_changed_property_is_one_change_with_its_path() -> None:
    diff = diff_templates(template(Q=queue(180)), template(Q=queue(240)))
    (entry,) = diff.entries
    assert (entry.section, entry.name, entry.kind, entry.action) == (
        "Resources",
        "Q",
        "AWS::SQS::Queue",
        "modify",
    )
    assert entry.changes == (Change("Properties.VisibilityTimeout", 180, 240),)


def test_added_and_removed_resources() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {}}
    diff = diff_templates(template(Q=queue()), template(T=topic))
    assert [(e.name, e.kind, e.action) for e in diff.entries] == [
        ("Q", "AWS::SQS::Queue", "remove"),
        ("T", "AWS::SNS::Topic", "add"),
    ]
    assert diff.removes_resources


def test_a_new_property_is_a_change_from_missing() -> None:
    diff = diff_templates(template(Q=queue()), template(Q=queue(DelaySeconds=5)))
    assert diff.entries[0].changes == (Change("Properties.DelaySeconds", MISSING, 5),)


def test_tags_are_compared_by_key_not_position() -> None:
    old = [{"Key": "CostCenter", "Value": "Ops"}, {"Key": "Owner", "Value": "a"}]
    new = [
        {"Key": "Application", "Value": "payments"},
        {"Key": "CostCenter", "Value": "Ops"},
        {"Key": "Owner", "Value": "b"},
    ]
    assert list(deep_diff({"Tags": old}, {"Tags": new})) == [
        Change("Tags[Application]", MISSING, "payments"),
        Change("Tags[Owner]", "a", "b"),
    ]


def test_lists_of_equal_length_are_compared_by_index() -> None:
    old = {"Subnets": [{"Ref": "A"}, {"Ref": "B"}]}
    new = {"Subnets": [{"Ref": "A"}, {"Ref": "C"}]}
    assert list(deep_diff(old, new)) == [Change("Subnets[1].Ref", "B", "C")]


def test_lists_of_different_length_change_as_a_whole() -> None:
    assert list(deep_diff({"L": [1]}, {"L": [1, 2]})) == [Change("L", [1], [1, 2])]


def test_outputs_and_parameters_are_diffed_by_entry() -> None:
    old = {**template(Q=queue()), "Outputs": {"Url": {"Value": {"Ref": "Q"}}}}
    new = {
        **template(Q=queue()),
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Q", "Arn"]}}},
        "Parameters": {"PeerVpcId": {"Type": "String"}},
    }
    assert [(e.section, e.name, e.action) for e in diff_templates(old, new).entries] == [
        ("Parameters", "PeerVpcId", "add"),
        ("Outputs", "Arn", "add"),
        ("Outputs", "Url", "remove"),
    ]


def test_top_level_keys_such_as_the_description() -> None:
    old = {**template(), "Description": "a"}
    new = {**template(), "Description": "b"}
    (entry,) = diff_templates(old, new).entries
    assert (entry.section, entry.name, entry.changes) == (
        "Template",
        "Description",
        (Change("", "a", "b"),),
    )
