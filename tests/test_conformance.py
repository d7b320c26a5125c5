"""The fast schema check (conformance.py) answers as jsonschema does: never yes where
jsonschema finds an error, and yes for the valid specs so that builds skip jsonschema."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dr_compiler.conformance import conforms
from dr_compiler.errors import DrCompilerError
from dr_compiler.loader import load_spec
from dr_compiler.schema import _compiled, load_schema, spec_validator
from tests.test_cli import modules_loaded
from tests.test_schema import CASES

REPO = Path(__file__).resolve().parents[1]
SPECS = sorted(
    p
    for folder in (REPO / "specs", REPO / "tests")
    for p in folder.rglob("*.yaml")
    if "node_modules" not in p.parts
)


def _jsonschema_valid(data: Any) -> bool:
    return bool(spec_validator()(load_schema()).is_valid(data))


def _fast(data: Any) -> bool:
    return conforms(data, load_schema(), _compiled)


def _loaded(path: Path) -> Any:
    try:
        return load_spec(path).data
    except DrCompilerError:
        return None


@pytest.mark.parametrize("path", SPECS, ids=[str(p.relative_to(REPO)) for p in SPECS])
def test_every_spec_of_the_repository_gets_jsonschemas_answer(path: Path) -> None:
    data = _loaded(path)
    if data is None:
        pytest.skip("does not load (a loader test)")
    assert _fast(data) == _jsonschema_valid(data)


@pytest.mark.parametrize(("description", "data", "valid"), CASES, ids=[c[0] for c in CASES])
def test_every_schema_case_gets_its_answer(description: str, data: Any, valid: bool) -> None:
    assert _fast(data) == valid


REPLACEMENTS: tuple[Any, ...] = (None, True, 0, 1.5, -1, "", "x" * 300, [], {}, ["x"])


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _nodes(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _nodes(inner, (*path, index))


def _copy_at(data: dict[str, Any], path: tuple[Any, ...]) -> tuple[dict[str, Any], Any]:
    """A copy of `data` and, in the copy, the container holding the node at `path`."""
    mutant = copy.deepcopy(data)
    parent: Any = mutant
    for part in path[:-1]:
        parent = parent[part]
    return mutant, parent


def _mutants(data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """prod with one node replaced (by each replacement), removed, or given an unknown key."""
    for path in _nodes(data):
        if not path:
            continue
        for replacement in REPLACEMENTS:
            mutant, parent = _copy_at(data, path)
            parent[path[-1]] = replacement
            yield f"{path} = {replacement!r:.20}", mutant
        mutant, parent = _copy_at(data, path)
        del parent[path[-1]]
        yield f"{path} removed", mutant
        mutant, parent = _copy_at(data, path)
        if isinstance(parent[path[-1]], dict):
            parent[path[-1]]["unknown_key"] = 1
            yield f"{path} with an unknown key", mutant


def test_mutated_specs_get_jsonschemas_answer() -> None:
    prod = load_spec(REPO / "specs" / "prod.yaml").data
    disagreements = [
        label for label, mutant in _mutants(prod) if _fast(mutant) != _jsonschema_valid(mutant)
    ]
    assert disagreements == []


def test_a_build_of_a_valid_spec_never_imports_jsonschema(tmp_path: Path) -> None:
    argv = ["build", "specs/prod.yaml", "--output-dir", str(tmp_path)]
    assert modules_loaded(argv, ("jsonschema", "referencing")) == []
