"""Stage 6 (emit): deterministic JSON, written atomically.

Every file is rendered first; then all of them are written into a temporary folder beside
the destination and swapped into place with renames, so a failed build never leaves a
half-written `templates_out/<env>/`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def render_json(document: Any) -> bytes:
    """Sorted keys, two-space indent, trailing newline: byte-identical for equal input."""
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def write_atomically(destination: Path, files: Mapping[str, bytes]) -> None:
    """Replace folder `destination` with exactly `files` (name -> bytes), all or nothing."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for name, content in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        os.chmod(staging, 0o755)
        _swap(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, destination: Path) -> None:
    if not destination.exists():
        staging.rename(destination)
        return
    retired = destination.with_name(f".{destination.name}.old-{os.getpid()}")
    destination.rename(retired)
    try:
        staging.rename(destination)
    except BaseException:
        retired.rename(destination)
        raise
    shutil.rmtree(retired, ignore_errors=True)
