from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.errors import InputError, Location
from dr_compiler.loader import MAX_DEPTH, MAX_NODES, format_path, load_spec


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_value_and_key_keeps_its_line_and_column(tmp_path: Path) -> None:
    spec = write(tmp_path / "s.yaml", "a:\n  b: [1, 2]\n  c: x\n")
    document = load_spec(spec)
    assert document.data == {"a": {"b": [1, 2], "c": "x"}}
    assert document.source_map.locate(("a", "b", 1)) == Location(str(spec), 2, 10)
    assert document.source_map.locate_key(("a", "c")) == Location(str(spec), 3, 3)
    assert document.source_map.locate(("a", "c")) == Location(str(spec), 3, 6)


def test_missing_paths_point_at_the_closest_written_ancestor(tmp_path: Path) -> None:
    spec = write(tmp_path / "s.yaml", "a:\n  b: 1\n")
    assert load_spec(spec).source_map.locate(("a", "zzz", 3)) == Location(str(spec), 2, 3)


def test_dates_stay_strings_so_the_schema_sees_what_was_written(tmp_path: Path) -> None:
    spec = write(tmp_path / "s.yaml", "expires: 2027-06-30\n")
    assert load_spec(spec).data == {"expires": "2027-06-30"}


def test_non_string_keys_are_rejected_with_their_position(tmp_path: Path) -> None:
    spec = write(tmp_path / "s.yaml", "a:\n  1: x\n")
    with pytest.raises(InputError) as error:
        load_spec(spec)
    assert str(error.value) == f"{spec}:2:3: a: keys must be strings"


def test_extends_merges_maps_replaces_lists_and_keeps_each_values_file(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "m:\n  x: 1\n  y: 2\nl: [1, 2, 3]\n")
    child = write(tmp_path / "child.yaml", "extends: base.yaml\nm:\n  y: 20\nl: [9]\n")
    document = load_spec(child)
    assert document.data == {"m": {"x": 1, "y": 20}, "l": [9]}
    assert document.files == (str(base), str(child))
    assert document.source_map.locate(("m", "x")) == Location(str(base), 2, 6)
    assert document.source_map.locate(("m", "y")) == Location(str(child), 3, 6)
    assert document.source_map.locate(("l", 0)) == Location(str(child), 4, 5)
    assert ("l", 2) not in document.source_map.values


def test_recursive_alias_stops_at_the_depth_bound(tmp_path: Path) -> None:
    spec = write(tmp_path / "s.yaml", "a: &a [*a]\n")
    with pytest.raises(InputError, match=f"deeper than {MAX_DEPTH} levels"):
        load_spec(spec)


def test_wide_alias_expansion_stops_at_the_node_bound(tmp_path: Path) -> None:
    rows = ["a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    rows += [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(5)
    ]
    spec = write(tmp_path / "s.yaml", "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=f"more than {MAX_NODES} nodes"):
        load_spec(spec)


def test_format_path_reads_like_the_spec() -> None:
    assert format_path(("storage", "buckets", 0, "name")) == "storage.buckets[0].name"
    assert format_path(()) == "(document)"
