"""Benchmarks: wall time and peak memory of the compiler, and growth with regions.

Measured, never asserted (timed tests are flaky on shared machines). Run `make benchmark`.

  1. load + validate specs/prod.yaml in-process (target: < 150 ms)
  2. policy evaluation of a prod build in-process (target: < 100 ms)
  3. a whole `python -m dr_compiler build specs/prod.yaml` process: median wall, peak RSS
     (targets: <= 0.4 s, <= 100 MB); and a whole `validate` (schema and spec rules: no
     troposphere, no jsonschema for a valid spec)
  4. the same for a generated spec with 1 primary + 9 secondaries vs. 1 + 1
     (target: the 10-region build <= 5x the 2-region one)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BASELINE_IMPORTS = "import yaml, jsonschema, troposphere"
SECONDARIES = [
    "us-west-2",
    "us-east-2",
    "eu-north-1",
    "eu-west-1",
    "eu-central-1",
    "eu-west-2",
    "ap-southeast-1",
    "ap-northeast-1",
    "ca-central-1",
]


def in_process(label: str, action, runs: int = 20) -> float:  # type: ignore[no-untyped-def]
    action()  # warm imports and caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    print(f"{label:<48} median {median * 1000:7.1f} ms  (min {min(samples) * 1000:.1f}, n={runs})")
    return median


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `python -m dr_compiler argv`, or of
    `python argv` when argv starts with -c."""
    command = (
        [sys.executable, *argv] if argv[0] == "-c" else [sys.executable, "-m", "dr_compiler", *argv]
    )
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        reason = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(argv)}: exit {os.waitstatus_to_exitcode(status)}: {reason}")
    return wall, usage.ru_maxrss / 1024


def processes(commands: dict[str, list[str]], rounds: int = 7) -> dict[str, float]:
    """Median wall time per command. The commands take turns, round after round, so a
    machine that speeds up or slows down mid-run skews them all alike and ratios hold."""
    walls: dict[str, list[float]] = {label: [] for label in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for _ in range(rounds):
        for label, argv in commands.items():
            wall, peak = run_once(argv)
            walls[label].append(wall)
            peaks[label] = max(peaks[label], peak)
    medians = {label: statistics.median(samples) for label, samples in walls.items()}
    for label in commands:
        print(
            f"{label:<48} median {medians[label]:6.3f} s   min {min(walls[label]):6.3f} s   "
            f"peak {peaks[label]:6.1f} MB  (n={rounds})"
        )
    return medians


def generated_spec(folder: Path, secondaries: list[str]) -> Path:
    regions = ["us-east-1", *secondaries]
    cidrs = "\n".join(f"    {r}: 10.{i}.0.0/16" for i, r in enumerate(regions))
    certs = "\n".join(
        f"    {r}: arn:aws:acm:{r}:111111111111:certificate/00000000-0000-4000-8000-{i:012d}"
        for i, r in enumerate(regions)
    )
    spec = folder / f"regions-{len(regions)}.yaml"
    spec.write_text(
        f"extends: {REPO / 'specs' / 'prod.yaml'}\n"
        f"regions:\n  primary: us-east-1\n  secondaries: [{', '.join(secondaries)}]\n"
        f"network:\n  cidrs:\n{cidrs}\n"
        f"api:\n  certificate_arns:\n{certs}\n",
        encoding="utf-8",
    )
    return spec


def main() -> None:
    prod = REPO / "specs" / "prod.yaml"
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores\n")
    # Whole processes first, while this process is small: a child's peak RSS counts the
    # pages it shares with its parent until it execs.
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "out")
        two = generated_spec(Path(folder), SECONDARIES[:1])
        ten = generated_spec(Path(folder), SECONDARIES)
        medians = processes(
            {
                # The floor this machine sets: the libraries every build must import.
                "baseline: import yaml, jsonschema, troposphere": ["-c", BASELINE_IMPORTS],
                "build specs/prod.yaml (whole process)": ["build", str(prod), "--output-dir", out],
                "validate specs/prod.yaml (whole process)": ["validate", str(prod)],
                "build 2-region spec": ["build", str(two), "--output-dir", out],
                "build 10-region spec": ["build", str(ten), "--output-dir", out],
            }
        )
    ratio = medians["build 10-region spec"] / medians["build 2-region spec"]
    print(f"10-region / 2-region wall time: {ratio:.2f}x\n")
    _in_process_stages(prod)


def _in_process_stages(prod: Path) -> None:
    from dr_compiler.loader import load_spec
    from dr_compiler.pipeline import compile_and_check, load_model, package_functions, template_set
    from dr_compiler.policies.engine import evaluate
    from dr_compiler.schema import validate

    in_process("load + schema-validate specs/prod.yaml", lambda: validate(load_spec(prod)))
    spec = load_model(prod)
    _, compiled, _ = compile_and_check(spec)
    assert compiled is not None, "the prod spec fails its policies"
    templates = template_set(compiled)
    in_process("policy evaluation (spec + templates), prod", lambda: evaluate(spec, templates))
    in_process("packaging every function, prod", lambda: package_functions(spec), runs=10)


if __name__ == "__main__":
    main()
