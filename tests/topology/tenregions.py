"""A ten-region spec: the benchmark's regions (benchmarks/run.py), on the shipped base."""

from __future__ import annotations

from pathlib import Path

from benchmarks.run import SECONDARIES
from dr_compiler.model import Spec
from tests.specbuild import build_spec

TEN_REGIONS = ["us-east-1", *SECONDARIES]


def ten_regions(folder: Path) -> Spec:
    """The shipped base with ten regions and peering, so every kind of arrow crosses rows."""
    arn = "arn:aws:acm:{}:111111111111:certificate/00000000-0000-4000-8000-{:012d}"
    overrides = {
        "regions": {"primary": TEN_REGIONS[0], "secondaries": TEN_REGIONS[1:]},
        "network": {
            "cidrs": {r: f"10.{i}.0.0/16" for i, r in enumerate(TEN_REGIONS)},
            "peering": True,
        },
        "api": {"certificate_arns": {r: arn.format(r, i) for i, r in enumerate(TEN_REGIONS)}},
    }
    return build_spec(folder, overrides)
