"""DR066: a Region switch plan is triggered from outside the primary region.

Templates: every condition of every trigger of a plan names one of the plan's associated
alarms, and that alarm (its ResourceIdentifier ARN) lives in a Region other than the plan's
PrimaryRegion: the outside view, which keeps working when the primary Region does not.
With a spec whose failover is automatic, a plan must have at least one trigger.
Spec: `failover.orchestrator: region_switch` with `failover.automatic` needs a health
monitor on a schedule (the secondary's probe of the primary API, whose alarm triggers the
plan); without one nothing starts the plan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler.model import Spec
from dr_compiler.policies.cfn import as_list
from dr_compiler.policies.cfn_plans import arn_region, plans
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateSet,
    Violation,
    resource_violation,
)


def check_spec(spec: Spec) -> Iterator[Violation]:
    failover = spec.failover
    monitor = spec.health_monitor
    if failover.region_switch and failover.automatic and (monitor is None or not monitor.schedule):
        yield Violation(
            "failover.orchestrator: region_switch is automatic, but no function probes the "
            "primary API on a schedule (access.metrics: publish): the plan has no trigger "
            "outside the primary region",
            "failover",
            path=("failover", "orchestrator"),
        )


def _condition_problems(props: Mapping[str, Any], trigger: Mapping[str, Any]) -> Iterator[str]:
    alarms = props.get("AssociatedAlarms") or {}
    primary = props.get("PrimaryRegion")
    for condition in as_list(trigger.get("Conditions")):
        name = condition.get("AssociatedAlarmName")
        alarm = alarms.get(name) if isinstance(alarms, Mapping) else None
        if alarm is None:
            yield f"names {name}, which is not one of the plan's associated alarms"
            continue
        region = arn_region(alarm.get("ResourceIdentifier"))
        if region is None or region == primary:
            where = f"in the primary region {primary}" if region else "in no known region"
            yield f"is alarm {name} {where}: it is lost with the region it should detect"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    spec = templates.spec
    for template, logical_id, props in plans(templates):
        triggers = as_list(props.get("Triggers"))
        if not triggers and spec is not None and spec.failover.automatic:
            yield resource_violation(
                template,
                logical_id,
                f"plan {logical_id} has no trigger, but the spec's failover is automatic",
                "Triggers",
            )
        for index, trigger in enumerate(triggers):
            for problem in _condition_problems(props, trigger):
                yield resource_violation(
                    template,
                    logical_id,
                    f"plan {logical_id}: a condition of trigger {index} {problem}",
                    "Triggers",
                    index,
                    "Conditions",
                )


RULE = Rule(
    id="DR066",
    title="A Region switch plan is triggered from outside the primary region",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "A trigger alarm in the primary Region is evaluated by the primary Region's "
        "CloudWatch: when that Region is impaired, the alarm that should start the failover "
        "is impaired with it. Region switch evaluates triggers and runs executions on a data "
        "plane in each Region, so an alarm in the Region being activated (the secondary's "
        "own probe of the primary API) keeps the whole path outside the failure."
    ),
    remediation=(
        "Compile with failover.orchestrator: region_switch and a health monitor on a "
        "schedule (access.metrics: publish): the plan's trigger is the secondary's "
        "FailoverTriggerAlarm. In a hand-written plan, associate an alarm of the secondary "
        "Region and name it in the trigger's conditions."
    ),
    docs="https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Trigger.html",
    bad_example=(
        "AssociatedAlarms:\n  api-health:\n    AlarmType: trigger\n    ResourceIdentifier: "
        "arn:aws:cloudwatch:us-east-1:111111111111:alarm:api-health   # the primary\n"
    ),
    good_example=(
        "AssociatedAlarms:\n  failover-trigger:\n    AlarmType: trigger\n    ResourceIdentifier: "
        "arn:aws:cloudwatch:us-west-2:111111111111:alarm:failover-trigger\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("failover", "monitoring"),
)
