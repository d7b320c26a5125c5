"""The one place that knows where files outside the package live.

`schemas/` and the compiler's own functions (`functions/bucket_emptier`) sit beside the
package in a checkout, which an editable install keeps; a wheel installs them as data files
under `<prefix>/share/dr-compiler/` (setup.cfg, [options.data_files]). Function sources of a
spec resolve against the spec's project root: the nearest ancestor of the spec file that
holds `.git`, `pyproject.toml` or `setup.cfg`, else the current directory.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dr_compiler.model import Metadata, Spec

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_NAME = "dr-spec.schema.json"
PROJECT_MARKERS = (".git", "pyproject.toml", "setup.cfg")


def _data_root() -> Path:
    checkout = PACKAGE_DIR.parent
    if (checkout / "schemas" / SCHEMA_NAME).is_file():
        return checkout
    return Path(sys.prefix) / "share" / "dr-compiler"


DATA_ROOT = _data_root()
SCHEMA_FILE = DATA_ROOT / "schemas" / SCHEMA_NAME
BUCKET_EMPTIER_SOURCE = DATA_ROOT / "functions" / "bucket_emptier"
BUCKET_EMPTIER_FUNCTION = "bucket-emptier"
BUCKET_EMPTIER_HANDLER = "handler.main"
"""The compiler's own function (emptying buckets before a destroy): its name and handler live
here, beside its source, so rules (DR070) read them without loading the compiler."""
REVERSE_REPLICATION_FUNCTION = "reverse-replication"
REVERSE_REPLICATION_HANDLER = "handler.replication"
"""The compiler's function behind the reverse replication of production buckets; its code
shares the bucket emptier's package (and its CloudFormation response code)."""


@dataclass(frozen=True)
class CompilerFunction:
    """A function the compiler deploys on its own account, from BUCKET_EMPTIER_SOURCE."""

    name: str
    handler: str
    path: tuple[str | int, ...]
    """The spec path that asks for it."""


def compiler_functions(spec: Spec) -> tuple[CompilerFunction, ...]:
    """The compiler's own functions this spec deploys."""
    found = []
    if spec.force_destroy:
        found.append(
            CompilerFunction(
                BUCKET_EMPTIER_FUNCTION, BUCKET_EMPTIER_HANDLER, ("lifecycle", "force_destroy")
            )
        )
    if spec.reverse_replicated_buckets:
        found.append(
            CompilerFunction(
                REVERSE_REPLICATION_FUNCTION,
                REVERSE_REPLICATION_HANDLER,
                ("storage", "buckets"),
            )
        )
    return tuple(found)


"""The compiler's own function behind force_destroy: it ships with the compiler, not with
the spec's project."""


def project_root_for(spec_file: str | Path) -> Path:
    """The folder that `functions[].source` paths are relative to."""
    start = Path(spec_file).resolve().parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return Path.cwd()


def extends_boundaries(spec_file: str | Path) -> tuple[Path, ...]:
    """The folders `extends:` may read inside (symbolic links resolved): the spec's own
    folder, its repository (the nearest ancestor holding `.git`, else its project root) and
    the repository of the current folder, i.e. the checkout dr-compiler runs in. A pull
    request controls the files of its checkout anyway; the boundary keeps a spec from
    reading, and echoing in its errors, the rest of the machine."""
    spec_folder = Path(spec_file).resolve().parent
    return (
        spec_folder,
        _repository_of(spec_folder) or project_root_for(spec_file).resolve(),
        _repository_of(Path.cwd().resolve()) or Path.cwd().resolve(),
    )


def _repository_of(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def display_path(path: Path) -> str:
    """A source folder as reports and the manifest show it: relative to its project or to
    the compiler's data, never machine-specific."""
    for base in (DATA_ROOT, project_root_for(path)):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.name


def output_dir(metadata: Metadata, base: Path | None = None) -> Path:
    """`templates_out/<env>/`, or `templates_out/<app>/<env>/` with `metadata.output: by_app`;
    relative to the current directory unless `base` is given."""
    root = base or Path("templates_out")
    if metadata.output == "by_app":
        return root / metadata.app / metadata.environment
    return root / metadata.environment
