"""What `deploy` deploys: the manifest, its templates and the function zips, as one value.

A bundle comes from a build in memory (`from_build`), or from a directory that `build` wrote
(`from_directory`), so CI can deploy exactly the templates a reviewer saw. Either way the
manifest decides everything about ordering; nothing here reads the spec's services.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dr_compiler.compiler.naming import ACCOUNT, artifact_bucket, stack_set_name
from dr_compiler.errors import InputError, Location, Problem
from dr_compiler.model import Spec
from dr_compiler.packaging import FunctionPackage
from dr_compiler.pipeline import BuildResult, compile_with_packages, package_functions

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ParameterFlow:
    """Template parameter `name` takes output `output` of StackSet `stack_set` in `region`."""

    name: str
    stack_set: str
    region: str
    output: str


@dataclass(frozen=True)
class StackSetSource:
    """One StackSet of the manifest with its template."""

    name: str
    stack: str
    wave: int
    body: bytes
    transport: str
    regions: tuple[str, ...]
    parameters: tuple[ParameterFlow, ...]
    capabilities: tuple[str, ...]
    """What its StackSet operations acknowledge (the manifest's, see manifest.py)."""

    @property
    def template(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Artifact:
    function: str
    key: str
    package: FunctionPackage


@dataclass(frozen=True)
class Organization:
    """Service-managed targets: organizational units, narrowed by an account filter."""

    units: tuple[str, ...]
    filter_type: str
    filter_accounts: tuple[str, ...]
    administration_account: str
    auto_deployment: Mapping[str, bool]


@dataclass(frozen=True)
class Bundle:
    spec: Spec
    accounts: tuple[str, ...]  # self-managed targets; service-managed: see `organization`
    operation_preferences: Mapping[str, Any]
    stack_sets: tuple[StackSetSource, ...]
    artifacts: tuple[Artifact, ...]
    organization: Organization | None = None
    managed_execution: Mapping[str, bool] = field(default_factory=lambda: {"Active": False})

    @property
    def waves(self) -> tuple[tuple[int, tuple[StackSetSource, ...]], ...]:
        numbers = sorted({s.wave for s in self.stack_sets})
        return tuple(
            (number, tuple(s for s in self.stack_sets if s.wave == number)) for number in numbers
        )

    def artifact_bucket(self, account: str, region: str) -> str:
        """The bucket `account`'s templates read their zips from in `region`: its own
        (self-managed), or the administering account's (service-managed)."""
        # naming.artifact_bucket with the account placeholder filled in, as CloudFormation would
        return artifact_bucket(self.spec, region).replace(ACCOUNT, account)

    def artifact_account(self, target_account: str) -> str:
        """Whose bucket serves `target_account`'s zips: its own, or the administering one's."""
        if self.organization is not None:
            return self.organization.administration_account
        return target_account

    @property
    def units(self) -> tuple[str, ...]:
        return self.organization.units if self.organization else ()

    def artifacts_in(self, stack_set: StackSetSource) -> tuple[Artifact, ...]:
        """The zips a template refers to (keys are content hashes: a substring test is exact)."""
        text = stack_set.body.decode()
        return tuple(a for a in self.artifacts if a.key in text)

    def description(self, stack_set: StackSetSource) -> str:
        return f"dr-compiler: {self.spec.app} {self.spec.environment} {stack_set.stack}"


def from_build(result: BuildResult) -> Bundle:
    """The bundle of a successful in-memory build (`pipeline.build(..., write=False)`)."""
    return _bundle(result.spec, json.loads(result.files[MANIFEST]), result.files, Path("<build>"))


def from_directory(spec: Spec, directory: Path) -> Bundle:
    """The bundle of `build`'s output folder, checked against its manifest byte for byte."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise TypeError("the manifest is not a JSON object")
        files = {
            entry["template"]: (directory / entry["template"]).read_bytes()
            for entry in manifest["stack_sets"]
        }
        changed = [
            entry["template"]
            for entry in manifest["stack_sets"]
            if hashlib.sha256(files[entry["template"]]).hexdigest() != entry["template_sha256"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise _not_a_build(directory, error) from None
    if changed:
        raise InputError(
            Problem(
                Location(str(directory / changed[0])),
                "changed since the build wrote its manifest; run `dr-compiler build` again",
            )
        )
    return _bundle(spec, manifest, files, directory)


def _bundle(
    spec: Spec, manifest: Mapping[str, Any], files: Mapping[str, bytes], origin: Path
) -> Bundle:
    _check_manifest(spec, manifest, origin)
    try:
        organization = _organization(manifest)
        accounts = () if organization else tuple(manifest["targets"]["accounts"])
        managed_execution = dict(manifest["managed_execution"])
        preferences = dict(manifest["operation_preferences"])
        stack_sets = tuple(
            sorted(
                (_stack_set(entry, files[entry["template"]]) for entry in manifest["stack_sets"]),
                key=lambda s: (s.wave, s.name),
            )
        )
        artifact_entries = [
            (str(e["function"]), str(e["key"]), str(e["sha256"]), str(e["source"]))
            for e in manifest["artifacts"]
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise _not_a_build(origin, error) from None
    return Bundle(
        spec=spec,
        accounts=accounts,
        operation_preferences=preferences,
        stack_sets=stack_sets,
        artifacts=_artifacts(spec, artifact_entries, origin),
        organization=organization,
        managed_execution=managed_execution,
    )


def _organization(manifest: Mapping[str, Any]) -> Organization | None:
    if manifest["permission_model"] != "SERVICE_MANAGED":
        return None
    targets = manifest["targets"]
    account_filter = targets.get("account_filter", {"type": "NONE", "accounts": []})
    return Organization(
        units=tuple(targets["organizational_units"]),
        filter_type=str(account_filter["type"]),
        filter_accounts=tuple(account_filter["accounts"]),
        administration_account=str(manifest["administration_account"]),
        auto_deployment=dict(manifest["auto_deployment"]),
    )


def _not_a_build(origin: Path, error: Exception) -> InputError:
    detail = f"no {error}" if isinstance(error, KeyError) else str(error)
    return InputError(
        Problem(Location(str(origin / MANIFEST)), f"not a dr-compiler build output: {detail}")
    )


def _check_manifest(spec: Spec, manifest: Mapping[str, Any], origin: Path) -> None:
    where = Location(str(origin / MANIFEST))
    if (manifest.get("app"), manifest.get("environment")) != (spec.app, spec.environment):
        raise InputError(
            Problem(
                where,
                f"built for {manifest.get('app')} {manifest.get('environment')}, "
                f"not for {spec.app} {spec.environment} ({spec.file})",
            )
        )


def stack_set_waves(spec: Spec) -> tuple[tuple[int, str], ...]:
    """(wave, StackSet name) of every StackSet the spec compiles to, in wave order.

    Compiles without running policies: `status` and `destroy` must work on a deployment even
    when its spec has since started to break a rule.
    """
    compiled, _ = compile_with_packages(spec)
    return tuple(sorted((s.wave, stack_set_name(spec, s.stack.key)) for s in compiled.stacks))


def _stack_set(entry: Mapping[str, Any], body: bytes) -> StackSetSource:
    return StackSetSource(
        name=str(entry["name"]),
        stack=str(entry["stack"]),
        wave=int(entry["wave"]),
        body=body,
        transport=str(entry["template_transport"]),
        regions=tuple(entry["regions"]),
        parameters=tuple(
            ParameterFlow(p["name"], p["stack_set"], p["region"], p["output"])
            for p in entry["parameters"]
        ),
        capabilities=tuple(entry["capabilities"]),
    )


def _artifacts(
    spec: Spec, entries: Sequence[tuple[str, str, str, str]], origin: Path
) -> tuple[Artifact, ...]:
    """(function, key, sha256, source) of the manifest, checked against the sources now."""
    packages = package_functions(spec)
    artifacts = []
    for function, key, sha256, source in entries:
        package = packages.get(function)
        if package is None or package.sha256 != sha256:
            raise InputError(
                Problem(
                    Location(str(origin / MANIFEST)),
                    f"function {function}: its source ({source}) changed "
                    "since the build; run `dr-compiler build` again",
                )
            )
        artifacts.append(Artifact(function, key, package))
    return tuple(artifacts)
