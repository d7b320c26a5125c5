"""`dr-compiler objectives` and the objectives in the policy reports: text, Markdown, JSON."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

from dr_compiler.cli import run
from dr_compiler.objectives.estimators import estimate
from dr_compiler.pipeline import build, load_model
from dr_compiler.report.objectives import render
from tests.objectives.estimates import all_figures
from tests.specbuild import PROD_SPEC, build_spec, write_spec

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
