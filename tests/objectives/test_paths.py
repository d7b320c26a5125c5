"""The trigger paths: which path the failover is held to, in which order its steps run, and
what a person, a missing function or a switchover-only failover costs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dr_compiler.objectives.figures import UNBOUNDED
from dr_compiler.pipeline import load_model
from tests.objectives.estimates import component
from tests.specbuild import PROD_SPEC, build_spec


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
