"""DR090: the objectives are achievable: every component's computed RPO and RTO are within them.

The figures come from `dr_compiler.objectives`, which derives them from the spec and the AWS
documentation; this rule only compares. A finding names the component, the computed figure
with its arithmetic, the objective, and the spec setting to change; its location is that
setting (or, when no setting can help, the objective to raise).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from dr_compiler.model import Spec
from dr_compiler.objectives.estimators import estimate
from dr_compiler.objectives.figures import Breach, ComponentEstimate, sum_text
from dr_compiler.objectives.text import fmt_seconds
from dr_compiler.policies.rule import Level, Rule, Severity, Violation


def message(component: ComponentEstimate, breach: Breach) -> str:
    figures = component.rpo if breach.metric == "RPO" else component.rto_steps
    # One figure: its own arithmetic says how it came about; several: the sum.
    how = figures[0].arithmetic if len(figures) == 1 else sum_text(figures)
    over = (
        ""
        if math.isinf(breach.computed)
        else f" by {fmt_seconds(breach.computed - breach.objective)}"
    )
    return (
        f"{component.label}: computed {breach.metric} {fmt_seconds(breach.computed)} ({how}) "
        f"exceeds the objective of {fmt_seconds(breach.objective)}{over}: {breach.advice}"
    )


def check_spec(spec: Spec) -> Iterator[Violation]:
    for component in estimate(spec):
        for breach in component.breaches():
            yield Violation(message(component, breach), component.label, path=breach.setting)


RULE = Rule(
    id="DR090",
    title="Objectives are achievable: the computed RTO and RPO of every component are within "
    "`objectives`",
    severity=Severity.ERROR,
    level=Level.SPEC,
    rationale=(
        "Recovery objectives written in a spec are promises; the architecture either keeps "
        "them or it does not, and that is arithmetic the compiler can do before anything is "
        "deployed. Detection (health-check interval x failure threshold), the health-check "
        "alarm, the failover function, the Aurora promotion and the DNS TTL add up to the "
        "RTO; replication lag (Aurora, DynamoDB), S3 Replication Time Control (15 minutes; "
        "none without RTC) and the backup schedule bound the RPO. Each figure comes from the "
        "AWS documentation page the report cites."
    ),
    remediation=(
        "Change the setting the finding names (for example enable rtc on a bucket, use the "
        "fast 10 s health-check interval, lower the failure threshold or the DNS TTL, back "
        "up more often), or, when no setting can reach it, raise the component's objective "
        "under objectives.components. `dr-compiler objectives SPEC` shows every figure, its "
        "source and the margin."
    ),
    docs="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html",
    bad_example=(
        "objectives:\n  components:\n    buckets: {rpo_seconds: 900}\nstorage:\n  buckets:\n"
        "    - name: documents\n      replication: {rtc: false}   # no time bound\n"
    ),
    good_example=(
        "objectives:\n  components:\n    buckets: {rpo_seconds: 900}\nstorage:\n  buckets:\n"
        "    - name: documents\n      replication: {rtc: true}    # 99.99 % within 15 min\n"
    ),
    check_spec=check_spec,
    tags=("objectives",),
)
