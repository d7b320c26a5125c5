"""Shared harness of the hostile-input tests (issue 12): one module per family of inputs.

Every case runs the real command line in process on a project in a temporary folder whose
output folder already holds a good build, and checks the whole contract of a refused input:
the exit code, exactly the expected one-line problems (file:line:col where there is a line),
no traceback, and the earlier output left byte for byte as it was.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from dr_compiler.cli import run

REPO = Path(__file__).resolve().parents[2]
CLEAN_SPEC = REPO / "tests" / "policies" / "fixtures" / "clean.yaml"
ENVIRONMENT = "test"
"""clean.yaml's metadata.environment: builds go to <output>/test/."""


def run_cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (and every entry beside it) by relative path."""
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else b"<dir>"
        for path in sorted(folder.rglob("*"))
    }


@dataclass(frozen=True)
class Project:
    """A project in a temporary folder: a setup.cfg marker, a copy of the repository's
    functions, a spec extending the rule fixtures' clean spec, and an output folder that
    already holds that spec's build."""

    root: Path
    output: Path

    @property
    def functions(self) -> Path:
        return self.root / "functions"

    def write_spec(self, overrides: dict[str, Any] | None = None, name: str = "spec.yaml") -> Path:
        path = self.root / name
        document = {"extends": str(CLEAN_SPEC), **(overrides or {})}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    def build(self, spec: Path | str) -> tuple[int, str, str]:
        return run_cli("build", spec, "--output-dir", self.output)

    def only_problem(self, spec: Path) -> str:
        """`build` of `spec` exits 1 with one line on stderr, no traceback, and the output
        as it was: that line."""
        before = snapshot(self.output)
        code, out, err = self.build(spec)
        assert code == 1, err
        assert "Traceback" not in out + err
        assert snapshot(self.output) == before
        (problem,) = err.splitlines()
        return problem

    def expect_refused(
        self, spec: Path | str, code: int, lines: list[str], command: str = "build"
    ) -> None:
        """`command` on `spec` exits `code` with exactly `lines` on stderr (each prefixed
        with "error: "), nothing else, and the output folder stays as it was."""
        before = snapshot(self.output)
        argv = [command, spec] + (["--output-dir", self.output] if command == "build" else [])
        got, out, err = run_cli(*argv)
        assert (got, err.splitlines()) == (code, [f"error: {line}" for line in lines]), err
        assert "Traceback" not in out + err
        assert snapshot(self.output) == before


@pytest.fixture(scope="session")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one good build, copied into every project."""
    project = new_project(tmp_path_factory.mktemp("first"))
    code, _, err = project.build(project.write_spec())
    assert code == 0, err
    return project.output


def new_project(root: Path) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    (root / "setup.cfg").write_text("# project-root marker for functions[].source\n")
    shutil.copytree(REPO / "functions", root / "functions")
    return Project(root, root / "out")


@pytest.fixture
def project(tmp_path: Path, first_build: Path) -> Project:
    made = new_project(tmp_path / "project")
    shutil.copytree(first_build, made.output)
    return made
