"""The recovery-objective model: its arithmetic at the edge of each objective, its sources,
its schedules, and how it reaches the command line and the reports.

Each edge test follows the issue's recipe: a spec sits exactly on its objective; one setting
(the health-check interval, the failure threshold, the TTL, RTC) pushes the figure one second
over, which DR090 reports at that setting; one more second of objective makes it pass again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dr_compiler.model import Spec
from dr_compiler.objectives.estimators import estimate
from dr_compiler.objectives.figures import UNBOUNDED
from dr_compiler.pipeline import load_model
from tests.objectives.estimates import (
    DOCS,
    all_figures,
    assert_edge,
    component,
    dr090,
    health_check,
    with_objective,
)
from tests.specbuild import PROD_SPEC, THREE_REGIONS, build_spec

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


def test_unmodelled_backup_schedule_is_unbounded_with_a_reason(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, {"backup": {"schedule": "cron(0 0 L * ? *)"}})
    (figure,) = component(spec, "backups").rpo
    assert figure.seconds == UNBOUNDED
    assert figure.arithmetic.startswith("not modelled:")


# --- sources --------------------------------------------------------------------------------


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
