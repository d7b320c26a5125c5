"""Stage 6 (emit): deterministic JSON, written atomically.

Every file is rendered first; then all of them are written into a staging folder beside
the destination and swapped into place atomically, so a failed, concurrent or killed build
never leaves a half-written or missing `templates_out/<env>/`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dr_compiler.errors import InputError, Location, Problem, environment_error

_SCALAR = json.JSONEncoder(ensure_ascii=False)


def render_json(document: Any) -> bytes:
    """Sorted keys, two-space indent, trailing newline: byte-identical for equal input.

    The same bytes as json.dumps(sort_keys=True, indent=2, ensure_ascii=False), a third
    faster: with an indent, json falls back to its pure-Python encoder, while this walks
    the structure once and leaves strings and numbers to the C encoder.
    """
    return (_render(document, "") + "\n").encode()


def _render(value: Any, indent: str) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = (
            f"{inner}{_SCALAR.encode(key)}: {_render(value[key], inner)}" for key in sorted(value)
        )
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = indent + "  "
        return (
            "[\n" + ",\n".join(inner + _render(item, inner) for item in value) + "\n" + indent + "]"
        )
    return _SCALAR.encode(value)


def write_atomically(destination: Path, files: Mapping[str, bytes]) -> None:
    """Replace folder `destination` with exactly `files` (name -> bytes), all or nothing.

    Safe to run concurrently and to kill at any instant: writers of one output base take
    turns (a lock), each writes into a staging folder of its own, and the staging folder
    replaces `destination` in one atomic exchange, so a reader always finds the old or the
    new complete folder. A writer that died (kill -9) leaves only staging debris, which the
    next writer clears. An error of the file system (disk full, read-only) is an InputError
    (exit 2) naming the path, and leaves the old folder as it was.
    """
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with _locked(destination.parent):
            _recover(destination)
            if os.path.lexists(destination) and not (
                destination.is_symlink() or destination.is_dir()
            ):
                raise InputError(
                    Problem(
                        Location(str(destination)),
                        "is a file, not a folder: move it away (build replaces only a folder)",
                    )
                )
            staging = _stage(destination, files)
            try:
                _swap(staging, destination)
            except BaseException:
                _remove(staging)
                raise
    except OSError as error:
        raise environment_error(error, error.filename or destination) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive flock on the output base folder (templates_out/) itself, held while
    staging and swapping. Locking the folder rather than a lock file per environment leaves
    nothing behind in the committed templates_out/; it serializes the writes of different
    environments too, which costs nothing: a write takes milliseconds, and rendering (the
    slow part) happens before the lock is taken. Closing the descriptor releases the lock,
    also when the process is killed."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _staging_prefix(destination: Path) -> str:
    return f".{destination.name}.new-"


def _retired_prefix(destination: Path) -> str:
    return f".{destination.name}.old-"


def _recover(destination: Path) -> None:
    """Clear what a killed writer left (called under the lock, so no live writer owns any
    of it). If it died between the two renames of the fallback swap, its retired folder is
    the complete old output: put it back first."""
    parent = destination.parent
    staged = [p for p in parent.iterdir() if p.name.startswith(_staging_prefix(destination))]
    retired = [p for p in parent.iterdir() if p.name.startswith(_retired_prefix(destination))]
    if retired and not os.path.lexists(destination):
        newest = max(retired, key=lambda p: p.lstat().st_mtime_ns)
        os.rename(newest, destination)
        retired.remove(newest)
    for leftover in (*staged, *retired):
        _remove(leftover)


def _stage(destination: Path, files: Mapping[str, bytes]) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(destination), dir=destination.parent))
    try:
        for name, content in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as stream:
                stream.write(content)
        os.chmod(staging, 0o755)
    except BaseException:
        _remove(staging)
        raise
    return staging


def _remove(path: Path) -> None:
    """Delete a folder we wrote, or a symbolic link (never what it points to)."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _swap(staging: Path, destination: Path) -> None:
    if not os.path.lexists(destination):
        os.rename(staging, destination)
        return
    if _exchange(staging, destination):
        _remove(staging)  # now the old output (or the symbolic link that was in the way)
        return
    # No atomic exchange on this system or file system: two renames, with a moment between
    # them when `destination` is missing; a writer killed in that moment is undone by the
    # next one (_recover), which puts the retired folder back.
    retired = destination.with_name(
        _retired_prefix(destination) + staging.name.removeprefix(_staging_prefix(destination))
    )
    os.rename(destination, retired)
    try:
        os.rename(staging, destination)
    except BaseException:
        os.rename(retired, destination)
        raise
    _remove(retired)


# renameat2(2) flag, <linux/fs.h>: `#define RENAME_EXCHANGE (1 << 1)`, "atomically exchange
# oldpath and newpath" (Linux 3.15+; ext4, xfs, btrfs, tmpfs and overlayfs support it).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP})


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two directory entries; False where the system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in _UNSUPPORTED:
            return False
        raise OSError(code, os.strerror(code), str(second))
    return True


@functools.cache
def _renameat2() -> Any:
    """glibc's renameat2 (2.28+), or None (other systems: the two-rename fallback)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = (
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    )
    function.restype = ctypes.c_int
    return function
