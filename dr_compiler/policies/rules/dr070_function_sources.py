"""DR070: every function's code exists, its handler resolves to a callable, it packages, and
it is not a placeholder.

The handler module is parsed with `ast`, never imported: importing would run the function's
module-level code (boto3 clients, environment lookups) on the build machine.
The compiler's own functions (the bucket emptier with force_destroy, the reverse
replication in production) are checked too when the spec deploys them.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dr_compiler.model import Spec
from dr_compiler.packaging import PackagingError, package_function, printable_path
from dr_compiler.paths import (
    BUCKET_EMPTIER_SOURCE,
    compiler_functions,
    display_path,
    project_root_for,
)
from dr_compiler.policies.rule import Level, Rule, Severity, Violation

YamlPath = tuple[str | int, ...]
LAMBDA_ARGUMENTS = 2
"""Lambda's Python runtime calls the handler as handler(event, context)."""
PLACEHOLDER_TEXT = re.compile(r"\bTODO\b|(?i:\bplaceholder\b)")


@dataclass(frozen=True)
class _Target:
    """A function the templates deploy, and where the spec names its source and handler."""

    name: str
    folder: Path
    within: Path | None
    """The project the folder belongs to: no symbolic link on the way down from it."""
    shown: str
    """The folder as the spec (or the compiler, for its own function) names it."""
    handler: str
    source_path: YamlPath
    handler_path: YamlPath


def _targets(spec: Spec) -> list[_Target]:
    root = project_root_for(spec.file)
    targets = [
        _Target(
            f.name,
            root / f.source,
            root,
            f.source,
            f.handler,
            ("functions", f.index, "source"),
            ("functions", f.index, "handler"),
        )
        for f in spec.functions
    ]
    # The compiler's own functions ship beside the compiler, not in the spec's project.
    shown = display_path(BUCKET_EMPTIER_SOURCE)
    targets.extend(
        _Target(f.name, BUCKET_EMPTIER_SOURCE, None, shown, f.handler, f.path, f.path)
        for f in compiler_functions(spec)
    )
    return targets


def _shown(path: Path, target: _Target) -> str:
    """A path of a packaging error as the project names it: functions/x/link, not /home/..."""
    if path.is_relative_to(target.folder):
        shown = Path(target.shown, path.relative_to(target.folder))
    elif target.within is not None and path.is_relative_to(target.within):
        shown = path.relative_to(target.within)
    else:
        shown = path
    return printable_path(shown.as_posix())


def _module_file(folder: Path, module: str) -> Path | None:
    """`pkg.mod` is pkg/mod.py or pkg/mod/__init__.py inside the source folder."""
    base = folder.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_trivial(statement: ast.stmt) -> bool:
    """A statement that does nothing: pass, `...`, a docstring, raise NotImplementedError."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return True
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _signature_problem(function: ast.FunctionDef) -> str | None:
    args = function.args
    positional = len(args.posonlyargs) + len(args.args)
    required = positional - len(args.defaults)
    required_keywords = [
        a.arg
        for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)
        if default is None
    ]
    if (positional < LAMBDA_ARGUMENTS and args.vararg is None) or required > LAMBDA_ARGUMENTS:
        return f"takes {positional} positional parameters; Lambda calls it with (event, context)"
    if required_keywords:
        return f"requires keyword-only {', '.join(required_keywords)}, which Lambda never passes"
    return None


def _handler_problem(module_file: Path, function_name: str, relative: str) -> str | None:
    """Why `function_name` in `module_file` is not a working handler, or None."""
    text = module_file.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(text, filename=str(module_file))
    except SyntaxError as error:
        return f"{relative} does not parse (line {error.lineno}: {error.msg})"
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function_name
    ]
    if not found:
        return f"{relative} defines no top-level function {function_name}"
    function = found[-1]  # a later definition replaces an earlier one
    if isinstance(function, ast.AsyncFunctionDef):
        return f"{function_name} in {relative} is async; Lambda calls handlers synchronously"
    problem = _signature_problem(function)
    if problem:
        return f"{function_name} in {relative} {problem}"
    if all(_is_trivial(statement) for statement in function.body):
        return (
            f"{function_name} in {relative} is a placeholder: its body is only pass, ..., a "
            "docstring or raise NotImplementedError"
        )
    # The function's lines, comments included (ast.get_source_segment is slow on big files).
    segment = "\n".join(text.splitlines()[function.lineno - 1 : function.end_lineno])
    marker = PLACEHOLDER_TEXT.search(segment)
    if marker:
        return f"{function_name} in {relative} is a placeholder: its body says {marker.group()!r}"
    return None


def _check(target: _Target) -> Iterator[Violation]:
    folder = target.folder
    if not os.path.lexists(folder):
        yield Violation(
            f"function {target.name}: source folder {target.shown} does not exist ({folder})",
            target.name,
            path=target.source_path,
        )
        return
    try:
        package_function(folder, target.within)
    except PackagingError as error:
        yield Violation(
            f"function {target.name}: {target.shown} does not package: "
            f"{_shown(error.path, target)} {error.reason}",
            target.name,
            path=target.source_path,
        )
        return
    module, _, function_name = target.handler.rpartition(".")
    module_file = _module_file(folder, module)
    if module_file is None:
        yield Violation(
            f"function {target.name}: handler {target.handler} names module {module}, but "
            f"{target.shown} has no {module.replace('.', '/')}.py",
            target.name,
            path=target.handler_path,
        )
        return
    relative = f"{target.shown}/{module_file.relative_to(folder).as_posix()}"
    problem = _handler_problem(module_file, function_name, relative)
    if problem:
        yield Violation(
            f"function {target.name}: handler {target.handler}: {problem}",
            target.name,
            path=target.handler_path,
        )


def check_spec(spec: Spec) -> Iterator[Violation]:
    for target in _targets(spec):
        yield from _check(target)


RULE = Rule(
    id="DR070",
    title=(
        "Every function's source exists, its handler resolves to a callable, it packages; "
        "no placeholders"
    ),
    severity=Severity.ERROR,
    level=Level.SPEC,
    rationale=(
        "The seed designs deployed Lambda functions from placeholder zips and handlers that "
        "pointed at nothing: the stacks created fine and the failover function failed with "
        "Runtime.ImportModuleError the first time an alarm invoked it, in the middle of an "
        "outage. A missing folder, a handler that names no function, or a body that is still "
        "`pass`/TODO is caught here, before anything deploys. The package holds only regular "
        "files inside the function's folder: a symbolic link would ship whatever it points at "
        "(a link to /etc/passwd ends up in the zip that deploy uploads), and a FIFO or device "
        "would hang the build."
    ),
    remediation=(
        "Point functions[].source at a folder under the project root that holds the code, and "
        "functions[].handler at `module.function` where module.py in that folder defines "
        "`def function(event, context)` with a real body. Keep only regular files in the "
        "folder: copy a linked file in instead of linking it, and remove FIFOs, devices and "
        "sockets."
    ),
    docs="https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html",
    bad_example=(
        "functions:\n  - name: failover-trigger\n    source: functions/failover_trigger\n"
        "    handler: handler.lambda_handler   # handler.py defines main, not lambda_handler\n"
    ),
    good_example=(
        "functions:\n  - name: failover-trigger\n    source: functions/failover_trigger\n"
        "    handler: handler.main             # def main(event, context) in handler.py\n"
    ),
    check_spec=check_spec,
    tags=("lambda", "packaging"),
)
