"""Problems with a location, and the exceptions that carry them to the command line.

Exit codes (documented in README.md):
    0  success
    1  the spec is invalid or breaks a policy (a validation failure)
    2  usage or input error: unreadable file, YAML that cannot be loaded, bad arguments
"""

from __future__ import annotations

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
