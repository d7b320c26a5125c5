from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.policies.ruletest import spec_findings, summary

PROJECT = Path(__file__).parent
"""The folder is a project root (setup.cfg marks it): sources resolve to ./functions."""


def test_missing_misnamed_and_placeholder_functions_fail() -> None:
    spec = PROJECT / "bad.yaml"
    findings = spec_findings("DR070", spec)
    assert summary(findings) == {
        ("DR070", "failover-trigger", f"{spec}:9:14"),
        ("DR070", "placeholder-pass", f"{spec}:12:14"),
        ("DR070", "todo", f"{spec}:15:14"),
        ("DR070", "wrong-name", f"{spec}:18:14"),
        ("DR070", "no-args", f"{spec}:21:14"),
        ("DR070", "not-implemented", f"{spec}:24:14"),
        ("DR070", "missing", f"{spec}:26:13"),
        ("DR070", "only-tests", f"{spec}:29:13"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["wrong-name"] == (
        "function wrong-name: handler handler.main: functions/wrong_name/handler.py defines "
        "no top-level function main"
    )
    assert messages["todo"] == (
        "function todo: handler handler.main: main in functions/todo/handler.py is a "
        "placeholder: its body says 'TODO'"
    )
    assert messages["failover-trigger"] == (
        "function failover-trigger: handler app.main names module app, but functions/ok has "
        "no app.py"
    )


def test_resolvable_handlers_and_the_bucket_emptier_pass() -> None:
    assert spec_findings("DR070", PROJECT / "good.yaml") == []


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("def main(event, context:\n    return 1\n", "does not parse (line 1: "),
        (
            "async def main(event, context):\n    return 1\n",
            "main in functions/ok/handler.py is async",
        ),
        (
            "def main(event, context, extra):\n    return 1\n",
            "takes 3 positional parameters",
        ),
    ],
)
def test_handlers_lambda_cannot_call_fail(tmp_path: Path, code: str, problem: str) -> None:
    # A copy of the fixture project whose payment-api handler is replaced by `code`; the spec
    # extends the fixture's good.yaml, so the finding points at that file's line.
    shutil.copytree(PROJECT / "functions", tmp_path / "functions")
    shutil.copy(PROJECT / "setup.cfg", tmp_path / "setup.cfg")
    (tmp_path / "functions" / "ok" / "handler.py").write_text(code)
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"extends: {PROJECT / 'good.yaml'}\n")
    findings = spec_findings("DR070", spec)
    assert summary(findings) == {("DR070", "payment-api", f"{PROJECT / 'good.yaml'}:6:14")}
    assert problem in findings[0].message
