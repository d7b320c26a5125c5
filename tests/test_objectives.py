"""The recovery-objective model: its arithmetic at the edge of each objective, its sources,
its schedules, and how it reaches the command line and the reports.

Each edge test follows the issue's recipe: a spec sits exactly on its objective; one setting
(the health-check interval, the failure threshold, the TTL, RTC) pushes the figure one second
over, which DR090 reports at that setting; one more second of objective makes it pass again.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dr_compiler.cli import run
from dr_compiler.model import Spec
from dr_compiler.objectives import (
    UNBOUNDED,
    ComponentEstimate,
    Figure,
    UnsupportedSchedule,
    estimate,
    plan_objective_minutes,
    plan_steps,
    schedule_period,
)
from dr_compiler.pipeline import build, load_model
from dr_compiler.policies.engine import check_spec
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Finding
from dr_compiler.report.objectives import render
from tests.specbuild import PROD_SPEC, THREE_REGIONS, build_spec, write_spec

DOCS = ("https://docs.aws.amazon.com/", "https://aws.amazon.com/")


def component(spec: Spec, label: str) -> ComponentEstimate:
    return next(e for e in estimate(spec) if e.label == label)


def dr090(spec: Spec) -> list[Finding]:
    return check_spec(spec, [rule("DR090")])


def with_objective(overrides: dict[str, Any], name: str, **objective: int) -> dict[str, Any]:
    return {**overrides, "objectives": {"components": {name: objective}}}


def health_check(interval: int, threshold: int) -> dict[str, Any]:
    return {
        "protocol": "HTTPS",
        "path": "/health",
        "interval_seconds": interval,
        "failure_threshold": threshold,
    }


def assert_edge(
    tmp_path: Path,
    *,
    inside: dict[str, Any],
    outside: dict[str, Any],
    name: str,
    label: str,
    metric: str,
    computed: int,
    setting: str,
) -> None:
    """`inside` meets an objective of computed - 1; `outside` (one setting changed) computes
    `computed`, one second over it, found at `setting`; with computed as the objective it
    passes."""
    key = f"{metric.lower()}_seconds"
    tight = computed - 1
    base = build_spec(tmp_path, with_objective(inside, name, **{key: tight}), "inside.yaml")
    assert component(base, label).meets_objectives
    assert dr090(base) == []

    over_file = write_spec(tmp_path, with_objective(outside, name, **{key: tight}), "out.yaml")
    over = load_model(over_file)
    estimate_over = component(over, label)
    total = estimate_over.rpo_seconds if metric == "RPO" else estimate_over.rto_seconds
    assert total == computed
    assert estimate_over.margins[metric.lower()] == -1
    findings = [f for f in dr090(over) if f.resource == label]
    assert len(findings) == 1
    assert f"computed {metric} {computed} s" in findings[0].message
    assert f"exceeds the objective of {tight} s by 1 s" in findings[0].message
    assert findings[0].location == over.locate(*estimate_over.setting_to_change)
    assert ".".join(map(str, estimate_over.setting_to_change)) == setting

    relaxed = build_spec(tmp_path, with_objective(outside, name, **{key: computed}), "ok.yaml")
    assert component(relaxed, label).meets_objectives
    assert [f for f in dr090(relaxed) if f.resource == label] == []


# --- the arithmetic at the edge of each objective -----------------------------------------


def test_health_check_interval_pushes_dns_rto_one_second_over(tmp_path: Path) -> None:
    # 30 s x 3 + 59 s TTL = 149 s; the fast interval gives 10 s x 3 + 59 s = 89 s.
    assert_edge(
        tmp_path,
        inside={"dns": {"ttl_seconds": 59, "health_check": health_check(10, 3)}},
        outside={"dns": {"ttl_seconds": 59, "health_check": health_check(30, 3)}},
        name="dns",
        label="dns",
        metric="RTO",
        computed=149,
        setting="dns.health_check.interval_seconds",
    )


def test_failure_threshold_pushes_dns_rto_one_second_over(tmp_path: Path) -> None:
    # 10 s x 4 + 30 s TTL = 70 s; with a threshold of 3, 60 s. Detection is the bigger
    # adjustable step, so the finding names the threshold.
    assert_edge(
        tmp_path,
        inside={"dns": {"ttl_seconds": 30, "health_check": health_check(10, 3)}},
        outside={"dns": {"ttl_seconds": 30, "health_check": health_check(10, 4)}},
        name="dns",
        label="dns",
        metric="RTO",
        computed=70,
        setting="dns.health_check.failure_threshold",
    )


def test_ttl_pushes_dns_rto_one_second_over(tmp_path: Path) -> None:
    # 10 s x 3 + 61 s CNAME TTL = 91 s; the alias record's 60 s gives 90 s.
    assert_edge(
        tmp_path,
        inside={},
        outside={"dns": {"ttl_seconds": 61}},
        name="dns",
        label="dns",
        metric="RTO",
        computed=91,
        setting="dns.ttl_seconds",
    )


def test_ttl_pushes_the_end_to_end_failover_one_second_over(tmp_path: Path) -> None:
    # 60 first failing probe + 60 alarm + 60 decision + 60 promotion + 61 TTL = 301 s.
    assert_edge(
        tmp_path,
        inside={},
        outside={"dns": {"ttl_seconds": 61}},
        name="failover",
        label="failover",
        metric="RTO",
        computed=301,
        setting="dns.ttl_seconds",
    )


def test_m_of_n_evidence_pushes_the_database_rto_one_second_over(tmp_path: Path) -> None:
    # The secondary's own path: 60 first failing probe + 60 s x (3 - 1) more datapoints
    # + 60 decision + 60 promotion = 300 s; each datapoint DR063 asks for costs a minute.
    assert_edge(
        tmp_path,
        inside={},
        outside={"failover": {"datapoints_to_alarm": 3, "evaluation_periods": 3}},
        name="database",
        label="database",
        metric="RTO",
        computed=300,
        setting="failover.datapoints_to_alarm",
    )


def test_rtc_off_pushes_the_bucket_rpo_over_and_rtc_bounds_it_at_fifteen_minutes(
    tmp_path: Path,
) -> None:
    def bucket_spec(rtc: bool, objective: int, name: str) -> Spec:
        buckets = {"storage": {"buckets": [{"name": "documents", "replication": {"rtc": rtc}}]}}
        return build_spec(tmp_path, with_objective(buckets, "buckets", rpo_seconds=objective), name)

    inside = bucket_spec(True, 900, "inside.yaml")
    assert component(inside, "bucket documents").rpo_seconds == 900
    assert dr090(inside) == []
    # RTC off: the same spec has no bound at all, found at the bucket's replication.
    off = bucket_spec(False, 900, "off.yaml")
    (finding,) = dr090(off)
    assert finding.location == off.locate("storage", "buckets", 0, "replication")
    assert "computed RPO unbounded" in finding.message
    # With RTC, one second less of objective is one second over: no spec setting lowers
    # the SLA's 15 minutes, so the finding points at the objective to raise.
    tight = bucket_spec(True, 899, "tight.yaml")
    (finding,) = dr090(tight)
    assert (
        "computed RPO 900 s (RTC: 99.99 % within 15 min) exceeds the objective of 899 s by 1 s"
        in (finding.message)
    )
    assert component(tight, "bucket documents").setting_to_change == (
        "objectives",
        "components",
        "buckets",
        "rpo_seconds",
    )
    assert finding.location == tight.locate("objectives", "components", "buckets", "rpo_seconds")


def test_rtc_off_fails_even_the_largest_objective(tmp_path: Path) -> None:
    no_rtc = {"storage": {"buckets": [{"name": "documents", "replication": {"rtc": False}}]}}
    spec = build_spec(tmp_path, with_objective(no_rtc, "buckets", rpo_seconds=604800))
    bucket = component(spec, "bucket documents")
    assert bucket.rpo_seconds == UNBOUNDED
    assert bucket.margins["rpo"] == -UNBOUNDED
    assert bucket.setting_to_change == ("storage", "buckets", 0, "replication")
    (finding,) = dr090(spec)
    assert finding.message.endswith(
        "enable rtc on bucket documents: replication without RTC has no time bound"
    )
    assert finding.location == spec.locate("storage", "buckets", 0, "replication")


def test_unreplicated_bucket_has_no_rpo_bound(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, {"storage": {"buckets": [{"name": "archive"}]}})
    bucket = component(spec, "bucket archive")
    assert bucket.rpo_seconds == UNBOUNDED
    assert bucket.setting_to_change == ("storage", "buckets", 0)


# --- every component's arithmetic -----------------------------------------------------------


def test_prod_meets_its_objectives_with_this_arithmetic() -> None:
    spec = load_model(PROD_SPEC)
    figures = {
        e.label: (e.rpo_seconds, e.rto_seconds, e.margins["rpo"], e.margins["rto"])
        for e in estimate(spec)
    }
    assert figures == {
        "database": (1, 240, 4, 60),  # 60 + 60 + 60 + 60 (the secondary's own path)
        "table transactions": (1, 90, 4, 210),  # 30 + 60
        "table failover-events": (1, 90, 4, 210),
        "bucket documents": (900, 90, 0, 210),
        "backups": (3600, None, 0, None),
        "dns": (None, 90, None, 210),
        "failover": (1, 300, 4, 0),  # 60 + 60 + 60 + 60 + 60; loses the replication lag
    }
    assert all(e.meets_objectives for e in estimate(spec))
    assert dr090(spec) == []


def test_failover_steps_in_order() -> None:
    failover = component(load_model(PROD_SPEC), "failover")
    assert [(f.name, f.seconds) for f in failover.rto_steps] == [
        ("detection", 60),
        ("alarm", 60),
        ("decision", 60),
        ("promotion", 60),
        ("traffic shift", 60),
    ]
    # The path that survives the loss of us-east-1: us-west-2's probe, alarm and topic.
    assert failover.rto_steps[0].spec_inputs == {"functions[2].schedule": "rate(1 minute)"}
    assert failover.rto_steps[1].spec_inputs == {
        "failover.datapoints_to_alarm": 2,
        "failover.evaluation_periods": 3,
    }
    assert failover.rto_steps[2].spec_inputs == {
        "failover.function": "failover-trigger",
        "functions[3].timeout_seconds": 60,
    }
    assert failover.notes[:2] == (
        "path surviving the loss of us-east-1: us-west-2's own probe of the primary API",
        "trigger paths: Route53 health check, alarm and topic in us-east-1 270 s to promotion "
        "(needs us-east-1: lost with it); us-west-2's own probe of the primary API 240 s to "
        "promotion",
    )
    # The health monitor's schedule is on the path now, not shown beside it.
    assert failover.not_counted == ()


def test_the_fastest_path_is_reported_apart_when_it_needs_the_primary_region() -> None:
    prod = load_model(PROD_SPEC)
    monitor = prod.functions[2]
    slow = replace(monitor, schedule="rate(5 minutes)")
    slow_probe = replace(prod, functions=(*prod.functions[:2], slow, *prod.functions[3:]))
    surviving = component(slow_probe, "failover")
    fastest = component(slow_probe, "failover (fastest path)")
    # 300 + 60 + 60 + 60 + 60 from us-west-2; 30 + 120 + 60 + 60 + 60 through us-east-1.
    assert (surviving.rto_seconds, fastest.rto_seconds) == (540, 330)
    assert fastest.notes[0] == (
        "fastest path: Route53 health check, alarm and topic in us-east-1; it needs us-east-1, "
        "so it does not survive the loss of us-east-1"
    )
    assert surviving.setting_to_change == ("functions", 2, "schedule")


def test_a_manual_failover_with_a_declared_decision_time_is_bounded(tmp_path: Path) -> None:
    manual = build_spec(tmp_path, {"failover": {"automatic": False, "decision_seconds": 600}})
    failover = component(manual, "failover")
    # Paged by us-west-2's monitor (60 s, one datapoint), 600 s to decide, promotion, DNS.
    assert [(f.name, f.seconds) for f in failover.rto_steps] == [
        ("detection", 60),
        ("alarm", 0),
        ("decision", 600),
        ("promotion", 60),
        ("traffic shift", 60),
    ]
    assert failover.rto_seconds == 780
    assert failover.setting_to_change == ("failover", "decision_seconds")
    assert failover.rto_steps[2].arithmetic == "a person decides within 600 s (declared)"


def test_manual_failover_and_a_missing_function_are_unbounded(tmp_path: Path) -> None:
    manual = build_spec(tmp_path, {"failover": {"automatic": False}}, "manual.yaml")
    assert component(manual, "database").rto_seconds == UNBOUNDED
    assert component(manual, "database").setting_to_change == ("failover", "automatic")
    # The schema requires failover.function to name a spec function; the model still copes
    # with a spec that names none (automatic failover then invokes nothing).
    prod = load_model(PROD_SPEC)
    nameless = replace(prod, failover=replace(prod.failover, function=None))
    assert component(nameless, "failover").rto_seconds == UNBOUNDED
    assert component(nameless, "failover").setting_to_change == ("failover", "function")


def test_without_allow_data_loss_a_regional_loss_has_no_bounded_promotion(
    tmp_path: Path,
) -> None:
    prod = load_model(PROD_SPEC)
    assert component(prod, "failover").rpo_seconds == 1
    assert component(prod, "failover").rto_seconds == 300
    switchover_only = build_spec(tmp_path, {"failover": {"allow_data_loss": False}})
    failover = component(switchover_only, "failover")
    assert failover.rpo_seconds == 0
    assert failover.rto_seconds == UNBOUNDED
    assert failover.setting_to_change == ("failover", "allow_data_loss")
    assert component(switchover_only, "database").rto_seconds == UNBOUNDED


def test_dynamodb_strong_consistency_needs_exactly_three_regions(tmp_path: Path) -> None:
    strong = [
        *THREE_REGIONS["tables"],
        {"name": "ledger", "partition_key": {"name": "id", "type": "S"}, "consistency": "strong"},
    ]
    two = build_spec(tmp_path, {"tables": strong}, "two.yaml")
    assert component(two, "table ledger").rpo_seconds == UNBOUNDED
    assert component(two, "table ledger").setting_to_change == ("regions", "secondaries")
    three = build_spec(tmp_path, {**THREE_REGIONS, "tables": strong}, "three.yaml")
    assert component(three, "table ledger").rpo_seconds == 0


def test_eventual_table_under_a_zero_rpo_asks_for_strong_consistency(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, {**THREE_REGIONS, "objectives": {"rpo_seconds": 0}})
    table = component(spec, "table failover-events")
    assert table.setting_to_change == ("tables", 1, "consistency")
    assert "set consistency: strong on table failover-events" in table.breaches()[0].advice


def test_backups_rpo_is_the_schedule_period_when_copied(tmp_path: Path) -> None:
    daily = build_spec(tmp_path, {"backup": {"schedule": "cron(0 5 * * ? *)"}}, "daily.yaml")
    backups = component(daily, "backups")
    assert backups.rpo_seconds == 86400
    assert backups.rto_steps == ()
    assert backups.setting_to_change == ("backup", "schedule")
    local = build_spec(
        tmp_path,
        {"backup": {"schedule": "cron(0 * * * ? *)", "copy_to_secondaries": False}},
        "local.yaml",
    )
    assert component(local, "backups").rpo_seconds == UNBOUNDED
    assert component(local, "backups").setting_to_change == ("backup", "copy_to_secondaries")


# --- schedules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(12 hours)", 43200),
        ("rate(2 days)", 172800),
        ("cron(0 * * * ? *)", 3600),  # hourly
        ("cron(0/15 * * * ? *)", 900),
        ("cron(0 0,12 * * ? *)", 43200),
        ("cron(0 1,2,3 * * ? *)", 79200),  # 03:00 -> 01:00 the next day
        ("cron(0 5 ? * MON-FRI *)", 259200),  # Friday 05:00 -> Monday 05:00
        ("cron(0 5 ? * 1 *)", 604800),  # weekly, Sundays
        ("cron(0 12 1 * ? *)", 2678400),  # monthly: 31 days at most
        ("cron(0 0 31 * ? *)", 5270400),  # the 31st: August 31 -> October 31
    ],
)
def test_schedule_period(expression: str, seconds: int) -> None:
    assert schedule_period(expression) == seconds


@pytest.mark.parametrize(
    "expression",
    ["cron(0 0 L * ? *)", "cron(0 0 ? * 6#3 *)", "cron(0 0 1 * ? 2030)", "cron(0 0 * *)"],
)
def test_unmodelled_cron_features_are_refused(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule):
        schedule_period(expression)


def test_unmodelled_backup_schedule_is_unbounded_with_a_reason(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, {"backup": {"schedule": "cron(0 0 L * ? *)"}})
    (figure,) = component(spec, "backups").rpo
    assert figure.seconds == UNBOUNDED
    assert figure.arithmetic.startswith("not modelled:")


# --- sources --------------------------------------------------------------------------------


def all_figures(estimates: tuple[ComponentEstimate, ...]) -> list[Figure]:
    return [f for e in estimates for f in (*e.rpo, *e.rto_steps, *e.not_counted)]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        THREE_REGIONS,
        {"failover": {"automatic": False}, "dns": {"ttl_seconds": 30}},
        {
            "storage": {
                "buckets": [{"name": "docs", "replication": {"rtc": False}}, {"name": "logs"}]
            }
        },
        {"backup": {"schedule": "cron(0 0 L * ? *)", "copy_to_secondaries": True}},
    ],
    ids=["base", "three-regions", "manual-cname", "buckets", "unmodelled-backup"],
)
def test_every_figure_cites_an_aws_page_and_its_spec_inputs(
    tmp_path: Path, overrides: dict[str, Any]
) -> None:
    spec = build_spec(tmp_path, overrides)
    figures = all_figures(estimate(spec))
    assert figures
    for figure in figures:
        assert figure.source_url.startswith(DOCS), figure
        assert figure.spec_inputs, figure  # every figure depends on some spec value
        assert figure.arithmetic, figure
        assert figure.seconds >= 0


def test_every_component_of_the_spec_is_estimated(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, THREE_REGIONS)
    assert [e.label for e in estimate(spec)] == [
        "database",
        "table transactions",
        "table failover-events",
        "bucket documents",
        "backups",
        "dns",
        "failover",
    ]
    assert {e.component for e in estimate(spec)} == {
        "database",
        "tables",
        "buckets",
        "backups",
        "dns",
        "failover",
    }


def test_component_objectives_override_the_spec_wide_ones() -> None:
    spec = load_model(PROD_SPEC)
    assert component(spec, "bucket documents").objective.rpo_seconds == 900
    assert component(spec, "backups").objective.rpo_seconds == 3600
    assert component(spec, "database").objective.rpo_seconds == 5


# --- reports and the command line ---------------------------------------------------------


def test_objectives_command_shows_prod_meets_its_objectives() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["objectives", str(PROD_SPEC)], out, err) == 0
    text = out.getvalue()
    assert text.startswith(f"Recovery objectives of {PROD_SPEC}: met\n")
    assert "failover               1 s     5 s        4 s     300 s  300 s      0 s     ok" in text
    assert (
        "RTO total: detection 60 s + alarm 60 s + decision 60 s + promotion 60 s + "
        "traffic shift 60 s = 300 s; objective 300 s, margin 0 s"
    ) in text
    for figure in all_figures(estimate(load_model(PROD_SPEC))):
        assert figure.source_url in text


def test_objectives_command_fails_a_spec_over_its_objectives(tmp_path: Path) -> None:
    path = write_spec(tmp_path, {"dns": {"ttl_seconds": 300}})
    out, err = io.StringIO(), io.StringIO()
    assert run(["objectives", str(path), "--format", "markdown"], out, err) == 1
    text = out.getvalue()
    assert text.startswith("## Recovery objectives: ❌ objectives not met")
    assert "| dns | n/a | 5 s | n/a | 330 s | 300 s | -30 s | OVER |" in text
    assert "- ❌ RTO over the objective: lower dns.ttl_seconds (300)" in text
    assert "```mermaid\nflowchart LR\n" in text


def test_json_is_deterministic_and_marks_unbounded_figures(tmp_path: Path) -> None:
    spec = build_spec(
        tmp_path, {"storage": {"buckets": [{"name": "documents", "replication": {"rtc": False}}]}}
    )
    first, second = render(spec, "json"), render(spec, "json")
    assert first == second
    document = json.loads(first)
    assert document["format"] == "dr-compiler-objectives/v1"
    assert document["passed"] is False
    bucket = next(c for c in document["components"] if c["label"] == "bucket documents")
    assert bucket["rpo"]["seconds"] is None
    assert bucket["rpo"]["unbounded"] is True
    assert bucket["breaches"] == [
        {
            "advice": "enable rtc on bucket documents: replication without RTC has no time bound",
            "metric": "RPO",
            "objective": 900,
            "seconds": None,
            "setting": "storage.buckets[0].replication",
            "unbounded": True,
        }
    ]
    dns = next(c for c in document["components"] if c["label"] == "dns")
    assert dns["rpo"]["applies"] is False
    assert dns["rto"]["arithmetic"] == "detection 30 s + traffic shift 60 s = 90 s"
    assert dns["rto"]["figures"][1]["source"].startswith("https://docs.aws.amazon.com/")


def test_policy_report_json_carries_the_objectives_and_the_build_writes_the_topology() -> None:
    result = build(PROD_SPEC, write=False)
    report = json.loads(result.files["policy-report.json"])
    assert report["objectives"]["passed"] is True
    assert next(c["label"] for c in report["objectives"]["components"]) == "database"
    assert result.files["topology.svg"].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    again = build(PROD_SPEC, write=False)
    assert again.files["policy-report.json"] == result.files["policy-report.json"]
    assert again.files["topology.svg"] == result.files["topology.svg"]


def test_markdown_policy_report_has_the_objectives_and_the_topology() -> None:
    from dr_compiler.report import render as render_report

    text = render_report(build(PROD_SPEC, write=False).report, "markdown")
    assert "### Recovery objectives: ✅ objectives met" in text
    assert "### Topology\n\n```mermaid\nflowchart LR\n" in text
    assert math.isfinite(len(text))


# --- the Region switch plan -----------------------------------------------------------------


def test_the_plan_path_is_the_probe_alarm_then_the_plan_steps(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, {"failover": {"orchestrator": "region_switch"}})
    failover = component(spec, "failover")
    # No function decides: the secondary's alarm starts the plan, which promotes then moves DNS.
    assert [(f.name, f.seconds) for f in failover.rto_steps] == [
        ("detection", 60),
        ("alarm", 60),
        ("promotion", 60),
        ("traffic shift", 60),
    ]
    assert [(s.name, s.block, s.figure.name) for s in plan_steps(spec)] == [
        ("promote-database", "AuroraGlobalDatabase", "promotion"),
        ("shift-dns", "Route53HealthCheck", "traffic shift"),
    ]
    assert plan_objective_minutes(spec) == 5
    assert failover.notes[0] == (
        "path surviving the loss of us-east-1: ARC Region switch plan, triggered by "
        "us-west-2's probe alarm"
    )
    assert failover.notes[-1].startswith(
        "ARC Region switch plan activating us-west-2 (RecoveryTimeObjectiveMinutes 5): "
        "us-west-2's FailoverTriggerAlarm starts it; workflow 1. promote-database "
        "(AuroraGlobalDatabase, 60 s); 2. shift-dns (Route53HealthCheck, 60 s)."
    )
    assert dr090(spec) == []


def test_a_manual_plan_counts_the_approval_as_the_decision(tmp_path: Path) -> None:
    spec = build_spec(
        tmp_path,
        {"failover": {"orchestrator": "region_switch", "automatic": False, "decision_seconds": 90}},
    )
    failover = component(spec, "failover")
    assert [(f.name, f.seconds) for f in failover.rto_steps] == [
        ("detection", 60),
        ("alarm", 60),
        ("decision", 90),
        ("promotion", 60),
        ("traffic shift", 60),
    ]
    assert [s.name for s in plan_steps(spec)] == [
        "approve-failover",
        "promote-database",
        "shift-dns",
    ]
    # 330 s over the 300 s objective, and DR090 says which setting to lower.
    (finding,) = [f for f in dr090(spec) if f.resource == "failover"]
    assert finding.location == spec.locate("failover", "decision_seconds")


def test_a_plan_that_only_switches_over_cannot_promote_after_a_regional_loss(
    tmp_path: Path,
) -> None:
    spec = build_spec(
        tmp_path, {"failover": {"orchestrator": "region_switch", "allow_data_loss": False}}
    )
    assert component(spec, "failover").rto_seconds == UNBOUNDED
    assert plan_objective_minutes(spec) == 5
