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
