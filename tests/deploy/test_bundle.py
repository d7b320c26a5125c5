"""The bundle: a build's manifest, templates and zips, from memory or from a build folder."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dr_compiler.cli import run
from dr_compiler.deploy.bundle import (
    Bundle,
    Organization,
    from_build,
    from_directory,
    stack_set_waves,
)
from dr_compiler.errors import InputError
from dr_compiler.model import Spec
from dr_compiler.pipeline import build, load_model

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "specs" / "dev.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("build")
    assert run(["build", str(DEV), "--output-dir", str(base)], io.StringIO(), io.StringIO()) == 0
    return base / "dev"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_model(DEV)


@pytest.fixture(scope="module")
def bundle(spec: Spec, built: Path) -> Bundle:
    return from_directory(spec, built)


def test_a_build_folder_and_an_in_memory_build_give_the_same_bundle(bundle: Bundle) -> None:
    assert from_build(build(DEV, write=False)) == bundle


def test_waves_follow_the_manifest(bundle: Bundle) -> None:
    assert [(n, [s.name for s in sets]) for n, sets in bundle.waves] == [
        (1, ["payments-us-west-2-base-dev"]),
        (2, ["payments-us-east-1-dev"]),
        (3, ["payments-us-west-2-attach-dev"]),
        (4, ["payments-global-dev"]),
    ]
    primary = bundle.stack_sets[1]
    assert primary.transport == "s3"
    # Without peering (DR054) the primary reads nothing; the global stack reads both ALBs.
    assert primary.parameters == ()
    global_stack = bundle.stack_sets[3]
    assert ("LoadBalancerDnsNameUsWest2", "payments-us-west-2-attach-dev", "us-west-2") in [
        (p.name, p.stack_set, p.region) for p in global_stack.parameters
    ]


def test_artifacts_go_to_the_bucket_of_each_account_and_region(bundle: Bundle) -> None:
    assert bundle.artifact_bucket("333333333333", "us-west-2") == (
        "payments-artifacts-333333333333-us-west-2-dev"
    )
    global_stack = bundle.stack_sets[3]
    assert bundle.artifacts_in(global_stack) == ()
    primary = {a.function for a in bundle.artifacts_in(bundle.stack_sets[1])}
    assert primary >= {"payment-api", "payment-processor", "health-monitor", "failover-trigger"}


def test_stack_set_waves_without_policies(spec: Spec) -> None:
    assert stack_set_waves(spec) == (
        (1, "payments-us-west-2-base-dev"),
        (2, "payments-us-east-1-dev"),
        (3, "payments-us-west-2-attach-dev"),
        (4, "payments-global-dev"),
    )


def test_a_template_changed_after_the_build_is_refused(
    spec: Spec, built: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "dev"
    copy.mkdir()
    for file in built.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    (copy / "global.json").write_text("{}")
    with pytest.raises(InputError) as raised:
        from_directory(spec, copy)
    assert "changed since the build wrote its manifest" in str(raised.value)


def test_a_build_of_another_environment_is_refused(built: Path) -> None:
    staging = load_model(REPO / "specs" / "staging.yaml")
    with pytest.raises(InputError) as raised:
        from_directory(staging, built)
    assert "built for payments dev, not for payments staging" in str(raised.value)


def test_function_sources_changed_since_the_build_are_refused(
    spec: Spec, built: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "dev"
    copy.mkdir()
    for file in built.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["artifacts"][0]["sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as raised:
        from_directory(spec, copy)
    assert "function bucket-emptier: its source (functions/bucket_emptier) changed" in str(
        raised.value
    )


def test_a_folder_without_a_manifest_is_an_input_error(spec: Spec, tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        from_directory(spec, tmp_path)
    assert "not a dr-compiler build output" in str(raised.value)


def test_service_managed_bundles_target_units_and_read_the_administering_bucket() -> None:
    bundle = from_build(build(REPO / "specs" / "staging.yaml", write=False))
    assert bundle.accounts == ()
    assert bundle.organization == Organization(
        units=("ou-st4g-1ngw0rk1", "ou-st4g-1ngd4t45"),
        filter_type="INTERSECTION",
        filter_accounts=("666666666666",),
        administration_account="222222222222",
        auto_deployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
    )
    assert bundle.managed_execution == {"Active": True}
    # Every target account's zips come from the administering account's bucket.
    assert bundle.artifact_account("666666666666") == "222222222222"
    assert (
        bundle.artifact_bucket(bundle.artifact_account("666666666666"), "us-west-2")
        == "payments-artifacts-222222222222-us-west-2-staging"
    )


@pytest.mark.parametrize(
    ("damage", "text"),
    [
        (lambda m: m["stack_sets"][0].pop("template_sha256"), "no 'template_sha256'"),
        (lambda m: m.pop("operation_preferences"), "no 'operation_preferences'"),
        (lambda m: m["artifacts"][0].pop("key"), "no 'key'"),
    ],
)
def test_a_manifest_missing_a_field_is_an_input_error(
    built: Path, spec: Spec, tmp_path: Path, damage: object, text: str
) -> None:
    copy = tmp_path / "dev"
    copy.mkdir()
    for file in built.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text())
    damage(manifest)  # type: ignore[operator]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError) as raised:
        from_directory(spec, copy)
    assert f"not a dr-compiler build output: {text}" in str(raised.value)


def test_a_manifest_that_is_not_an_object_is_an_input_error(spec: Spec, tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("[]")
    with pytest.raises(InputError) as raised:
        from_directory(spec, tmp_path)
    assert "not a dr-compiler build output" in str(raised.value)


def test_each_stack_set_carries_the_capabilities_its_template_needs(bundle: Bundle) -> None:
    """dev rotates its database secret: the primary's template has the AWS::SecretsManager
    transform, a macro, so its operations acknowledge CAPABILITY_AUTO_EXPAND."""
    assert {s.name: s.capabilities for s in bundle.stack_sets} == {
        "payments-us-west-2-base-dev": ("CAPABILITY_NAMED_IAM",),
        "payments-us-east-1-dev": ("CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"),
        "payments-us-west-2-attach-dev": ("CAPABILITY_NAMED_IAM",),
        "payments-global-dev": ("CAPABILITY_NAMED_IAM",),
    }
    assert [s.name for s in bundle.stack_sets if "Transform" in s.template] == [
        "payments-us-east-1-dev"
    ]
