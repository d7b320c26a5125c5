"""Family 3: `extends:` outside the project. A base spec must lie in the spec's folder, its
repository or the checkout dr-compiler runs in (symbolic links resolved); anything else is
one line at the `extends:` value (exit 2) that never echoes what the file holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.conftest import CLEAN_SPEC, Project, run_cli

SECRET = "hunter2-do-not-echo"
OUTSIDE = "is outside the project: a base spec must be a file in the spec's folder or repository"


def outside_yaml(project: Project) -> Path:
    secret = project.root.parent / "elsewhere" / "secrets.yaml"
    secret.parent.mkdir()
    secret.write_text(f"metadata:\n  app: {SECRET}\ndatabase:\n  password: {SECRET}\n")
    return secret


def absolute(project: Project) -> tuple[str, str]:
    target = str(outside_yaml(project))
    return target, target


def dot_dot(project: Project) -> tuple[str, str]:
    outside_yaml(project)
    return "../elsewhere/secrets.yaml", "../elsewhere/secrets.yaml"


def system_file(project: Project) -> tuple[str, str]:
    return "/etc/passwd", "/etc/passwd"


def deep_dot_dot(project: Project) -> tuple[str, str]:
    depth = len(project.root.parts)
    target = "../" * depth + "etc/hostname"
    return target, target


def link_out(project: Project) -> tuple[str, str]:
    (project.root / "base.yaml").symlink_to(outside_yaml(project))
    return "base.yaml", "base.yaml"


Case = Callable[[Project], tuple[str, str]]
CASES: dict[str, Case] = {
    "absolute path": absolute,
    "../ path": dot_dot,
    "system file": system_file,
    "../ up to /": deep_dot_dot,
    "link inside to a file outside": link_out,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_extends_outside_the_project_is_refused_at_its_line(project: Project, case: str) -> None:
    target, shown = CASES[case](project)
    spec = project.root / "spec.yaml"
    spec.write_text(f"# a spec from a pull request\nextends: {target}\n")
    project.expect_refused(spec, 2, [f"{spec}:2:10: extends: {shown!r} {OUTSIDE}"])


def test_a_base_inside_that_reaches_out_is_refused_at_the_base(project: Project) -> None:
    outside = outside_yaml(project)
    (project.root / "bases").mkdir()
    base = project.root / "bases" / "shared.yaml"
    base.write_text(f"extends: {outside}\n")
    spec = project.root / "spec.yaml"
    spec.write_text("extends: bases/shared.yaml\n")
    project.expect_refused(spec, 2, [f"{base}:1:10: extends: {str(outside)!r} {OUTSIDE}"])


def test_bases_inside_the_project_still_merge(project: Project) -> None:
    (project.root / "bases").mkdir()
    (project.root / "bases" / "shared.yaml").write_text(
        f"extends: {CLEAN_SPEC}\nmetadata:\n  app: shared\n"
    )
    spec = project.root / "spec.yaml"
    spec.write_text("extends: bases/shared.yaml\n")
    code, out, err = run_cli("validate", spec)
    assert code == 0, err
    assert out.endswith(f"{spec}: valid\n")
