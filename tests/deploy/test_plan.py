"""The pure plan: create / update / unchanged, parameters, instances, and its renderings."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from dr_compiler.deploy.plan import (
    Action,
    DeployedInstance,
    DeployedStackSet,
    DesiredStackSet,
    PendingValue,
    Target,
    make_plan,
    plan_stack_set,
    render_json,
    render_text,
)

EAST = Target("111111111111", "us-east-1")
WEST = Target("111111111111", "us-west-2")


def template(timeout: int = 180) -> dict[str, Any]:
    return {
        "Parameters": {"PeerVpcId": {"Type": "String"}},
        "Resources": {
            "PaymentsQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": "payments-dev", "VisibilityTimeout": timeout},
            }
        },
    }


def desired(
    timeout: int = 180, vpc: str = "vpc-1", targets: tuple[Target, ...] = (EAST,)
) -> DesiredStackSet:
    return DesiredStackSet(
        "payments-us-east-1-dev",
        2,
        template(timeout),
        targets,
        {t: {"PeerVpcId": vpc} for t in targets},
    )


def deployed(
    timeout: int = 180,
    vpc: str = "vpc-1",
    instances: tuple[DeployedInstance, ...] | None = None,
) -> DeployedStackSet:
    if instances is None:
        instances = (DeployedInstance(EAST, "CURRENT", "SUCCEEDED", "", {"PeerVpcId": vpc}),)
    return DeployedStackSet(
        "payments-us-east-1-dev", json.dumps(template(timeout)), {"PeerVpcId": vpc}, instances
    )


def test_a_missing_stack_set_is_created_with_every_instance() -> None:
    plan = plan_stack_set(desired(targets=(EAST, WEST)), None)
    assert plan.action is Action.CREATE
    assert [(i.target, i.action) for i in plan.instances] == [(EAST, "add"), (WEST, "add")]
    assert plan.resources == 1


def test_a_matching_stack_set_is_unchanged() -> None:
    plan = plan_stack_set(desired(), deployed())
    assert plan.action is Action.UNCHANGED
    assert not plan.changed and not plan.updates_stack_set and not plan.instances


def test_a_changed_property_updates_the_stack_set() -> None:
    plan = plan_stack_set(desired(timeout=240), deployed())
    assert plan.action is Action.UPDATE and plan.updates_stack_set
    (entry,) = plan.template.entries
    assert [(c.path, c.old, c.new) for c in entry.changes] == [
        ("Properties.VisibilityTimeout", 180, 240)
    ]
    assert not plan.instances and not plan.destructive


def test_a_new_output_value_changes_stack_set_and_instance_parameters() -> None:
    plan = plan_stack_set(desired(vpc="vpc-2"), deployed(vpc="vpc-1"))
    assert [(c.name, c.old, c.new) for c in plan.parameters] == [("PeerVpcId", "vpc-1", "vpc-2")]
    (instance,) = plan.instances
    assert instance.action == "update"
    assert [(c.name, c.old, c.new) for c in instance.changes] == [("PeerVpcId", "vpc-1", "vpc-2")]


def test_an_outdated_instance_is_retried_even_without_changes() -> None:
    failed = DeployedInstance(
        EAST, "OUTDATED", "FAILED", "Resource creation cancelled", {"PeerVpcId": "vpc-1"}
    )
    plan = plan_stack_set(desired(), deployed(instances=(failed,)))
    (instance,) = plan.instances
    assert (instance.action, instance.changes) == ("update", ())
    assert instance.reason == "OUTDATED (FAILED): Resource creation cancelled"
    assert plan.action is Action.UPDATE and not plan.updates_stack_set


def test_instances_are_added_and_removed_by_target() -> None:
    stale = DeployedInstance(WEST, "CURRENT", "SUCCEEDED", "", {"PeerVpcId": "vpc-1"})
    plan = plan_stack_set(desired(targets=(EAST,)), deployed(instances=(stale,)))
    assert [(i.target, i.action) for i in plan.instances] == [(EAST, "add"), (WEST, "remove")]
    assert plan.destructive


def test_pending_values_are_changes_until_known() -> None:
    pending = PendingValue("payments-us-west-2-base-dev", "us-west-2", "Vpc")
    wanted = DesiredStackSet("s", 2, template(), (EAST,), {EAST: {"PeerVpcId": pending}})
    plan = plan_stack_set(wanted, None)
    assert plan.parameters[0].new == pending
    assert "after it deploys" in render_text(make_plan([wanted], {}))


def test_text_rendering_shows_the_property_path_old_and_new() -> None:
    text = render_text(make_plan([desired(timeout=240)], {"payments-us-east-1-dev": deployed()}))
    assert text.splitlines() == [
        "wave 2",
        "  ~ payments-us-east-1-dev: update",
        "      ~ PaymentsQueue (AWS::SQS::Queue)",
        "          Properties.VisibilityTimeout: 180 → 240",
        "Plan: 0 to create, 1 to update, 0 unchanged.",
    ]


def test_text_rendering_of_no_changes() -> None:
    text = render_text(make_plan([desired()], {"payments-us-east-1-dev": deployed()}))
    assert text.splitlines() == [
        "wave 2",
        "  = payments-us-east-1-dev: unchanged",
        "No changes: 1 StackSet up to date.",
    ]


def test_json_rendering() -> None:
    plan = make_plan([desired(timeout=240, vpc="vpc-2")], {"payments-us-east-1-dev": deployed()})
    document = json.loads(render_json(plan))
    assert document["changed"] is True and document["destructive"] is False
    assert document["summary"] == {"create": 0, "update": 1, "unchanged": 0}
    (stack_set,) = document["stack_sets"]
    assert stack_set["template"] == [
        {
            "section": "Resources",
            "name": "PaymentsQueue",
            "type": "AWS::SQS::Queue",
            "action": "modify",
            "changes": [{"path": "Properties.VisibilityTimeout", "old": 180, "new": 240}],
        }
    ]
    assert stack_set["parameters"] == [{"name": "PeerVpcId", "old": "vpc-1", "new": "vpc-2"}]
    assert stack_set["instances"] == [
        {
            "account": "111111111111",
            "region": "us-east-1",
            "action": "update",
            "reason": "",
            "parameters": [{"name": "PeerVpcId", "old": "vpc-1", "new": "vpc-2"}],
        }
    ]


def test_stack_set_parameters_take_the_first_targets_values() -> None:
    other = Target("222222222222", "us-east-1")
    wanted = DesiredStackSet(
        "s",
        1,
        template(),
        (other, EAST),
        {EAST: {"PeerVpcId": "vpc-a"}, other: {"PeerVpcId": "vpc-b"}},
    )
    assert wanted.parameters == {"PeerVpcId": "vpc-a"}


def test_a_template_that_is_not_json_compares_as_empty() -> None:
    stack_set = DeployedStackSet("s", "Resources: {}", {}, ())
    assert stack_set.template == {}


def test_many_instances_are_summed_up_per_region_and_action() -> None:
    accounts = [f"{n:012d}" for n in range(1, 33)]
    targets = tuple(Target(a, "us-east-1") for a in accounts)
    created = render_text(make_plan([desired(targets=targets)], {}))
    assert "  + payments-us-east-1-dev: create (1 resources in 32 accounts in us-east-1)" in created
    # 20 deployed and current, 1 of them with an old value, 1 outdated; 12 new accounts.
    instances = tuple(
        DeployedInstance(
            t,
            "OUTDATED" if i == 1 else "CURRENT",
            "FAILED" if i == 1 else "SUCCEEDED",
            "",
            {"PeerVpcId": "vpc-0" if i == 0 else "vpc-1"},
        )
        for i, t in enumerate(targets[:20])
    )
    plan = make_plan(
        [desired(targets=targets)], {"payments-us-east-1-dev": deployed(instances=instances)}
    )
    assert render_text(plan).splitlines() == [
        "wave 2",
        "  ~ payments-us-east-1-dev: update",
        "      instances in us-east-1: 12 to add",
        "      instances in us-east-1: 1 to update (parameter values change)",
        "      instances in us-east-1: 1 to update (not CURRENT)",
        "Plan: 0 to create, 1 to update, 0 unchanged.",
    ]
    # The JSON plan still lists every instance.
    listed = json.loads(render_json(plan))["stack_sets"][0]["instances"]
    assert len(listed) == 14 and {i["action"] for i in listed} == {"add", "update"}


def test_a_changed_stack_set_setting_updates_the_stack_set() -> None:
    on = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    wanted = dataclasses.replace(desired(), settings={"AutoDeployment": on})
    reported = dataclasses.replace(deployed(), settings={"AutoDeployment": {"Enabled": False}})
    plan = plan_stack_set(wanted, reported)
    assert plan.action is Action.UPDATE and plan.updates_stack_set
    assert render_text(make_plan([wanted], {wanted.name: reported})).splitlines()[1:3] == [
        "  ~ payments-us-east-1-dev: update",
        '      setting AutoDeployment: {"Enabled": false} → '
        '{"Enabled": true, "RetainStacksOnAccountRemoval": false}',
    ]
    # A setting the endpoint does not report cannot be compared, so it changes nothing.
    assert plan_stack_set(wanted, deployed()).action is Action.UNCHANGED
