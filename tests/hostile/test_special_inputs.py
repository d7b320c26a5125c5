"""Family 2: inputs that are not regular files. A spec or `extends:` target that is a device,
a FIFO, a folder or a file without end is refused in one line (exit 2): nothing hangs,
memory stays bounded, and the earlier build output stays as it was."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from dr_compiler.loader import MAX_DOCUMENT_BYTES
from tests.hostile.conftest import Project
from tests.hostile.test_function_sources import deadline

REGULAR_ONLY = "not a regular file: specs are read only from regular files"


def fifo_spec(project: Project) -> tuple[Path | str, list[str]]:
    os.mkfifo(project.root / "spec.yaml")
    return project.root / "spec.yaml", [f"{project.root / 'spec.yaml'}: is a FIFO, {REGULAR_ONLY}"]


def folder_spec(project: Project) -> tuple[Path | str, list[str]]:
    (project.root / "spec.yaml").mkdir()
    return project.root / "spec.yaml", [
        f"{project.root / 'spec.yaml'}: is a folder, {REGULAR_ONLY}"
    ]


def device(path: str) -> Callable[[Project], tuple[Path | str, list[str]]]:
    def make(project: Project) -> tuple[Path | str, list[str]]:
        return path, [f"{path}: is a device, {REGULAR_ONLY}"]

    return make


def too_big(project: Project) -> tuple[Path | str, list[str]]:
    spec = project.root / "big.yaml"
    spec.write_bytes(b"# padding\n" * (MAX_DOCUMENT_BYTES // 10 + 1))
    size = spec.stat().st_size
    return spec, [f"{spec}: file is {size} bytes; specs are limited to {MAX_DOCUMENT_BYTES} bytes"]


def extends_fifo(project: Project) -> tuple[Path | str, list[str]]:
    os.mkfifo(project.root / "base.yaml")
    spec = project.root / "spec.yaml"
    spec.write_text("extends: base.yaml\n")
    return spec, [f"{project.root / 'base.yaml'}: is a FIFO, {REGULAR_ONLY}"]


def extends_device(project: Project) -> tuple[Path | str, list[str]]:
    try:  # /dev/zero's numbers, inside the project
        os.mknod(project.root / "zero.yaml", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    spec = project.root / "spec.yaml"
    spec.write_text("extends: zero.yaml\n")
    return spec, [f"{project.root / 'zero.yaml'}: is a device, {REGULAR_ONLY}"]


def extends_folder(project: Project) -> tuple[Path | str, list[str]]:
    (project.root / "base.yaml").mkdir()
    spec = project.root / "spec.yaml"
    spec.write_text("extends: base.yaml\n")
    return spec, [f"{project.root / 'base.yaml'}: is a folder, {REGULAR_ONLY}"]


CASES = {
    "spec is /dev/zero": device("/dev/zero"),
    "spec is /dev/urandom": device("/dev/urandom"),
    "spec is a FIFO": fifo_spec,
    "spec is a folder": folder_spec,
    "spec over the size limit": too_big,
    "extends a FIFO": extends_fifo,
    "extends a device": extends_device,
    "extends a folder": extends_folder,
}


@pytest.mark.parametrize("command", ["build", "validate"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_what_is_not_a_regular_file_is_refused_without_hanging(
    project: Project, case: str, command: str
) -> None:
    spec, lines = CASES[case](project)
    with deadline(20):
        project.expect_refused(spec, 2, lines, command)


def test_the_size_bound_holds_while_reading_a_file_that_says_it_is_empty(
    project: Project,
) -> None:
    """/proc files are regular files of size 0 whatever they hold: only a bound applied while
    reading stops a big one."""
    kallsyms = Path("/proc/kallsyms")
    if not kallsyms.exists() or os.stat(kallsyms).st_size != 0:
        pytest.skip("needs /proc/kallsyms (a size-0 regular file)")
    if sum(len(chunk) for chunk in kallsyms.open("rb")) <= MAX_DOCUMENT_BYTES:
        pytest.skip("/proc/kallsyms is smaller than the limit here")
    with deadline(20):
        project.expect_refused(
            kallsyms,
            2,
            [
                f"{kallsyms}: file is over {MAX_DOCUMENT_BYTES} bytes; specs are limited to "
                f"{MAX_DOCUMENT_BYTES} bytes"
            ],
            "validate",
        )
