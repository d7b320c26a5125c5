"""Family 7: environment errors are not bugs. A full disk, a read-only file system, an output
base that is a file or a folder that cannot be created is exit 2 with one line naming the
path and saying what to do, and the earlier output stays as it was.

The disk-full and read-only cases run twice: on a real tmpfs mount where the machine allows
mounting (CI runs as root), and by injecting the OSError the kernel returns, everywhere."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dr_compiler import emit
from tests.hostile.conftest import REPO, run_cli, snapshot

DEV = REPO / "specs" / "dev.yaml"
DISK_FULL = "No space left on device: the disk is full: free some space and run again"
READ_ONLY = (
    "Read-only file system: the file system is read-only: write to a writable folder (--output-dir)"
)


def expect_exit_2(argv: list[str | Path], line: str, watched: Path) -> None:
    before = snapshot(watched)
    code, out, err = run_cli(*argv)
    assert (code, err.splitlines()) == (2, [f"error: {line}"]), err
    assert "Traceback" not in out + err
    assert snapshot(watched) == before


def test_output_base_that_is_a_file(tmp_path: Path) -> None:
    base = tmp_path / "templates_out"
    base.write_bytes(b"not a folder")
    expect_exit_2(
        ["build", DEV, "--output-dir", base],
        f"{base}: File exists: a file is in the way: move it away",
        tmp_path,
    )


def test_output_folder_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    base = tmp_path / "file" / "templates_out"
    expect_exit_2(
        ["build", DEV, "--output-dir", base],
        f"{base}: Not a directory: a part of the path is a file, not a folder: move the file away",
        tmp_path,
    )


def test_policy_report_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.sarif"
    expect_exit_2(
        ["policy", DEV, "--format", "sarif", "--output", target],
        f"{target}: No such file or directory: the folder does not exist: create it or fix "
        "the path",
        tmp_path,
    )


@pytest.mark.parametrize(
    ("failing", "code", "line"),
    [
        ("open", errno.ENOSPC, DISK_FULL),
        (
            "open",
            errno.EDQUOT,
            "Disk quota exceeded: the disk quota is used up: free some space and run again",
        ),
        ("mkdtemp", errno.EROFS, READ_ONLY),
        (
            "mkdtemp",
            errno.EACCES,
            "Permission denied: permission denied: check the folder's owner and permissions",
        ),
    ],
)
def test_injected_write_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str, code: int, line: str
) -> None:
    base = tmp_path / "out"
    assert run_cli("build", DEV, "--output-dir", base)[0] == 0

    def refuse(*args: object, **kwargs: object) -> object:
        raise OSError(code, os.strerror(code), str(base / "dev"))

    if failing == "open":
        monkeypatch.setattr(emit, "open", refuse, raising=False)
    else:
        monkeypatch.setattr(emit.tempfile, "mkdtemp", refuse)
    expect_exit_2(["build", DEV, "--output-dir", base], f"{base / 'dev'}: {line}", base)


@contextmanager
def tmpfs(folder: Path, options: str) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0 or shutil.which("mount") is None:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_real_full_disk(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "size=64k") as small:
        (small / "filler").write_bytes(b"\0" * (64 * 1024 - 4096 * 2))
        base = small / "out"
        code, _, err = run_cli("build", DEV, "--output-dir", base)
        assert code == 2, err
        (line,) = err.splitlines()
        assert line.startswith(f"error: {base}/") and line.endswith(DISK_FULL), line
        assert sorted(p.name for p in base.iterdir()) == []


def test_a_real_read_only_file_system(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "ro,size=64k") as read_only:
        base = read_only / "out"
        expect_exit_2(["build", DEV, "--output-dir", base], f"{base}: {READ_ONLY}", read_only)
