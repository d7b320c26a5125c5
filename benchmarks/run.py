"""Benchmarks: wall time and peak memory of the compiler, and growth with regions.

Measured, never asserted (timed tests are flaky on shared machines). Run `make benchmark`.

  1. load + validate specs/prod.yaml in-process (target: < 150 ms)
  2. policy evaluation of a prod build in-process (target: < 100 ms)
  3. a whole `python -m dr_compiler build specs/prod.yaml` process: median wall, peak RSS
     (targets: 25x faster than the CDK synth below, under 60 MB); and a whole `validate`
  4. the same for a generated spec with 1 primary + 9 secondaries vs. 1 + 1
     (target: the 10-region build under 2x the 2-region one)
  5. the AWS CDK synth of the same architecture (benchmarks/cdk/app.js), in the same rounds as
     3 and 4: `cdk synth --quiet` as a CDK user runs it, `node app.js` alone (the app's synth
     without the CLI), and `cdk synth --no-validation` (without the template check aws-cdk-lib
     runs by default); each against our build (target: CDK / ours >= 25x),
     then both sides' resources counted stack by stack. Needs benchmarks/cdk/node_modules
     (`make benchmark` installs it with `npm ci --prefix benchmarks/cdk`).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CDK_APP = REPO / "benchmarks" / "cdk"
CDK_CLI = CDK_APP / "node_modules" / ".bin" / "cdk"
# Our template of each stack (templates_out/<env>/<file>.json) and the CDK app's stack of the
# same resources (<id>.template.json in its cloud assembly).
CDK_STACKS = {
    "us-east-1": "PrimaryStack",
    "us-west-2-base": "SecondaryBaseStack",
    "us-west-2-attach": "SecondaryAttachStack",
    "global": "GlobalStack",
}
OUR_BUILD = "build specs/prod.yaml (whole process)"
CDK_SYNTH = "cdk synth --quiet (CDK CLI, defaults)"
CDK_APP_ONLY = "node app.js (CDK app alone, defaults)"
CDK_NO_VALIDATION = "cdk synth --quiet --no-validation"

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


@dataclass(frozen=True)
class Command:
    """One process to time: its argv, the directory it runs in, and variables added to the
    environment."""

    argv: list[str]
    cwd: Path = REPO
    env: dict[str, str] = field(default_factory=dict)


def compiler(*argv: str) -> Command:
    """`python -m dr_compiler argv`, or `python argv` when argv starts with -c."""
    prefix = [sys.executable] if argv[0] == "-c" else [sys.executable, "-m", "dr_compiler"]
    return Command([*prefix, *argv])


@dataclass(frozen=True)
class Sample:
    """One run of a process: wall and CPU seconds, and peak RSS in MB. CPU time (user +
    system, the process and the children it waited for) moves less than wall time when other
    work shares the machine."""

    wall: float
    cpu: float
    peak: float


def run_once(command: Command) -> Sample:
    """One run of a process (peak RSS: the largest of it and the children it waited for,
    as `cdk synth` runs the app as a child). Its stderr goes to a file, not a pipe nobody
    reads while it runs: a chatty process would fill the pipe and hang."""
    environment = {**os.environ, **command.env}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(
            command.argv, cwd=command.cwd, env=environment, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            reason = errors.read().decode(errors="replace")
            argv = " ".join(command.argv)
            raise SystemExit(f"{argv}: exit {os.waitstatus_to_exitcode(status)}: {reason}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def processes(commands: dict[str, Command], rounds: int = 7) -> dict[str, Sample]:
    """Median wall and CPU time and the peak RSS per command. The commands take turns, round
    after round, so a machine that speeds up or slows down mid-run skews them all alike and
    ratios hold."""
    samples: dict[str, list[Sample]] = {label: [] for label in commands}
    for _ in range(rounds):
        for label, command in commands.items():
            samples[label].append(run_once(command))
    medians = {}
    for label, runs in samples.items():
        walls = [run.wall for run in runs]
        medians[label] = Sample(
            statistics.median(walls),
            statistics.median(run.cpu for run in runs),
            max(run.peak for run in runs),
        )
        print(
            f"{label:<46} median {medians[label].wall:6.3f} s  min {min(walls):6.3f} s  "
            f"cpu {medians[label].cpu:6.3f} s  peak {medians[label].peak:6.1f} MB  (n={rounds})"
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


def cdk_commands(assembly: Path) -> dict[str, Command]:
    """The CDK app's synth three ways, each writing its cloud assembly to `assembly`: the CLI,
    the app alone, and the CLI without the template check aws-cdk-lib runs at the end of every
    synth since 2.262.0 (benchmarks/cdk/README.md). No lookups, notices, version check or
    telemetry: nothing reaches the network."""
    quiet = {"CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "1"}
    synth = [
        str(CDK_CLI), "synth", "--quiet", "--app", "node app.js", "--output", str(assembly),
        "--no-lookups", "--no-notices", "--no-version-reporting",
    ]  # fmt: skip
    return {
        CDK_SYNTH: Command(synth, CDK_APP, quiet),
        CDK_APP_ONLY: Command(["node", "app.js"], CDK_APP, {"CDK_OUTDIR": str(assembly)}),
        CDK_NO_VALIDATION: Command([*synth, "--no-validation"], CDK_APP, quiet),
    }


def require_cdk() -> None:
    """Stop, saying how to install it, when the CDK app cannot run: the comparison is one of
    the figures this script exists for, so it is never skipped silently."""
    if shutil.which("node") is None:
        raise SystemExit("node is not on PATH: the AWS CDK comparison needs Node.js 20 or later")
    if not CDK_CLI.exists():
        raise SystemExit(
            "benchmarks/cdk/node_modules is missing: run `make benchmark` (it installs the "
            "pinned AWS CDK with `npm ci --prefix benchmarks/cdk`), or that npm command first"
        )


def main() -> None:
    require_cdk()
    prod = REPO / "specs" / "prod.yaml"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    versions = f"python {sys.version.split()[0]}, node {node.stdout.strip()}"
    print(f"{versions} on {os.cpu_count()} cores\n")
    # Whole processes first, while this process is small: a child's peak RSS counts the
    # pages it shares with its parent until it execs.
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        assembly = Path(folder) / "cdk.out"
        two = generated_spec(Path(folder), SECONDARIES[:1])
        ten = generated_spec(Path(folder), SECONDARIES)
        medians = processes(
            {
                # The floor this machine sets: the libraries every build must import.
                "baseline: import yaml, jsonschema, troposphere": compiler("-c", BASELINE_IMPORTS),
                OUR_BUILD: compiler("build", str(prod), "--output-dir", str(out)),
                "validate specs/prod.yaml (whole process)": compiler("validate", str(prod)),
                "build 2-region spec": compiler("build", str(two), "--output-dir", str(out)),
                "build 10-region spec": compiler("build", str(ten), "--output-dir", str(out)),
                **cdk_commands(assembly),
            }
        )
        print_ratio("build 10-region spec", "build 2-region spec", medians)
        for label in (CDK_SYNTH, CDK_APP_ONLY, CDK_NO_VALIDATION):
            print_ratio(label, OUR_BUILD, medians, "our build")
        # The last process in each round wrote the assemblies: our build of specs/prod.yaml
        # was overwritten by the generated specs, so ours are read from templates_out/prod
        # (a test keeps it fresh).
        print()
        compare_resources(REPO / "templates_out" / "prod", assembly)
    print()
    _in_process_stages(prod)


def print_ratio(slower: str, faster: str, medians: dict[str, Sample], name: str = "") -> None:
    """The ratio of two commands' medians; `name` is a short name for `faster`."""
    wall = medians[slower].wall / medians[faster].wall
    cpu = medians[slower].cpu / medians[faster].cpu
    print(f"{slower} / {name or faster}: {wall:.2f}x wall, {cpu:.2f}x cpu (medians)")


def resource_types(template: Path) -> collections.Counter[str]:
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    return collections.Counter(resource["Type"] for resource in resources.values())


def compare_resources(ours: Path, assembly: Path) -> None:
    """Resources per stack, ours against the CDK app's, and the types whose counts differ."""
    print(f"{'stack':<20} {'ours':>6} {'CDK':>6}   resource types whose counts differ (ours/CDK)")
    for stack, cdk_stack in CDK_STACKS.items():
        our_types = resource_types(ours / f"{stack}.json")
        cdk_types = resource_types(assembly / f"{cdk_stack}.template.json")
        differing = ", ".join(
            f"{kind.removeprefix('AWS::')} {our_types[kind]}/{cdk_types[kind]}"
            for kind in sorted(our_types | cdk_types)
            if our_types[kind] != cdk_types[kind]
        )
        total_ours, total_cdk = our_types.total(), cdk_types.total()
        print(f"{stack:<20} {total_ours:>6} {total_cdk:>6}   {differing or '-'}")


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
