"""The stages chained: load -> schema -> model -> policies(spec) -> compile ->
policies(templates) -> emit.

Each stage is a function with data in and data out; only this module (and the command line
through it) chains them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dr_compiler.errors import InputError, Location, Problem, SpecInvalidError
from dr_compiler.loader import load_spec
from dr_compiler.model import Spec, build_model
from dr_compiler.packaging import FunctionPackage, package_function
from dr_compiler.paths import (
    BUCKET_EMPTIER_SOURCE,
    compiler_functions,
    display_path,
    output_dir,
    project_root_for,
)
from dr_compiler.policies.engine import PolicyReport, check_spec, check_templates, evaluate
from dr_compiler.policies.registry import all_rules, rules_for_packs
from dr_compiler.policies.rule import Finding, TemplateDoc, TemplateSet
from dr_compiler.policies.waivers import waiver_problems
from dr_compiler.schema import validate

if TYPE_CHECKING:
    from dr_compiler.compiler.stage import CompiledSpec


def load_model(path: str | Path, today: date | None = None) -> Spec:
    """Load, validate and normalize a spec, and check its waivers as of `today`; raises
    InputError or SpecInvalidError."""
    document = load_spec(path)
    problems = validate(document)
    if problems:
        raise SpecInvalidError(problems)
    spec = build_model(document)
    problems = waiver_problems(spec, today or date.today())
    if problems:
        raise SpecInvalidError(problems)
    return spec


@dataclass(frozen=True)
class BuildResult:
    spec: Spec
    report: PolicyReport
    compiled: CompiledSpec | None
    files: Mapping[str, bytes]
    out_dir: Path


def function_sources(spec: Spec) -> dict[str, Path]:
    """Function name -> source folder of every function the templates deploy."""
    root = project_root_for(spec.file)
    sources = {f.name: root / f.source for f in spec.functions}
    sources.update((f.name, BUCKET_EMPTIER_SOURCE) for f in compiler_functions(spec))
    return sources


def package_functions(spec: Spec) -> dict[str, FunctionPackage]:
    """Every function packaged; the spec's own functions may hold no link on the way down
    from the project root (packaging.package_function)."""
    root = project_root_for(spec.file)
    return {
        name: package_function(source, within=root)
        for name, source in function_sources(spec).items()
    }


def compile_with_packages(
    spec: Spec, today: date | None = None
) -> tuple[CompiledSpec, dict[str, FunctionPackage]]:
    """Package every function, then compile with each package's content-addressed key."""
    from dr_compiler.compiler.stage import compile_spec  # troposphere: not for `validate`

    packages = package_functions(spec)
    keys = {n: p.s3_key(n) for n, p in packages.items()}
    return compile_spec(spec, keys, today), packages


def check(path: str | Path, today: date | None = None) -> PolicyReport:
    """Load the spec and run the spec rules of its packs: what `validate --spec-only`
    reports. The template rules need the compiled templates, so troposphere; `validate`,
    `build` and `policy` run them."""
    spec = load_model(path, today)
    return evaluate(spec, None, today=today)


def compile_and_check(
    spec: Spec, today: date | None = None
) -> tuple[PolicyReport, CompiledSpec | None, dict[str, FunctionPackage]]:
    """Spec policies; if they pass, compile and run the template policies too."""
    spec_findings = check_spec(spec, rules_for_packs(spec.policy.packs))
    report = evaluate(spec, None, today=today, spec_findings=spec_findings)
    if report.errors():
        return report, None, {}
    compiled, packages = compile_with_packages(spec, today)
    report = evaluate(spec, template_set(compiled), today=today, spec_findings=spec_findings)
    return report, compiled, packages


def template_set(compiled: CompiledSpec) -> TemplateSet:
    """The templates as rules see them, each named by its place in the repository
    (templates_out/<env>/<file>) whatever --output-dir says, so reports are the same bytes
    on every machine and SARIF locations resolve in the repository."""
    home = output_dir(compiled.spec.metadata)
    return TemplateSet(
        tuple(
            TemplateDoc(
                file=(home / s.stack.file).as_posix(),
                region=s.stack.region,
                phase=s.stack.phase.value,
                body=s.template,
                sources=s.sources,
                suppressions=s.suppressions,
            )
            for s in compiled.stacks
        ),
        compiled.spec,
    )


def build(
    path: str | Path,
    *,
    out_base: Path | None = None,
    fail_on: str = "error",
    write: bool = True,
    today: date | None = None,
) -> BuildResult:
    """Validate, check, compile and (when everything passes) write `templates_out/<env>/`."""
    from dr_compiler.compiler.manifest import build_manifest
    from dr_compiler.compiler.services.backup import (
        isolated_vault_file,
        isolated_vault_regions,
        isolated_vault_template,
    )
    from dr_compiler.emit import render_json, write_atomically
    from dr_compiler.report import render
    from dr_compiler.runbook import render_runbook
    from dr_compiler.topology.build import build_graph
    from dr_compiler.topology.svg import to_svg

    spec = load_model(path, today)
    out_dir = output_dir(spec.metadata, out_base)
    report, compiled, packages = compile_and_check(spec, today)
    if compiled is None or report.failed(fail_on):
        return BuildResult(spec, report, compiled, {}, out_dir)
    files = {s.stack.file: render_json(s.template) for s in compiled.stacks}
    for region in isolated_vault_regions(
        spec, ((s.stack.region, s.template) for s in compiled.stacks)
    ):
        # The backup account's vaults: deployed by `bootstrap --backup-vault`, not StackSets.
        files[isolated_vault_file(region)] = render_json(
            isolated_vault_template(spec, region, today or date.today())
        )
    sources = function_sources(spec)
    artifacts: dict[str, Any] = {
        name: {
            "source": display_path(sources[name]),
            "key": package.s3_key(name),
            "sha256": package.sha256,
            "bytes": len(package.zip_bytes),
        }
        for name, package in packages.items()
    }
    files["manifest.json"] = render_json(build_manifest(compiled, files, artifacts))
    files["policy-report.json"] = render(report, "json").encode()
    files["topology.svg"] = to_svg(build_graph(spec)).encode()
    files["runbook.md"] = render_runbook(spec).encode()
    if write:
        _refuse_another_apps_output(spec, out_dir)
        write_atomically(out_dir, files)
    return BuildResult(spec, report, compiled, files, out_dir)


def _refuse_another_apps_output(spec: Spec, out_dir: Path) -> None:
    """Two apps with `metadata.output: by_environment` and one environment name would share
    a folder: the second build must not silently replace the first app's output."""
    import json

    try:
        written = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    app = written.get("app") if isinstance(written, dict) else None
    if app is not None and app != spec.app:
        raise InputError(
            Problem(
                Location(str(out_dir)),
                f"holds the build of app {app}, not {spec.app}: set metadata.output: by_app "
                "in both apps' specs so each writes templates_out/<app>/<env>/",
            )
        )


def bootstrap_template_set(bodies: Mapping[str, Mapping[str, Any]], region: str) -> TemplateSet:
    """Bootstrap templates (name -> body) as the template rules see them, each named
    `bootstrap/<name>.json`. No spec: the rules judge them as they judge any template; the
    spec's architecture rules (regions, failover, data stores) concern the build's templates."""
    from dr_compiler.compiler.bootstrap import BOOTSTRAP_PHASE

    return TemplateSet(
        tuple(
            TemplateDoc(f"bootstrap/{name}.json", region, BOOTSTRAP_PHASE, body)
            for name, body in bodies.items()
        )
    )


def bootstrap_findings(templates: TemplateSet) -> list[Finding]:
    """Every template rule over the bootstrap templates, less the ones the bootstrap keeps on
    purpose (compiler/bootstrap.ACCEPTED)."""
    from dr_compiler.compiler.bootstrap import ACCEPTED

    accepted = {(a.rule_id, a.logical_id) for a in ACCEPTED}
    return [
        finding
        for finding in check_templates(templates, all_rules())
        if (finding.rule_id, finding.resource) not in accepted
    ]
