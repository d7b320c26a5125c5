"""Compiled shipped specs, shared by the compiler tests (compiling once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.pipeline import compile_with_packages, load_model

REPO = Path(__file__).resolve().parents[2]


def compile_file(path: Path) -> CompiledSpec:
    compiled, _ = compile_with_packages(load_model(path))
    return compiled


@pytest.fixture(scope="session")
def compiled_prod() -> CompiledSpec:
    return compile_file(REPO / "specs" / "prod.yaml")


@pytest.fixture(scope="session")
def compiled_dev() -> CompiledSpec:
    return compile_file(REPO / "specs" / "dev.yaml")


def _peered(folder: Path, base: str) -> CompiledSpec:
    """A shipped spec with network.peering turned on (off in every shipped spec: DR054)."""
    spec = folder / f"peered-{base}"
    spec.write_text(f"extends: {REPO / 'specs' / base}\nnetwork:\n  peering: true\n")
    return compile_file(spec)


@pytest.fixture(scope="session")
def compiled_peered(tmp_path_factory: pytest.TempPathFactory) -> CompiledSpec:
    return _peered(tmp_path_factory.mktemp("peered"), "prod.yaml")


@pytest.fixture(scope="session")
def compiled_peered_dev(tmp_path_factory: pytest.TempPathFactory) -> CompiledSpec:
    return _peered(tmp_path_factory.mktemp("peered"), "dev.yaml")


@pytest.fixture(scope="session")
def compiled_staging() -> CompiledSpec:
    return compile_file(REPO / "specs" / "staging.yaml")
