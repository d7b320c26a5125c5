"""The AWS CDK app benchmarks/run.py times against our build describes the architecture
specs/prod.yaml compiles to: the same stacks, the same functions from the same folders.

Read without Node.js (synthesising the app needs benchmarks/cdk/node_modules and about ten
seconds); `make benchmark` prints the resource counts of both, stack by stack.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from dr_compiler.pipeline import load_model

REPO = Path(__file__).resolve().parents[2]
CDK_APP = REPO / "benchmarks" / "cdk" / "app.js"
# One entry of the app's FUNCTIONS table, e.g.
# { id: 'PaymentApi', name: 'payment-api', source: 'payment_api', timeout: 15, vpc: true },
FUNCTION_ENTRY = re.compile(
    r"\{ id: '\w+', name: '(?P<name>[\w-]+)', source: '(?P<source>\w+)', "
    r"timeout: (?P<timeout>\d+), vpc: (?P<vpc>true|false)(?:, reserved: (?P<reserved>\d+))? \}"
)


def benchmark_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("benchmarks_run", REPO / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


def test_every_stack_of_the_prod_build_has_its_cdk_counterpart() -> None:
    emitted = {
        template.stem
        for template in (REPO / "templates_out" / "prod").glob("*.json")
        if template.name not in {"manifest.json", "policy-report.json"}
    }
    assert set(benchmark_module().CDK_STACKS) == emitted


def test_the_cdk_app_deploys_the_spec_functions_from_their_folders() -> None:
    spec = load_model(REPO / "specs" / "prod.yaml")
    expected = {
        (f.name, f.source, f.timeout_seconds, f.vpc, f.reserved_concurrency) for f in spec.functions
    }
    in_app = {
        (
            entry["name"],
            f"functions/{entry['source']}",
            int(entry["timeout"]),
            entry["vpc"] == "true",
            int(entry["reserved"]) if entry["reserved"] else None,
        )
        for entry in FUNCTION_ENTRY.finditer(CDK_APP.read_text(encoding="utf-8"))
    }
    assert in_app == expected
