"""DR069: a Region switch plan declares the spec's recovery time objective.

With a spec: every plan's RecoveryTimeObjectiveMinutes equals the failover objective of the
spec in whole minutes, rounded up (objectives.plan_objective_minutes; the property takes 1 to
10080 minutes). Region switch compares each execution's measured recovery time with this
value in its dashboards and reports
(https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-create-plan.html), so a
plan that declares another objective than the spec judges executions by the wrong bar.
DR090 separately checks that the plan's steps can meet the objective.
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler import blocks
from dr_compiler.objectives.plan import plan_objective_minutes
from dr_compiler.policies.cfn_plans import plans
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateSet,
    Violation,
    resource_violation,
)


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    spec = templates.spec
    if spec is None:
        return
    wanted = plan_objective_minutes(spec)
    seconds = blocks.region_switch.BLOCK.objective(spec).rto_seconds
    for template, logical_id, props in plans(templates):
        declared = props.get("RecoveryTimeObjectiveMinutes")
        if declared != wanted:
            shown = "none" if declared is None else f"{declared} minutes"
            yield resource_violation(
                template,
                logical_id,
                f"plan {logical_id} declares a recovery time objective of {shown}; the spec's "
                f"failover objective is {seconds} s, so {wanted} minutes",
                "RecoveryTimeObjectiveMinutes",
            )


RULE = Rule(
    id="DR069",
    title="A Region switch plan declares the spec's recovery time objective",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Region switch measures the recovery time of every execution and shows it against "
        "the plan's RecoveryTimeObjectiveMinutes. When that number is not the objective the "
        "spec (and the business) committed to, a slow failover looks on target, or a good "
        "one looks late, and nobody reads the dashboard the same way as the spec."
    ),
    remediation=(
        "Compile the plan from the spec (failover.orchestrator: region_switch): its "
        "RecoveryTimeObjectiveMinutes is objectives.rto_seconds (or the failover "
        "component's) in minutes, rounded up. In a hand-written plan, set it to that value."
    ),
    docs="https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-create-plan.html",
    bad_example=(
        "objectives: {rto_seconds: 300}\n# template\nRecoveryTimeObjectiveMinutes: 60   # not "
        "the spec's 5 minutes\n"
    ),
    good_example="objectives: {rto_seconds: 300}\n# template\nRecoveryTimeObjectiveMinutes: 5\n",
    check_templates=check_templates,
    tags=("failover", "objectives"),
)
