"""The ARC Region switch plan: its steps are the failover's path and its objective in minutes."""

from __future__ import annotations

from pathlib import Path

from dr_compiler.objectives.figures import UNBOUNDED
from dr_compiler.objectives.plan import plan_objective_minutes, plan_steps
from tests.objectives.estimates import component, dr090
from tests.specbuild import build_spec

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
