"""The one place that knows where files outside the package live.

`schemas/` ships beside the package in the repository (an editable install keeps it there);
function sources are resolved against the spec's project root: the nearest ancestor of the
spec file that holds `.git`, `pyproject.toml` or `setup.cfg`, else the current directory.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPOSITORY_ROOT = PACKAGE_DIR.parent
SCHEMA_FILE = REPOSITORY_ROOT / "schemas" / "dr-spec.schema.json"
PROJECT_MARKERS = (".git", "pyproject.toml", "setup.cfg")
BUCKET_EMPTIER_SOURCE = REPOSITORY_ROOT / "functions" / "bucket_emptier"
"""The compiler's own function behind force_destroy: it ships with the compiler, not with
the spec's project, so it resolves against this repository."""


def project_root_for(spec_file: str | Path) -> Path:
    """The folder that `functions[].source` paths are relative to."""
    start = Path(spec_file).resolve().parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return Path.cwd()


def output_dir(environment: str, base: Path | None = None) -> Path:
    """`templates_out/<env>/`, relative to the current directory unless `base` is given."""
    return (base or Path("templates_out")) / environment
