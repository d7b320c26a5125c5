"""How estimates write seconds and spec values."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def fmt_seconds(seconds: float | None) -> str:
    """`90 s`, `0.5 s`, `unbounded`, or `n/a` for a figure that does not apply."""
    if seconds is None:
        return "n/a"
    if math.isinf(seconds):
        return "unbounded"
    if float(seconds).is_integer():
        return f"{int(seconds)} s"
    return f"{seconds:g} s"


def spec_inputs_text(inputs: Mapping[str, Any]) -> str:
    """`a.b=1, c=true` for reports: YAML spellings of the values."""
    return ", ".join(f"{path}={_yaml_value(value)}" for path, value in inputs.items())


def _yaml_value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return str(value)
