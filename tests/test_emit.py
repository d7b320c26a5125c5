from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dr_compiler.emit import render_json, write_atomically
from dr_compiler.errors import InputError

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_render_json_is_the_bytes_of_sorted_indented_json(value: object) -> None:
    expected = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert render_json(value) == expected.encode()


def test_write_atomically_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "prod"
    write_atomically(target, {"a.json": b"1", "b.json": b"2"})
    write_atomically(target, {"a.json": b"3"})
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"a.json": b"3"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prod"]


def test_a_failed_write_leaves_the_old_folder_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "prod"
    write_atomically(target, {"a.json": b"1"})

    class Exploding(dict):
        def items(self):  # type: ignore[no-untyped-def]
            yield "a.json", b"new"
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(InputError, match="the disk is full: free some space"):
        write_atomically(target, Exploding())
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"a.json": b"1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prod"]
