"""Compiled shipped specs, shared by the compiler tests (compiling once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.compiler import CompiledSpec
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


@pytest.fixture(scope="session")
def compiled_staging() -> CompiledSpec:
    return compile_file(REPO / "specs" / "staging.yaml")
