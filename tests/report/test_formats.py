from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from jsonschema import Draft4Validator

from dr_compiler.policies.engine import PolicyReport
from dr_compiler.report import render

HERE = Path(__file__).parent


def test_waivers_are_applied_expired_and_stale(report: PolicyReport) -> None:
    assert {(s.waiver.resource, s.state) for s in report.waivers} == {
        ("SilentAlarm", "applied"),
        ("WrongRegionAlarm", "expired"),
        ("NoSuchGroup", "stale"),
    }
    assert [f.resource for f in report.waived] == ["SilentAlarm", "SilentAlarm"]
    assert [f.resource for f in report.findings] == ["WrongRegionAlarm"]


def test_sarif_validates_against_the_sarif_2_1_0_schema(report: PolicyReport) -> None:
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text())
    document = json.loads(render(report, "sarif"))
    errors = sorted(Draft4Validator(schema).iter_errors(document), key=str)
    assert errors == []


def test_sarif_results_carry_rule_location_and_suppressions(report: PolicyReport) -> None:
    run = json.loads(render(report, "sarif"))["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["DR030"]
    active = [r for r in run["results"] if "suppressions" not in r]
    assert len(active) == 1
    assert active[0]["ruleId"] == "DR030"
    assert active[0]["locations"][0]["logicalLocations"][0]["name"] == "WrongRegionAlarm"
    waived = [r for r in run["results"] if "suppressions" in r]
    assert {s["justification"] for r in waived for s in r["suppressions"]} == {
        "the alarm is a canary that must stay silent"
    }
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert sorted(n["message"]["text"] for n in notes) == [
        "waiver DR030 WrongRegionAlarm is expired",
        "waiver DR052 NoSuchGroup is stale",
    ]


def test_junit_has_one_case_per_rule_per_target(report: PolicyReport) -> None:
    root = ElementTree.fromstring(render(report, "junit"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        str(HERE / "waivers.yaml"),
        "bad.us-east-1.primary.json",
    ]
    cases = [(s.get("name"), c.get("name")) for s in suites for c in s.findall("testcase")]
    assert len(cases) == len(set(cases)) == 2
    failed = [c for s in suites for c in s.findall("testcase") if c.find("failure") is not None]
    assert len(failed) == 1
    assert failed[0].get("classname") == "bad.us-east-1.primary.json"
    assert root.get("tests") == "2"
    assert root.get("failures") == "1"


def test_json_report_lists_findings_waived_and_waiver_states(report: PolicyReport) -> None:
    document = json.loads(render(report, "json"))
    assert document["summary"] == {
        "errors": 1,
        "passed": False,
        "rules": 1,
        "scanner_suppressions": 0,
        "waived": 2,
        "warnings": 0,
    }
    assert document["findings"][0]["template"] == {
        "file": "bad.us-east-1.primary.json",
        "logical_id": "WrongRegionAlarm",
        "property_path": ["AlarmActions", 0],
    }
    assert document["findings"][0]["pci_dss"] == ["10.7.2"]


def test_text_groups_by_severity_and_reports_waiver_problems(report: PolicyReport) -> None:
    text = render(report, "text")
    assert text.startswith("Errors (1):\n")
    assert "in bad.us-east-1.primary.json: WrongRegionAlarm.AlarmActions[0]" in text
    assert "warning: waiver DR030 WrongRegionAlarm is expired (expired 2026-01-31)" in text
    assert text.endswith("1 rules, 1 errors, 2 warnings, 2 waived\n")


def test_markdown_is_a_table_with_the_verdict(report: PolicyReport) -> None:
    text = render(report, "markdown")
    assert text.startswith("## dr-compiler: ❌ policy check failed")
    assert "| error | DR030 | WrongRegionAlarm |" in text
    assert "| DR052 | NoSuchGroup | stale | 2030-01-31 |" in text
