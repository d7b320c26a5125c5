"""The engine's verdicts: what fails a run at each --fail-on level, and where findings point."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from dr_compiler.cli import run
from dr_compiler.pipeline import build, load_model
from dr_compiler.policies.engine import evaluate
from dr_compiler.policies.registry import rule
from tests.policies.ruletest import load_templates

HERE = Path(__file__).parent
STALE = HERE / "stale_waiver.yaml"
DR030_BAD = HERE / "rules" / "dr030" / "bad.us-east-1.primary.json"


def test_a_stale_waiver_is_a_warning_that_fails_only_at_fail_on_warning() -> None:
    report = build(STALE, write=False).report
    assert report.findings == ()
    assert [(s.waiver.resource, s.state) for s in report.waivers] == [
        ("RemovedSecurityGroup", "stale"),
    ]
    assert [s.waiver.resource for s in report.waiver_problems()] == ["RemovedSecurityGroup"]
    assert not report.failed("error")
    assert report.failed("warning")


def test_without_templates_a_waiver_of_a_template_rule_is_unchecked_not_stale() -> None:
    report = evaluate(load_model(STALE), None, rules=(rule("DR052"),))
    # DR052 reads the templates, which were not compiled.
    assert [(s.waiver.resource, s.state) for s in report.waivers] == [
        ("RemovedSecurityGroup", "unchecked"),
    ]


def test_policy_exits_1_on_a_stale_waiver_only_with_fail_on_warning() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["policy", str(STALE)], out, err) == 0
    assert f"{STALE}:5:7: warning: waiver DR052 RemovedSecurityGroup is stale" in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert run(["policy", str(STALE), "--fail-on", "warning"], out, err) == 1
    assert "is stale (matches nothing)" in out.getvalue()


def test_validate_judges_template_waivers_and_spec_only_leaves_them_unchecked() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["validate", str(STALE), "--fail-on", "warning"], out, err) == 1
    assert "waiver DR052 RemovedSecurityGroup is stale (matches nothing)" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    argv = ["validate", str(STALE), "--fail-on", "warning", "--spec-only"]
    assert run(argv, out, err) == 0, err.getvalue()
    assert out.getvalue() == f"{STALE}: valid\n"


def test_a_waiver_applies_until_its_expiry_day_and_not_after() -> None:
    spec_file = HERE.parent / "report" / "waivers.yaml"
    spec = load_model(spec_file)
    templates = load_templates(DR030_BAD, spec_file=spec_file)
    on_the_day = evaluate(spec, templates, today=date(2030, 1, 31), rules=(rule("DR030"),))
    day_after = evaluate(spec, templates, today=date(2030, 2, 1), rules=(rule("DR030"),))
    assert {f.resource for f in on_the_day.waived} == {"SilentAlarm"}
    assert {f.resource for f in day_after.waived} == set()
    assert {f.resource for f in day_after.findings} == {"SilentAlarm", "WrongRegionAlarm"}


def test_template_findings_point_at_the_spec_line_that_produced_the_resource(
    tmp_path: Path,
) -> None:
    from dr_compiler.pipeline import compile_and_check, template_set
    from dr_compiler.policies.engine import check_templates

    spec = load_model(HERE.parents[1] / "specs" / "prod.yaml")
    _, compiled, _ = compile_and_check(spec)
    assert compiled is not None
    templates = template_set(compiled)
    primary = next(t for t in templates.templates if t.file.endswith("us-east-1.json"))
    body = dict(primary.body)
    resources = dict(body["Resources"])
    alarm = dict(resources["PaymentApiErrorsAlarm"])
    alarm["Properties"] = {k: v for k, v in alarm["Properties"].items() if k != "OKActions"}
    resources["PaymentApiErrorsAlarm"] = alarm
    body["Resources"] = resources
    broken = type(templates)(
        tuple(
            type(t)(t.file, t.region, t.phase, body, t.sources) if t is primary else t
            for t in templates.templates
        ),
        spec,
    )
    (finding,) = check_templates(broken, [rule("DR030")])
    assert finding.template is not None
    assert (
        str(finding.template)
        == "templates_out/prod/us-east-1.json: PaymentApiErrorsAlarm.OKActions"
    )
    assert str(finding.location) == str(spec.locate("functions", 0))
    assert finding.location.file == "specs/base.yaml" or finding.location.file.endswith("base.yaml")
