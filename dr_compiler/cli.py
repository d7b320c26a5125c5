"""The command line: a thin layer over the library. `run(argv) -> exit code` never exits.

Exit codes: 0 ok; 1 the spec is invalid or breaks a policy; 2 usage or input error
(unreadable file, YAML that does not parse, bad arguments, an AWS call refused);
3 internal error (a bug: please report it). `--debug` shows tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dr_compiler import __version__
from dr_compiler.errors import (
    EXIT_INPUT,
    EXIT_INVALID,
    EXIT_OK,
    DrCompilerError,
    environment_error,
)
from dr_compiler.escaping import visible

if TYPE_CHECKING:
    from dr_compiler.policies.engine import PolicyReport

EXIT_INTERNAL = 3

EXAMPLES = """\
examples:
  dr-compiler validate specs/prod.yaml              schema + spec rules, compiles nothing
  dr-compiler build specs/prod.yaml                 + templates_out/prod/
  dr-compiler policy specs/prod.yaml --format sarif --output policy.sarif
  dr-compiler objectives specs/prod.yaml            computed RTO/RPO per component
  dr-compiler rules                                 the policy catalog
  dr-compiler explain DR040                         one rule, with bad and good specs
  dr-compiler bootstrap specs/dev.yaml              StackSet roles and artifact buckets
  dr-compiler plan specs/dev.yaml                   diff against the deployed StackSets
  dr-compiler deploy specs/dev.yaml                 StackSets, wave by wave
  dr-compiler status specs/dev.yaml --drift         stack instances and drift
  dr-compiler destroy specs/dev.yaml --yes          only where the spec allows it

exit codes: 0 ok, 1 invalid spec or policy failure, 2 usage or input error, 3 internal error
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dr-compiler",
        description="Compile declarative disaster-recovery specs into CloudFormation StackSets.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dr-compiler {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (handler, help_text, configure) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
        configure(sub)
        sub.set_defaults(handler=handler)
    return parser


def _spec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="the spec file, e.g. specs/prod.yaml")


def _fail_on(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="lowest finding severity that fails the command (default: error)",
    )


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    _spec_argument(parser)
    _fail_on(parser)
    parser.add_argument(
        "--spec-only",
        action="store_true",
        help="the schema and the spec rules only: compiles nothing, so it is fast (an editor "
        "or pre-commit hook) but skips the template rules that a spec must also pass to deploy",
    )


def _configure_build(parser: argparse.ArgumentParser) -> None:
    _spec_argument(parser)
    _fail_on(parser)
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("templates_out"),
        help="where <env>/ is written (default: templates_out)",
    )


def _configure_policy(parser: argparse.ArgumentParser) -> None:
    from dr_compiler.report import FORMATTERS

    _spec_argument(parser)
    _fail_on(parser)
    parser.add_argument("--format", choices=sorted(FORMATTERS), default="text")
    parser.add_argument("--output", type=Path, help="write the report to this file")


def _configure_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--pack", choices=("dr-core", "pci-dss"), help="only this pack's rules")
    parser.add_argument(
        "--suppressions",
        action="store_true",
        help="list the scanner checks waivers suppress and the compiler's decisions, with reasons",
    )


def _configure_init(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", required=True, help="app name: 2-12 lowercase letters/digits")
    parser.add_argument("--primary", required=True, help="the primary region, e.g. eu-west-1")
    parser.add_argument(
        "--secondary", action="append", required=True, help="a secondary region (repeatable)"
    )
    parser.add_argument("--account", required=True, help="the AWS account to deploy to")
    parser.add_argument("--email", required=True, help="where alarms are sent")
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="the project root (default: .)"
    )


def _configure_explain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule_id", metavar="RULE", help="a rule id, e.g. DR040")


def _aws_options(parser: argparse.ArgumentParser, *, destructive: bool = False) -> None:
    _spec_argument(parser)
    parser.add_argument(
        "--profile", help="AWS profile (default: AWS_PROFILE, else the default chain)"
    )
    parser.add_argument(
        "--region",
        help="region of the StackSets (default: the spec's deployment.administration_region)",
    )
    if destructive:
        parser.add_argument("--yes", action="store_true", help="confirm without asking")


def _build_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--build-dir",
        type=Path,
        help="use the templates `build` wrote there (templates_out/<env>) instead of compiling",
    )


def _configure_bootstrap(parser: argparse.ArgumentParser) -> None:
    _aws_options(parser)
    parser.add_argument(
        "--trust",
        metavar="ACCOUNT",
        help="in a target account that is not the administering one: create only the "
        "execution role, trusting the administering ACCOUNT",
    )
    parser.add_argument(
        "--backup-vault",
        action="store_true",
        help="in the backup account of backup.isolated_copy, with its own credentials: "
        "deploy its vaults",
    )


def _skip_preflight(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--skip-preflight",
        action="store_true",
        help="do not check the live account (certificates, regions, engine version, zones, "
        "bootstrap roles, quotas) before the first StackSet call",
    )


def _configure_plan(parser: argparse.ArgumentParser) -> None:
    _aws_options(parser)
    _build_dir(parser)
    _skip_preflight(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _configure_deploy(parser: argparse.ArgumentParser) -> None:
    _aws_options(parser, destructive=True)
    _build_dir(parser)
    _skip_preflight(parser)


def _configure_status(parser: argparse.ArgumentParser) -> None:
    _aws_options(parser)
    parser.add_argument(
        "--drift", action="store_true", help="run drift detection; exit 1 when anything drifted"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json lists every stack instance; text sums up many per region and status",
    )


def _configure_destroy(parser: argparse.ArgumentParser) -> None:
    _aws_options(parser, destructive=True)


def _print_problems(error: DrCompilerError, stream: TextIO) -> None:
    for problem in error.problems:
        print(f"error: {visible(str(problem))}", file=stream)


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.pipeline import build, check

    # The promise (DESIGN.md, "What validates must deploy"): a spec that passes validate passes
    # the template rules too, so validate compiles in memory; --spec-only stops before that.
    if args.spec_only:
        report = check(args.spec)
    else:
        report = build(args.spec, fail_on=args.fail_on, write=False).report
    return _report_outcome(report, args.fail_on, out, err, f"{args.spec}: valid")


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.pipeline import build

    result = build(args.spec, out_base=args.output_dir, fail_on=args.fail_on)
    stacks = result.compiled.stacks if result.compiled else ()
    written = (
        f"wrote {result.out_dir.as_posix()}/: {len(stacks)} templates in "
        f"{max((s.wave for s in stacks), default=0)} waves, manifest.json, policy-report.json, "
        "topology.svg, runbook.md"
    )
    return _report_outcome(result.report, args.fail_on, out, err, written)


def _report_outcome(
    report: PolicyReport, fail_on: str, out: TextIO, err: TextIO, ok_message: str
) -> int:
    """Findings go to stderr when they fail the command, else to stdout; then the verdict."""
    from dr_compiler.report import render

    if report.findings or report.waiver_problems():
        print(render(report, "text"), end="", file=err if report.failed(fail_on) else out)
    if report.failed(fail_on):
        return EXIT_INVALID
    if ok_message:
        print(ok_message, file=out)
    return EXIT_OK


def cmd_policy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.pipeline import build
    from dr_compiler.report import render

    result = build(args.spec, fail_on=args.fail_on, write=False)
    text = render(result.report, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text, end="", file=out)
    return EXIT_INVALID if result.report.failed(args.fail_on) else EXIT_OK


def cmd_rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.policies.catalog import render_catalog, render_suppressions

    if args.suppressions:
        from dr_compiler.compiler.suppressions import DECISIONS

        print(render_suppressions(DECISIONS, args.format), end="", file=out)
        return EXIT_OK
    print(render_catalog(args.format, args.pack), end="", file=out)
    return EXIT_OK


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.scaffold import Scaffold, write_scaffold

    scaffold = Scaffold(args.app, args.primary, tuple(args.secondary), args.account, args.email)
    for path in write_scaffold(scaffold, args.root):
        print(f"wrote {path}", file=out)
    print(f"next: dr-compiler validate {args.root / 'specs' / args.app / 'prod.yaml'}", file=out)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.policies.catalog import explain

    text = explain(args.rule_id)
    if text is None:
        print(f"error: no rule {args.rule_id!r}; `dr-compiler rules` lists them", file=err)
        return EXIT_INPUT
    print(text, end="", file=out)
    return EXIT_OK


def _configure_objectives(parser: argparse.ArgumentParser) -> None:
    from dr_compiler.report.objectives import FORMATS

    _spec_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default="text")


def cmd_objectives(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.objectives.estimators import estimate
    from dr_compiler.pipeline import load_model
    from dr_compiler.report.objectives import passed, render

    spec = load_model(args.spec)
    print(render(spec, args.format), end="", file=out)
    return EXIT_OK if passed(estimate(spec)) else EXIT_INVALID


def cmd_bootstrap(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.deploy.commands import run_bootstrap

    return run_bootstrap(args, out, err)


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.deploy.commands import run_plan

    return run_plan(args, out, err)


def cmd_deploy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.deploy.commands import run_deploy

    return run_deploy(args, out, err)


def cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.deploy.commands import run_status

    return run_status(args, out, err)


def cmd_destroy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dr_compiler.deploy.commands import run_destroy

    return run_destroy(args, out, err)


Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]
COMMANDS: dict[str, tuple[Handler, str, Callable[[argparse.ArgumentParser], None]]] = {
    "validate": (
        cmd_validate,
        "check a spec: schema, spec rules and the template rules over its compiled templates, "
        "written nowhere (--spec-only: schema and spec rules, nothing compiled)",
        _configure_validate,
    ),
    "build": (cmd_build, "validate, compile and write templates_out/<env>/", _configure_build),
    "policy": (
        cmd_policy,
        "the policy report in text, json, sarif, junit or markdown",
        _configure_policy,
    ),
    "rules": (cmd_rules, "list the policy catalog", _configure_rules),
    "explain": (
        cmd_explain,
        "explain one rule: rationale, remediation, examples",
        _configure_explain,
    ),
    "init": (
        cmd_init,
        "scaffold a new app: specs/<app>/base.yaml, prod.yaml and a worker function",
        _configure_init,
    ),
    "objectives": (
        cmd_objectives,
        "computed RPO and RTO of every component against the objectives (DR090)",
        _configure_objectives,
    ),
    "bootstrap": (
        cmd_bootstrap,
        "create the StackSet roles and the artifact buckets in every target account and region",
        _configure_bootstrap,
    ),
    "plan": (
        cmd_plan,
        "diff the spec against the deployed StackSets: what deploy would change",
        _configure_plan,
    ),
    "deploy": (
        cmd_deploy,
        "deploy the StackSets wave by wave; resumes after a failure",
        _configure_deploy,
    ),
    "status": (
        cmd_status,
        "stack instances, their status and (with --drift) drift",
        _configure_status,
    ),
    "destroy": (
        cmd_destroy,
        "delete stack instances and StackSets, where the spec allows it",
        _configure_destroy,
    ),
}


def run(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    try:
        # argparse prints help, version and usage errors itself: send them where the caller wants.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return EXIT_OK if exit_request.code in (0, None) else EXIT_INPUT
    try:
        return args.handler(args, out, err)
    except DrCompilerError as error:
        if args.debug:
            raise
        _print_problems(error, err)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except OSError as error:  # the machine refused a read or write (disk full): not a bug
        if args.debug:
            raise
        _print_problems(environment_error(error, error.filename or args.command), err)
        return EXIT_INPUT
    except Exception as error:  # a bug, not the user's input: say so in one line
        if args.debug:
            raise
        print(
            f"internal error: {type(error).__name__}: {visible(str(error))} (rerun with --debug "
            "for a traceback)",
            file=err,
        )
        return EXIT_INTERNAL


def main() -> None:
    """The console entry point: the process exits with the command's code, through the
    interpreter's normal shutdown (buffers flushed, atexit handlers run)."""
    sys.exit(run())
