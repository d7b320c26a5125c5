"""DR063: a trigger that can lose data needs M-of-N evidence, never one data point.

Spec: with failover.automatic and failover.allow_data_loss, failover.datapoints_to_alarm (M)
is at least 2 and at most failover.evaluation_periods (N; CloudWatch rejects M > N).
Templates: every CloudWatch alarm whose AlarmActions reach, through an SNS topic and a Lambda
subscription, a failover function that may lose data (see cfn_failover) alarms on at least 2
datapoints: DatapointsToAlarm, or EvaluationPeriods when DatapointsToAlarm is absent
(CloudWatch then requires every evaluated period to breach).
"""

from __future__ import annotations

from collections.abc import Iterator

from dr_compiler import blocks
from dr_compiler.model import Spec
from dr_compiler.policies.cfn_failover import invoked_functions, loses_data
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateSet,
    Violation,
    resource_violation,
)

MIN_DATAPOINTS = 2


def check_spec(spec: Spec) -> Iterator[Violation]:
    failover = spec.failover
    if not failover.automatic:
        return
    datapoints, periods = failover.datapoints_to_alarm, failover.evaluation_periods
    if failover.allow_data_loss and datapoints < MIN_DATAPOINTS:
        yield Violation(
            f"failover.datapoints_to_alarm is {datapoints}: one failing datapoint would start a "
            f"failover that may lose data; require at least {MIN_DATAPOINTS}",
            "failover",
            path=("failover", "datapoints_to_alarm"),
        )
    if datapoints > periods:
        yield Violation(
            f"failover.datapoints_to_alarm ({datapoints}) exceeds failover.evaluation_periods "
            f"({periods}): CloudWatch needs M of N with M <= N",
            "failover",
            path=("failover", "datapoints_to_alarm"),
        )


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(blocks.alarms.ALARM.type):
        props = resource.get("Properties", {})
        lossy = [
            function
            for target, function in invoked_functions(templates, template, props)
            if loses_data(target, function)
        ]
        if not lossy:
            continue
        prop = "DatapointsToAlarm" if "DatapointsToAlarm" in props else "EvaluationPeriods"
        try:
            datapoints = int(props.get(prop, 1))
        except (TypeError, ValueError):
            continue  # a parameter or intrinsic: not decidable here
        if datapoints < MIN_DATAPOINTS:
            yield resource_violation(
                template,
                logical_id,
                f"alarm {logical_id} starts {lossy[0]}, which may fail over with data loss, on "
                f"{datapoints} datapoint: require {prop} >= {MIN_DATAPOINTS}",
                prop,
            )


RULE = Rule(
    id="DR063",
    title="A trigger that can lose data needs M-of-N evidence, never one data point",
    severity=Severity.ERROR,
    level=Level.BOTH,
    rationale=(
        "An unplanned Aurora global failover with AllowDataLoss discards the writes not yet "
        "replicated and leaves the old primary to be rebuilt. Starting one on a single 60 s "
        "datapoint lets one network blip, one slow health check or one lost probe trade "
        "committed payments for a cross-region move. CloudWatch's M-of-N alarms "
        "(DatapointsToAlarm of EvaluationPeriods) ask for sustained evidence; each extra "
        "datapoint costs one period of RTO, which `objectives` shows."
    ),
    remediation=(
        "Set failover.datapoints_to_alarm to 2 or more (and failover.evaluation_periods to at "
        "least that), or set failover.allow_data_loss: false. In a hand-written template, give "
        "every alarm that notifies a failover topic DatapointsToAlarm >= 2."
    ),
    docs="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html",
    bad_example=(
        "failover:\n  automatic: true\n  allow_data_loss: true\n"
        "  datapoints_to_alarm: 1        # one blip fails over\n  evaluation_periods: 1\n"
    ),
    good_example=(
        "failover:\n  automatic: true\n  allow_data_loss: true\n"
        "  datapoints_to_alarm: 2        # 2 failing minutes out of 3\n  evaluation_periods: 3\n"
    ),
    check_spec=check_spec,
    check_templates=check_templates,
    tags=("failover", "monitoring"),
)
