"""The specs every drawing test runs on: both shipped apps, three regions, staging's Region
switch plan, and ten regions (the benchmark's, benchmarks/run.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.model import Spec
from dr_compiler.pipeline import load_model
from tests.specbuild import ORDERS_SPEC, PROD_SPEC, THREE_REGIONS, build_spec
from tests.topology.tenregions import ten_regions


@pytest.fixture(params=["prod", "three-regions", "orders", "staging", "ten-regions"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Spec:
    if request.param == "prod":
        return load_model(PROD_SPEC)
    if request.param == "orders":
        return load_model(ORDERS_SPEC)
    if request.param == "staging":
        return load_model(PROD_SPEC.parent / "staging.yaml")
    if request.param == "ten-regions":
        return ten_regions(tmp_path)
    return build_spec(tmp_path, THREE_REGIONS)
