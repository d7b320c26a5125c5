"""Compiled shipped specs, shared by the compiler tests (compiling once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.compiler import CompiledSpec, compile_spec
from dr_compiler.pipeline import load_model, package_functions

REPO = Path(__file__).resolve().parents[2]


def compile_file(path: Path) -> CompiledSpec:
    spec = load_model(path)
    packages = package_functions(spec)
    return compile_spec(spec, {name: package.s3_key(name) for name, package in packages.items()})


@pytest.fixture(scope="session")
def compiled_prod() -> CompiledSpec:
    return compile_file(REPO / "specs" / "prod.yaml")


@pytest.fixture(scope="session")
def compiled_dev() -> CompiledSpec:
    return compile_file(REPO / "specs" / "dev.yaml")
