"""Benchmark: service-managed StackSets at organization scale, against a local moto server.

An organization of N accounts (50, 100, 200 by default) spread over 3 organizational units,
a spec in 3 regions that targets the units, deployed once; then, measured:

  plan             what `dr-compiler plan` does: resolve the units' accounts, read every
                   StackSet and its instances, diff
  no-op deploy     what `dr-compiler deploy` does when nothing changed: the same plan, and
                   no StackSet operation, no upload
  deploy walk      Executor.deploy() over every wave although nothing changed (what a deploy
                   pays for the unchanged StackSets when another one changed)

Calls are counted with a botocore `before-call` hook (deploy.aws.CallLog), so retries are not
counted and every API call is, whatever the client. The goal: no StackSet operation, and
calls that grow with the number of StackSets, not with the number of stack instances.

Bounded, and what it leaves out: the templates are reduced to one resource each before the
first deploy (moto would otherwise create ~60 resources per stack instance, 1,200 instances
at N=200) and their parameters that take values from earlier waves get defaults, because
moto 5.2 hides service-managed instance stacks so no output can be read (tests/deploy/
moto_compat.py rule 9). Neither changes which calls plan and deploy make for unchanged
StackSets whose instances take no overrides; on AWS, a StackSet that takes values from
earlier waves also reads each instance's overrides and its source's outputs (one
DescribeStackInstance per instance and one DescribeStacks per source instance).

Run: .venv/bin/python benchmarks/organization.py [N ...]
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import sys
import tempfile
import time
import urllib.request
import warnings
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
CIDRS = {"us-east-1": "10.0.0.0/16", "us-west-2": "10.1.0.0/16", "eu-west-1": "10.2.0.0/16"}
UNITS = ("workloads", "data", "edge")
ACCOUNT = "123456789012"  # moto's default account: the management account here
STACK_SETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"


def main(sizes: list[int]) -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    # moto skips the one placeholder resource with a warning: nothing to create is the point.
    warnings.filterwarnings("ignore", category=UserWarning, module="moto")

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGIONS[0],
            "AWS_ENDPOINT_URL": endpoint,
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    os.chdir(REPO)
    rows = []
    try:
        for self_managed in (False, True):
            for size in sizes:
                reset(endpoint)
                rows.append(measure(size, self_managed))
    finally:
        reset(endpoint)
        server.stop()
    print_table(rows)


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))


def make_organization(size: int) -> tuple[str, ...]:
    import boto3

    organizations = boto3.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    units = [
        organizations.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"][
            "Id"
        ]
        for name in UNITS
    ]
    for index in range(size):
        status = organizations.create_account(
            Email=f"member{index}@example.com", AccountName=f"member{index}"
        )
        organizations.move_account(
            AccountId=status["CreateAccountStatus"]["AccountId"],
            SourceParentId=root,
            DestinationParentId=units[index % len(units)],
        )
    organizations.enable_aws_service_access(ServicePrincipal=STACK_SETS_PRINCIPAL)
    return tuple(units)


def write_spec(path: Path, units: tuple[str, ...], accounts: tuple[str, ...] = ()) -> None:
    """Service-managed to the units; or, given `accounts`, self-managed to those accounts."""
    certificates = [
        f"    {region}: arn:aws:acm:{region}:{ACCOUNT}:certificate/"
        f"0000000{index}-0000-4000-8000-000000000000"
        for index, region in enumerate(REGIONS)
    ]
    path.write_text(
        "\n".join(
            [
                f"extends: {REPO / 'specs' / 'dev.yaml'}",
                "regions:",
                f"  primary: {REGIONS[0]}",
                f"  secondaries: [{', '.join(REGIONS[1:])}]",
                "network:",
                "  cidrs:",
                *(f"    {region}: {cidr}" for region, cidr in CIDRS.items()),
                "deployment:",
                *(
                    [
                        f"  accounts: [{', '.join(map(repr, accounts))}]",
                        "  permission_model: self_managed",
                    ]
                    if accounts
                    else [
                        "  accounts: []",
                        "  permission_model: service_managed",
                        f"  organizational_units: [{', '.join(units)}]",
                        f'  administration_account: "{ACCOUNT}"',
                    ]
                ),
                "  max_concurrent_percentage: 25",
                "  failure_tolerance_percentage: 10",
                "api:",
                "  certificate_arns:",
                *certificates,
            ]
        )
        + "\n"
    )


def reduce_build(directory: Path, keep_flows: bool) -> None:
    """One resource per template and outputs of constant values; unless `keep_flows`, defaults
    for values from earlier waves (see the docstring)."""
    from dr_compiler.emit import render_json

    manifest_file = directory / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for entry in manifest["stack_sets"]:
        path = directory / entry["template"]
        template = json.loads(path.read_bytes())
        parameters = template.get("Parameters", {})
        if not keep_flows:
            for flow in entry["parameters"]:
                parameters[flow["name"]]["Default"] = "benchmark"
            entry["parameters"] = []
        reduced = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": parameters,
            "Resources": {"Marker": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {
                name: {"Value": f"benchmark-{name}"} for name in template.get("Outputs", {})
            },
        }
        if not reduced["Outputs"]:
            del reduced["Outputs"]
        if not parameters:
            del reduced["Parameters"]
        body = render_json(reduced)
        path.write_bytes(body)
        entry["template_sha256"] = hashlib.sha256(body).hexdigest()
        entry["template_bytes"] = len(body)
        entry["template_transport"] = "inline"
    manifest_file.write_bytes(render_json(manifest))


def member_accounts() -> tuple[str, ...]:
    import boto3

    accounts = boto3.client("organizations").get_paginator("list_accounts").paginate()
    return tuple(
        sorted(a["Id"] for page in accounts for a in page["Accounts"] if a["Id"] != ACCOUNT)
    )


def measure(size: int, self_managed: bool = False) -> dict[str, object]:
    from dr_compiler.cli import run
    from dr_compiler.deploy.aws import AwsClients
    from dr_compiler.deploy.bundle import from_directory
    from dr_compiler.deploy.executor import Executor
    from dr_compiler.deploy.progress import LineProgress
    from dr_compiler.pipeline import load_model

    units = make_organization(size)
    with tempfile.TemporaryDirectory() as folder:
        spec_file = Path(folder) / "org.yaml"
        write_spec(spec_file, units, member_accounts() if self_managed else ())
        errors = io.StringIO()
        code = run(["build", str(spec_file), "--output-dir", folder], io.StringIO(), errors)
        assert code == 0, errors.getvalue()
        build_dir = Path(folder) / "dev"
        reduce_build(build_dir, keep_flows=self_managed)
        if self_managed:
            make_artifact_bucket()
        spec = load_model(spec_file)
        bundle = from_directory(spec, build_dir)

        def executor() -> Executor:
            return Executor(bundle, AwsClients.connect(None, REGIONS[0]))

        started = time.perf_counter()
        first = executor()
        summary = first.deploy(LineProgress(io.StringIO()))
        initial = time.perf_counter() - started
        instances = sum(
            len(first.state(s.name).instances)  # type: ignore[union-attr]
            for s in bundle.stack_sets
        )

        results: dict[str, object] = {
            "model": "self-managed" if self_managed else "service-managed",
            "accounts": size,
            "stack_sets": len(bundle.stack_sets),
            "instances": instances,
            "initial_deploy_s": initial,
            "initial_operations": summary.operations,
        }
        for label, action in (
            ("plan", lambda e: e.plan()),
            ("noop_deploy", lambda e: e.plan().changed and e.deploy(LineProgress(io.StringIO()))),
            ("deploy_walk", lambda e: e.deploy(LineProgress(io.StringIO()))),
        ):
            measured = executor()
            started = time.perf_counter()
            outcome = action(measured)
            results[f"{label}_s"] = time.perf_counter() - started
            counts = measured.clients.calls.counts
            results[f"{label}_calls"] = sum(counts.values())
            results[f"{label}_by_call"] = dict(sorted(counts.items()))
            if label == "deploy_walk":
                results["deploy_walk_operations"] = outcome.operations  # type: ignore[union-attr]
            if label == "noop_deploy":
                assert outcome is False, "a no-op deploy found something to change"
        if self_managed:
            # The same plan once more without the journal: what reading every instance costs.
            import boto3

            boto3.client("s3").delete_object(
                Bucket=f"payments-artifacts-{ACCOUNT}-{REGIONS[0]}-dev",
                Key="journal/payments-dev.json",
            )
            measured = executor()
            started = time.perf_counter()
            measured.plan()
            results["unjournaled_plan_s"] = time.perf_counter() - started
            results["unjournaled_plan_calls"] = sum(measured.clients.calls.counts.values())
        return results


def make_artifact_bucket() -> None:
    """Where the journal goes (bootstrap makes it; the benchmark needs nothing else of it)."""
    import boto3

    boto3.client("s3").create_bucket(Bucket=f"payments-artifacts-{ACCOUNT}-{REGIONS[0]}-dev")


def print_table(rows: list[dict[str, object]]) -> None:
    print(
        f"{'model':<15} {'accounts':>8} {'StackSets':>9} {'instances':>9} | "
        f"{'plan s':>7} {'calls':>5} | {'no-op deploy s':>14} {'calls':>5} | "
        f"{'deploy walk s':>13} {'calls':>5} {'ops':>3}"
    )
    for row in rows:
        print(
            f"{row['model']:<15} {row['accounts']:>8} {row['stack_sets']:>9} "
            f"{row['instances']:>9} | "
            f"{row['plan_s']:>7.2f} {row['plan_calls']:>5} | "
            f"{row['noop_deploy_s']:>14.2f} {row['noop_deploy_calls']:>5} | "
            f"{row['deploy_walk_s']:>13.2f} {row['deploy_walk_calls']:>5} "
            f"{row['deploy_walk_operations']:>3}"
        )
    for row in rows:
        calls = Counter(row["noop_deploy_by_call"])  # type: ignore[arg-type]
        detail = ", ".join(f"{name.split(':')[1]} {count}" for name, count in calls.items())
        print(f"{row['model']} no-op deploy calls at {row['accounts']} accounts: {detail}")
        if "unjournaled_plan_calls" in row:
            print(
                f"  without the journal: plan {row['unjournaled_plan_s']:.2f} s, "
                f"{row['unjournaled_plan_calls']} calls"
            )
    print(
        "initial deploy (not the goal, for scale): "
        + ", ".join(
            f"{row['model']} {row['accounts']} accounts {row['initial_deploy_s']:.1f} s "
            f"({row['initial_operations']} StackSet operations)"
            for row in rows
        )
    )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 100, 200])
