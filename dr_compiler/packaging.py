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

import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from dr_compiler.errors import InputError, Location, Problem, file_kind

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


MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
"""Lambda's limit on a function's unzipped deployment package, 250 MB
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): a folder over it
cannot deploy, and the bound, applied while reading, keeps an endless file out of memory."""


class PackagingError(InputError):
    """The function source cannot be packaged: a missing folder, a symbolic link or special
    file in it, nothing to ship. `path` is the offending path and `reason` says what is
    wrong with it."""

    def __init__(self, reason: str, where: Path | str, relative: str = "") -> None:
        self.reason = reason
        self.path = Path(where, relative) if relative else Path(where)
        super().__init__(Problem(Location(printable_path(self.path)), reason))


@dataclass(frozen=True)
class FunctionPackage:
    """A packaged function: the zip, its hash and the archive's entry names in order."""

    zip_bytes: bytes = field(repr=False)
    sha256: str
    files: tuple[str, ...]

    def s3_key(self, function_name: str) -> str:
        """The content-addressed artifact key: a new key exactly when the code changes."""
        if not function_name or "/" in function_name:
            raise PackagingError("invalid function name for an S3 key", repr(function_name))
        return f"functions/{function_name}/{self.sha256}.zip"


def package_function(source_dir: Path, within: Path | None = None) -> FunctionPackage:
    """Zip `source_dir` deterministically.

    A package holds only regular files inside the function folder: a symbolic link (to
    anywhere), a FIFO, a device or a socket in it is a PackagingError naming the path, and
    so is a folder that is itself a link, or (given `within`, the project it belongs to)
    a link on the way from `within` down to it. Nothing is followed, no FIFO or device is
    ever opened, and no read can block.

    A build packages each function twice (policy DR070 checks that it packages; the compiler
    needs its key), so packages are memoised on a digest of every file's path and content:
    hashing is cheap next to deflating, and any edit gives a fresh zip.
    """
    folder = Path(os.path.abspath(source_dir))
    _check_folder(folder, within)
    contents = _read_sources(folder)
    fingerprint = tuple(
        (relative, hashlib.sha256(data).digest()) for relative, data in contents.items()
    )
    package = _PACKAGES.get(fingerprint)
    if package is None:
        zip_bytes = _build_zip(contents)
        package = FunctionPackage(
            zip_bytes=zip_bytes,
            sha256=hashlib.sha256(zip_bytes).hexdigest(),
            files=tuple(contents),
        )
        if len(_PACKAGES) >= _CACHED_PACKAGES:
            del _PACKAGES[next(iter(_PACKAGES))]
        _PACKAGES[fingerprint] = package
    return package


_CACHED_PACKAGES = 64
_PACKAGES: dict[tuple[tuple[str, bytes], ...], FunctionPackage] = {}


def source_hash(source_dir: Path) -> str:
    """The sha256 of the package, i.e. the hash that appears in the function's S3 key."""
    return package_function(source_dir).sha256


def printable_path(path: Path | str) -> str:
    """A path as text that can always be printed: file names need not be UTF-8."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _check_folder(folder: Path, within: Path | None) -> None:
    """The folder, and every folder from `within` down to it, is a real folder, not a link."""
    steps = [folder]
    if within is not None:
        base = Path(os.path.abspath(within))
        if folder.is_relative_to(base):
            parts = folder.relative_to(base).parts
            steps = [base.joinpath(*parts[: n + 1]) for n in range(len(parts))]
    for step in steps:
        try:
            mode = os.lstat(step).st_mode
        except FileNotFoundError:
            raise PackagingError("function source directory not found", step) from None
        except OSError as error:
            raise PackagingError(f"cannot read: {error.strerror}", step) from None
        if stat.S_ISLNK(mode):
            raise PackagingError(
                "is a symbolic link: a function folder must be a real folder in the project",
                step,
            )
        if not stat.S_ISDIR(mode):
            raise PackagingError(f"is {file_kind(mode)}, not a folder", step)


def _read_sources(folder: Path) -> dict[str, bytes]:
    """POSIX relative path -> content of every file to ship, sorted so the walk order never
    matters."""
    found: list[str] = []
    _walk(folder, folder, found)
    if not found:
        raise PackagingError("function source directory has no files to package", folder)
    budget = MAX_UNZIPPED_BYTES
    contents: dict[str, bytes] = {}
    for relative in sorted(found):
        contents[relative] = _read_regular(folder, relative, budget)
        budget -= len(contents[relative])
    return contents


def _walk(current: Path, folder: Path, found: list[str]) -> None:
    try:
        entries = sorted(os.scandir(current), key=lambda entry: entry.name)
    except OSError as error:
        raise PackagingError(f"cannot list: {error.strerror}", current) from None
    for entry in entries:
        relative = Path(entry.path).relative_to(folder).as_posix()
        if entry.name in EXCLUDED_DIRS or _is_excluded_file(entry.name):
            continue  # never packaged, so never read, whatever it is
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            _walk(Path(entry.path), folder, found)
        elif not stat.S_ISREG(mode):
            raise PackagingError(_not_packaged(mode), folder, relative)
        elif not _is_utf8(relative):
            raise PackagingError("file name is not UTF-8: rename it", folder, relative)
        else:
            found.append(relative)


def _read_regular(folder: Path, relative: str, budget: int) -> bytes:
    """Read with O_NOFOLLOW and O_NONBLOCK: if the file became a link or a FIFO since the
    walk, the open fails or fstat says so, instead of following it or blocking."""
    try:
        descriptor = os.open(folder / relative, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise PackagingError(f"cannot read: {error.strerror}", folder, relative) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise PackagingError(_not_packaged(mode), folder, relative)
        chunks: list[bytes] = []
        size = 0
        while size <= budget and (chunk := os.read(descriptor, min(1 << 20, budget + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise PackagingError(f"cannot read: {error.strerror}", folder, relative) from None
    finally:
        os.close(descriptor)
    if size > budget:
        raise PackagingError(
            f"the function's files pass {MAX_UNZIPPED_BYTES} bytes, Lambda's unzipped limit",
            folder,
            relative,
        )
    return b"".join(chunks)


def _not_packaged(mode: int) -> str:
    return (
        f"is {file_kind(mode)}: a package holds only regular files inside the function folder "
        "(copy the file in instead)"
    )


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_excluded_file(name: str) -> bool:
    return name in EXCLUDED_FILES or name.endswith(EXCLUDED_SUFFIXES)


def _build_zip(contents: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative, data in contents.items():
            archive.writestr(_entry_info(relative), data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def _entry_info(relative: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(relative, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = FILE_MODE << 16
    info.create_system = CREATE_SYSTEM_UNIX
    return info
