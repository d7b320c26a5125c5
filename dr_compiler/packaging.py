"""Deterministic Lambda packaging: the same sources always give the same zip bytes.

`deploy` uploads each function under a content-hash key, so an unchanged function is
never re-uploaded and an unchanged template never changes. That only works if the zip
depends on file *contents* and paths alone: not on mtimes, permissions, the walk order of
the file system, or the machine's umask. Every zip header field that could vary is fixed
here. (The compressed bytes also depend on the zlib build; CI and developer machines
running the same Python agree in practice, and a mismatch only costs a re-upload.)

This module is imported by every `build`, so it imports only the standard library.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# The earliest timestamp a zip entry can hold; any fixed value works, this one is customary.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# rw-r--r-- for every entry: Lambda only reads the files, and a fixed mode keeps a
# `chmod +x` on a developer's machine from changing the package hash.
FILE_MODE = 0o644
# 3 = Unix. Python picks the value from the running OS, which would make Windows and
# Linux builds differ.
CREATE_SYSTEM_UNIX = 3
COMPRESS_LEVEL = 9

EXCLUDED_DIRS = frozenset({"__pycache__", "tests"})
EXCLUDED_FILES = frozenset({".DS_Store"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")


class PackagingError(Exception):
    """The function source cannot be packaged (missing directory, nothing to ship)."""


@dataclass(frozen=True)
class FunctionPackage:
    """A packaged function: the zip, its hash and the archive's entry names in order."""

    zip_bytes: bytes = field(repr=False)
    sha256: str
    files: tuple[str, ...]

    def s3_key(self, function_name: str) -> str:
        """The content-addressed artifact key: a new key exactly when the code changes."""
        if not function_name or "/" in function_name:
            raise PackagingError(f"invalid function name for an S3 key: {function_name!r}")
        return f"functions/{function_name}/{self.sha256}.zip"


def package_function(source_dir: Path) -> FunctionPackage:
    """Zip `source_dir` deterministically.

    A build packages each function twice (policy DR070 checks that it packages; the compiler
    needs its key), so packages are memoised on the folder and a digest of every file's
    content: hashing is cheap next to deflating, and any edit gives a fresh zip.
    """
    source_dir = Path(source_dir).resolve()
    files = _source_files(source_dir)
    return _package(source_dir, _fingerprint(source_dir, files))


def _fingerprint(source_dir: Path, files: list[str]) -> tuple[tuple[str, bytes], ...]:
    return tuple(
        (relative, hashlib.sha256((source_dir / relative).read_bytes()).digest())
        for relative in files
    )


@functools.lru_cache(maxsize=64)
def _package(source_dir: Path, fingerprint: tuple[tuple[str, bytes], ...]) -> FunctionPackage:
    files = [relative for relative, _ in fingerprint]
    zip_bytes = _build_zip(source_dir, files)
    return FunctionPackage(
        zip_bytes=zip_bytes,
        sha256=hashlib.sha256(zip_bytes).hexdigest(),
        files=tuple(files),
    )


def source_hash(source_dir: Path) -> str:
    """The sha256 of the package, i.e. the hash that appears in the function's S3 key."""
    return package_function(source_dir).sha256


def _source_files(source_dir: Path) -> list[str]:
    """POSIX relative paths of the files to ship, sorted so the walk order never matters."""
    if not source_dir.is_dir():
        raise PackagingError(f"function source directory not found: {source_dir}")
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(source_dir):
        # Pruning in place stops os.walk from descending into excluded directories.
        dirnames[:] = [name for name in dirnames if name not in EXCLUDED_DIRS]
        for name in filenames:
            if _is_excluded_file(name):
                continue
            path = Path(dirpath, name)
            found.append(path.relative_to(source_dir).as_posix())
    if not found:
        raise PackagingError(f"function source directory has no files to package: {source_dir}")
    return sorted(found)


def _is_excluded_file(name: str) -> bool:
    return name in EXCLUDED_FILES or name.endswith(EXCLUDED_SUFFIXES)


def _build_zip(source_dir: Path, files: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in files:
            data = (source_dir / relative).read_bytes()
            archive.writestr(_entry_info(relative), data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def _entry_info(relative: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(relative, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = FILE_MODE << 16
    info.create_system = CREATE_SYSTEM_UNIX
    return info
