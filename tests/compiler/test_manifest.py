"""The manifest: StackSets in computed waves, the values that flow between them, artifacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dr_compiler.compiler.manifest import INLINE_TEMPLATE_BYTES, TemplateLimitError, build_manifest
from dr_compiler.pipeline import build

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    result = build(REPO / "specs" / "prod.yaml", out_base=tmp_path_factory.mktemp("out"))
    return result, json.loads(result.files["manifest.json"])


def test_waves_put_bases_before_primary_before_attach_before_global(prod) -> None:  # type: ignore[no-untyped-def]
    _, manifest = prod
    assert manifest["waves"] == [
        {"wave": 1, "stack_sets": ["payments-us-west-2-base-prod"]},
        {"wave": 2, "stack_sets": ["payments-us-east-1-prod"]},
        {"wave": 3, "stack_sets": ["payments-us-west-2-attach-prod"]},
        {"wave": 4, "stack_sets": ["payments-global-prod"]},
    ]


def test_every_parameter_reads_an_output_of_an_earlier_wave(prod) -> None:  # type: ignore[no-untyped-def]
    _, manifest = prod
    by_name = {s["name"]: s for s in manifest["stack_sets"]}
    flows = 0
    for stack_set in manifest["stack_sets"]:
        for parameter in stack_set["parameters"]:
            source = by_name[parameter["stack_set"]]
            assert parameter["output"] in source["outputs"]
            assert source["wave"] < stack_set["wave"]
            assert parameter["region"] in source["regions"]
            flows += 1
    assert flows > 0


def test_without_peering_only_the_probe_target_flows_between_regions(prod) -> None:  # type: ignore[no-untyped-def]
    # The shipped specs do not peer (DR054): the peer VPC id and connection id no longer flow;
    # a secondary reads only the primary load balancer's name, which its probe targets (DR062).
    _, manifest = prod
    by_stack = {s["stack"]: s for s in manifest["stack_sets"]}
    assert by_stack["us-east-1"]["parameters"] == []
    assert by_stack["us-west-2-attach"]["parameters"] == [
        {
            "name": "PrimaryLoadBalancerDnsName",
            "output": "LoadBalancerDnsName",
            "region": "us-east-1",
            "stack_set": "payments-us-east-1-prod",
        }
    ]


def test_stack_set_targets_and_preferences_come_from_the_spec(prod) -> None:  # type: ignore[no-untyped-def]
    _, manifest = prod
    assert manifest["targets"] == {"accounts": ["111111111111"]}
    assert manifest["permission_model"] == "SELF_MANAGED"
    assert manifest["call_as"] == "SELF"
    assert manifest["managed_execution"] == {"Active": False}
    assert "auto_deployment" not in manifest
    assert manifest["operation_preferences"] == {
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": ["us-east-1", "us-west-2"],
        "MaxConcurrentCount": 1,
        "FailureToleranceCount": 0,
    }


def test_service_managed_targets_units_with_auto_deployment_and_percentages() -> None:
    """staging: OU targets, CallAs, AutoDeployment and ManagedExecution from the spec, and an
    artifact bucket in the administering account that every target account reads."""
    result = build(REPO / "specs" / "staging.yaml", write=False)
    manifest = json.loads(result.files["manifest.json"])
    assert manifest["permission_model"] == "SERVICE_MANAGED"
    assert manifest["targets"] == {
        "organizational_units": ["ou-st4g-1ngw0rk1", "ou-st4g-1ngd4t45"],
        "account_filter": {"type": "INTERSECTION", "accounts": ["666666666666"]},
    }
    assert manifest["administration_account"] == "222222222222"
    assert manifest["call_as"] == "DELEGATED_ADMIN"
    assert manifest["auto_deployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert manifest["managed_execution"] == {"Active": True}
    assert manifest["operation_preferences"] == {
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": ["us-east-1", "us-west-2"],
        "MaxConcurrentPercentage": 25,
        "FailureToleranceCount": 0,
    }
    assert {a["buckets"]["us-west-2"] for a in manifest["artifacts"]} == {
        "payments-artifacts-222222222222-us-west-2-staging"
    }


def test_template_hashes_sizes_and_transport_match_the_files(prod) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    result, manifest = prod
    for stack_set in manifest["stack_sets"]:
        body = result.files[stack_set["template"]]
        assert stack_set["template_sha256"] == hashlib.sha256(body).hexdigest()
        assert stack_set["template_bytes"] == len(body)
        expected = "inline" if len(body) <= INLINE_TEMPLATE_BYTES else "s3"
        assert stack_set["template_transport"] == expected


def test_artifact_keys_are_the_keys_the_templates_reference(prod) -> None:  # type: ignore[no-untyped-def]
    result, manifest = prod
    keys = {artifact["key"] for artifact in manifest["artifacts"]}
    referenced = set()
    for stack in result.compiled.stacks:
        for resource in stack.template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                referenced.add(resource["Properties"]["Code"]["S3Key"])
    assert referenced == keys


def test_one_changed_byte_of_a_function_changes_its_key_in_the_template(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "functions", project / "functions")
    (project / "setup.cfg").write_text("")
    spec = project / "prod.yaml"
    spec.write_text(f"extends: {REPO / 'specs' / 'prod.yaml'}\n")
    first = build(spec, out_base=tmp_path / "a")
    handler = project / "functions" / "payment_api" / "handler.py"
    handler.write_bytes(handler.read_bytes() + b"\n")
    second = build(spec, out_base=tmp_path / "b")

    def api_key(result) -> str:  # type: ignore[no-untyped-def]
        template = json.loads(result.files["us-east-1.json"])
        return template["Resources"]["PaymentApiFunction"]["Properties"]["Code"]["S3Key"]

    assert api_key(first) != api_key(second)
    assert (
        json.loads(first.files["us-east-1.json"])["Resources"]["PaymentProcessorFunction"]
        == (json.loads(second.files["us-east-1.json"])["Resources"]["PaymentProcessorFunction"])
    )


def test_a_template_over_the_resource_quota_is_refused_naming_its_stack_set(prod) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    result, _ = prod
    primary = result.compiled.stack("us-east-1")
    bloated = dict(primary.template)
    bloated["Resources"] = {f"Topic{i}": {"Type": "AWS::SNS::Topic"} for i in range(501)}
    stacks = tuple(
        dataclasses.replace(s, template=bloated) if s is primary else s
        for s in result.compiled.stacks
    )
    compiled = dataclasses.replace(result.compiled, stacks=stacks)
    with pytest.raises(TemplateLimitError) as error:
        build_manifest(compiled, result.files, {})
    assert "StackSet payments-us-east-1-prod (us-east-1.json) has 501 resources" in str(error.value)


def test_only_the_stack_set_whose_template_has_a_transform_acknowledges_auto_expand(prod) -> None:  # type: ignore[no-untyped-def]
    result, manifest = prod
    capabilities = {s["name"]: s["capabilities"] for s in manifest["stack_sets"]}
    assert capabilities == {
        "payments-us-west-2-base-prod": ["CAPABILITY_NAMED_IAM"],
        "payments-us-east-1-prod": ["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "payments-us-west-2-attach-prod": ["CAPABILITY_NAMED_IAM"],
        "payments-global-prod": ["CAPABILITY_NAMED_IAM"],
    }
    primary = json.loads(result.files["us-east-1.json"])
    assert primary["Transform"] == "AWS::SecretsManager-2024-09-16"


def test_staging_without_rotation_acknowledges_no_macro() -> None:
    result = build(REPO / "specs" / "staging.yaml", write=False)
    manifest = json.loads(result.files["manifest.json"])
    assert {tuple(s["capabilities"]) for s in manifest["stack_sets"]} == {("CAPABILITY_NAMED_IAM",)}
