"""Property: any mutation of a shipped spec is either valid or a clean error, never a crash."""

from __future__ import annotations

import copy
import io
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dr_compiler.cli import run
from dr_compiler.loader import load_spec

REPO = Path(__file__).parents[1]
SHIPPED = {name: load_spec(REPO / "specs" / f"{name}.yaml").data for name in ("prod", "dev")}

replacement_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.text(alphabet="ßø中文🙂\u202e\u0000", min_size=1, max_size=20),
    st.just("x" * 10_000),
    # A valid value with a line break, control character or bidi override around it: the
    # schema must match whole values (issue 12, family 4).
    st.builds(
        lambda value, char, front: char + value if front else value + char,
        st.sampled_from(["payments", "111111111111", "10.0.0.0/16", "oncall@example.com"]),
        st.sampled_from(["\n", "\r\n", "\t", "\x00", "\x1b[31m", "\u202e", "\u200b"]),
        st.booleans(),
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(replacement_values)
    return data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_specs())
def test_mutated_spec_is_valid_or_a_clean_error(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "mutant.yaml"
        spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = run(["build", str(spec), "--output-dir", str(Path(folder) / "out")], out, err)
        wrote_output = (Path(folder) / "out").exists()
    message = err.getvalue()
    assert code in (0, 1, 2), message
    assert "Traceback" not in message
    assert "\x1b" not in message, "escape sequences must not reach the terminal"
    if code != 0:
        assert f"{spec}:" in message, "an error must name the file (and line) it is about"
        assert not wrote_output
