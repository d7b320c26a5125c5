"""The deploy commands behind the command line: bootstrap, plan, deploy, status, destroy.

`cli` imports this module inside its handlers only, so boto3 and rich load when a deploy
command runs, never for `build` or `validate`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from dr_compiler.compiler.bootstrap import output_reader_role
from dr_compiler.compiler.manifest import operation_preferences
from dr_compiler.deploy.aws import AwsClients, aws_errors
from dr_compiler.deploy.bootstrap import bootstrap, deploy_isolated_vaults
from dr_compiler.deploy.bundle import (
    Bundle,
    from_build,
    from_directory,
    stack_set_waves,
)
from dr_compiler.deploy.destroy import check_destroyable, destroy
from dr_compiler.deploy.executor import Executor
from dr_compiler.deploy.operations import Poller
from dr_compiler.deploy.plan import render_json, render_text
from dr_compiler.deploy.preflight import PASSED, preflight
from dr_compiler.deploy.progress import ProgressDisplay
from dr_compiler.deploy.status import collect, detect_drift, drifted, render
from dr_compiler.deploy.status import render_json as render_status_json
from dr_compiler.errors import EXIT_INVALID, EXIT_OK, DrCompilerError, InputError, Location, Problem
from dr_compiler.model import Spec
from dr_compiler.pipeline import build, load_model
from dr_compiler.report import render as render_report


class PolicyFailed(DrCompilerError):
    """The spec breaks a policy: nothing is deployed (exit 1)."""

    exit_code = EXIT_INVALID


def run_bootstrap(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spec = _spec(args)
    if args.backup_vault:
        return _bootstrap_backup_vault(args, spec, out)
    clients = _clients(args, spec)
    with aws_errors(clients), ProgressDisplay(out) as progress:
        summary = bootstrap(spec, clients, progress, Poller(), trust=args.trust)
    print(summary, file=out)
    return EXIT_OK


def _bootstrap_backup_vault(args: argparse.Namespace, spec: Spec, out: TextIO) -> int:
    backup = spec.backup
    if not backup.isolated_account:
        raise InputError(
            Problem(spec.locate("backup"), "--backup-vault needs backup.isolated_copy in the spec")
        )
    clients = AwsClients.connect(args.profile, args.region or spec.regions.primary)
    with aws_errors(clients):
        if clients.account_id != backup.isolated_account:
            raise InputError(
                Problem(
                    spec.locate("backup", "isolated_copy", "account"),
                    f"these credentials are of account {clients.account_id}, not of the backup "
                    f"account {backup.isolated_account}",
                )
            )
        for line in deploy_isolated_vaults(spec, clients):
            print(line, file=out)
    return EXIT_OK


def run_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spec = _spec(args)
    bundle = _bundle(args, spec, err)
    clients = _clients(args, spec)
    with aws_errors(clients):
        _preflight(args, bundle, clients, err)
        plan = Executor(bundle, clients).plan()
    print(render_json(plan) if args.format == "json" else render_text(plan), end="", file=out)
    return EXIT_OK


def run_deploy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spec = _spec(args)
    bundle = _bundle(args, spec, err)
    clients = _clients(args, spec)
    with aws_errors(clients):
        _preflight(args, bundle, clients, err)
        executor = Executor(bundle, clients)
        plan = executor.plan()
        print(render_text(plan), end="", file=out)
        if not plan.changed:
            return EXIT_OK
        if plan.destructive:
            _confirm(args, spec, "This plan removes resources or stack instances.", out)
        with ProgressDisplay(out) as progress:
            summary = executor.deploy(progress)
    print(summary, file=out)
    return EXIT_OK


def run_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spec = _spec(args)
    clients = _clients(args, spec)
    with aws_errors(clients):
        cfn = clients.client("cloudformation")
        rows = collect(cfn, stack_set_waves(spec))
        if args.drift:
            with ProgressDisplay(err) as progress:
                rows = detect_drift(cfn, rows, progress, Poller(), operation_preferences(spec))
    text = render_status_json(rows) if args.format == "json" else render(rows)
    print(text, end="", file=out)
    return EXIT_INVALID if drifted(rows) else EXIT_OK


def run_destroy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spec = _spec(args)
    check_destroyable(spec)
    waves = stack_set_waves(spec)
    clients = _clients(args, spec)
    _confirm(args, spec, f"This deletes every StackSet of {spec.app} {spec.environment}.", out)
    with aws_errors(clients), ProgressDisplay(out) as progress:
        summary = destroy(
            spec,
            clients.client("cloudformation"),
            waves,
            progress,
            Poller(),
            operation_preferences(spec),
            spec.deployment.organizational_units if spec.deployment.service_managed else (),
        )
    print(summary, file=out)
    return EXIT_OK


def _spec(args: argparse.Namespace) -> Spec:
    return load_model(args.spec)


def _bundle(args: argparse.Namespace, spec: Spec, err: TextIO) -> Bundle:
    if args.build_dir is not None:
        return from_directory(spec, args.build_dir)
    result = build(args.spec, write=False)
    if result.report.failed("error") or not result.files:
        print(render_report(result.report, "text"), end="", file=err)
        raise PolicyFailed(
            Problem(Location(spec.file), "the spec breaks policies; nothing was deployed")
        )
    return from_build(result)


def _preflight(args: argparse.Namespace, bundle: Bundle, clients: AwsClients, err: TextIO) -> None:
    """Check the live account before any StackSet operation, unless --skip-preflight."""
    if args.skip_preflight:
        return
    preflight(bundle, clients)
    print(PASSED, file=err)


def _clients(args: argparse.Namespace, spec: Spec) -> AwsClients:
    deployment = spec.deployment
    region = args.region or deployment.administration_region
    if not deployment.service_managed:
        return AwsClients.connect(args.profile, region)
    clients = AwsClients.connect(args.profile, region, deployment.call_as, output_reader_role(spec))
    with aws_errors(clients):
        caller = clients.account_id
    if caller != deployment.administration_account:
        # Templates name the administering account's artifact buckets (naming.artifact_bucket).
        raise InputError(
            Problem(
                spec.locate("deployment", "administration_account"),
                f"these credentials are of account {caller}, not of the administering account "
                f"{deployment.administration_account}",
            )
        )
    return clients


def _confirm(args: argparse.Namespace, spec: Spec, warning: str, out: TextIO) -> None:
    """Ask for the environment name, unless --yes; refuse without a terminal to ask on."""
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise InputError(f"{warning} Pass --yes to confirm (no terminal to ask on).")
    print(f"{warning} Type the environment name ({spec.environment}) to go on:", file=out)
    try:
        answer = input("> ")
    except EOFError:  # Ctrl-D, or a terminal that closed
        answer = ""
    if answer.strip() != spec.environment:
        raise InputError("not confirmed; nothing was changed")
