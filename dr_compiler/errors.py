"""Problems with a location, and the exceptions that carry them to the command line.

Exit codes (documented in README.md):
    0  success
    1  the spec is invalid or breaks a policy (a validation failure)
    2  usage or input error: unreadable file, YAML that cannot be loaded, bad arguments, and
       the environment refusing a read or write (disk full, read-only file system)
"""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_INPUT = 2


@dataclass(frozen=True, order=True)
class Location:
    """A position in a source file; line and column are 1-based."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, printed as `file:line:col: message`."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class DrCompilerError(Exception):
    """Base of every error the command line reports without a traceback."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(Location("dr-compiler"), problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputError(DrCompilerError):
    """The input cannot be read or parsed (exit 2)."""

    exit_code = EXIT_INPUT


class SpecInvalidError(DrCompilerError):
    """The spec was read but does not satisfy the schema (exit 1)."""

    exit_code = EXIT_INVALID


_ENVIRONMENT_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EROFS: "the file system is read-only: write to a writable folder (--output-dir)",
    errno.EACCES: "permission denied: check the folder's owner and permissions",
    errno.EPERM: "operation not permitted: check the folder's owner and permissions",
    errno.ENOTDIR: "a part of the path is a file, not a folder: move the file away",
    errno.EEXIST: "a file is in the way: move it away",
    errno.EISDIR: "the path is a folder: name a file instead",
    errno.ENOENT: "the folder does not exist: create it or fix the path",
    errno.ENAMETOOLONG: "the path is too long: use a shorter one",
}


def environment_error(error: OSError, path: object) -> InputError:
    """An OSError from reading or writing `path` as one line that says what to do (exit 2):
    a full disk or a read-only file system is the machine's state, not a bug."""
    advice = _ENVIRONMENT_ADVICE.get(error.errno or 0)
    detail = error.strerror or str(error)
    message = f"{detail}: {advice}" if advice else f"cannot write or read: {detail}"
    return InputError(Problem(Location(str(path)), message))


_FILE_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, from its st_mode, for an error line."""
    return _FILE_KINDS.get(stat.S_IFMT(mode), "not a regular file")
