"""Scanner suppressions: written from spec waivers and the compiler's decisions, in the
metadata each scanner reads; the `scanners` tests run the real Checkov and cfn-guard."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.compiler.suppressions import DECISIONS, suppressions, write_metadata
from dr_compiler.model import Spec, Waiver

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 30)
REASON = "access logging of this bucket is handled by the central log archive account"


def _with_waiver(spec: Spec, expires: str) -> Spec:
    waiver = Waiver("DR085", ids.bucket("documents"), REASON, expires, 0)
    return replace(spec, policy=replace(spec.policy, waivers=(waiver,)))


def _unlogged_primary(compiled: CompiledSpec) -> dict[str, Any]:
    """The primary template as if the compiler had not logged the documents bucket, with no
    suppression metadata yet."""
    template = copy.deepcopy(compiled.stack(compiled.spec.regions.primary).template)
    for resource in template["Resources"].values():
        resource.pop("Metadata", None)
    del template["Resources"][ids.bucket("documents")]["Properties"]["LoggingConfiguration"]
    return template


def _emit(compiled: CompiledSpec, spec: Spec) -> dict[str, Any]:
    template = _unlogged_primary(compiled)
    write_metadata(template, suppressions(spec, template["Resources"], TODAY))
    return template


def test_a_live_waiver_writes_each_scanners_metadata_with_its_reason_and_expiry(
    compiled_prod: CompiledSpec,
) -> None:
    template = _emit(compiled_prod, _with_waiver(compiled_prod.spec, "2027-03-31"))
    text = f"{REASON} (spec waiver of DR085, expires 2027-03-31)"
    metadata = template["Resources"][ids.bucket("documents")]["Metadata"]
    assert metadata["checkov"] == {"skip": [{"id": "CKV_AWS_18", "comment": text}]}
    assert metadata["cdk_nag"] == {"rules_to_suppress": [{"id": "AwsSolutions-S1", "reason": text}]}
    # Guard's list has names only; the documents bucket also carries two compiler decisions.
    assert metadata["guard"] == {
        "SuppressedRules": [
            "s3_bucket_logging_enabled_check",
            "s3_bucket_object_lock_enabled_check",
            "s3_event_notifications_enabled_check",
        ]
    }
    # DR085 declares no cfn-lint check: nothing is written for cfn-lint.
    assert "cfn-lint" not in metadata
    # The waiver names one resource: the load balancer keeps no DR085 suppression.
    balancer = template["Resources"][ids.LOAD_BALANCER].get("Metadata", {})
    assert "checkov" not in balancer


def test_an_expired_waiver_writes_nothing(compiled_prod: CompiledSpec) -> None:
    template = _emit(compiled_prod, _with_waiver(compiled_prod.spec, "2026-11-29"))
    metadata = template["Resources"][ids.bucket("documents")]["Metadata"]
    assert "checkov" not in metadata and "cdk_nag" not in metadata
    assert "s3_bucket_logging_enabled_check" not in metadata["guard"]["SuppressedRules"]


def test_decisions_are_written_with_their_reason(compiled_prod: CompiledSpec) -> None:
    primary = compiled_prod.stack(compiled_prod.spec.regions.primary)
    monitor = primary.template["Resources"][ids.function("health-monitor")]
    (outside,) = [d for d in DECISIONS if d.name == "functions-outside-vpc"]
    assert monitor["Metadata"]["checkov"] == {
        "skip": [
            {
                "id": "CKV_AWS_117",
                "comment": f"{outside.reason} (compiler decision functions-outside-vpc)",
            }
        ]
    }
    assert monitor["Metadata"]["guard"] == {"SuppressedRules": ["lambda_inside_vpc_check"]}
    # The API function runs in the VPC and reserves nothing: only the reservation decision.
    api = primary.template["Resources"][ids.function("payment-api")]["Metadata"]
    assert [s["id"] for s in api["checkov"]["skip"]] == ["CKV_AWS_115"]
    assert "guard" not in api


def test_the_compilers_own_functions_carry_their_own_decision(compiled_prod: CompiledSpec) -> None:
    attach = compiled_prod.stack("us-west-2-attach").template["Resources"]
    metadata = attach[ids.function("reverse-replication")]["Metadata"]
    (own,) = [d for d in DECISIONS if d.name == "custom-resource-functions"]
    comment = f"{own.reason} (compiler decision custom-resource-functions)"
    assert metadata["checkov"] == {
        "skip": [
            {"id": "CKV_AWS_115", "comment": comment},
            {"id": "CKV_AWS_117", "comment": comment},
        ]
    }
    assert metadata["guard"] == {"SuppressedRules": ["lambda_inside_vpc_check"]}


def test_only_service_roles_with_their_documented_aws_policy_skip_the_aws_managed_check(
    compiled_prod: CompiledSpec,
) -> None:
    decision = next(d for d in DECISIONS if d.name == "service-role-managed-policies")
    text = f"{decision.reason} (compiler decision service-role-managed-policies)"
    resources = compiled_prod.stack(compiled_prod.spec.regions.primary).template["Resources"]
    skipping = {
        logical_id: resource["Metadata"]["cdk_nag"]["rules_to_suppress"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Role" and "cdk_nag" in resource.get("Metadata", {})
    }
    assert skipping == {
        ids.BACKUP_ROLE: [{"id": "AwsSolutions-IAM4", "reason": text}],
        "DatabaseMonitoringRole": [{"id": "AwsSolutions-IAM4", "reason": text}],
    }
    # A role with an AWS managed policy off the list gets no pass.
    role = copy.deepcopy(dict(resources[ids.function_role("payment-api")]))
    role["Properties"]["ManagedPolicyArns"].append(
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}
    )
    assert suppressions(compiled_prod.spec, {"Role": role}, TODAY) == []


def test_every_written_suppression_is_in_the_policy_report(compiled_prod: CompiledSpec) -> None:
    written = {
        (stack.stack.file, lid, skip["id"], skip["comment"])
        for stack in compiled_prod.stacks
        for lid, resource in stack.template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }
    recorded = {
        (stack.stack.file, s.logical_id, s.check.id, s.text)
        for stack in compiled_prod.stacks
        for s in stack.suppressions
        if s.check.scanner.value == "checkov"
    }
    assert written == recorded and written


# The real scanners on one template: what the waiver suppresses comes back without it.

_FINDING = re.compile(r"^[^:]+: (\w+): (checkov|cfn-guard) (\w+)")


def _scan(template: dict[str, Any], tmp_path: Path) -> tuple[int, set[tuple[str, str, str]]]:
    file = tmp_path / "us-east-1.json"
    file.write_text(json.dumps(template, indent=2, sort_keys=True))
    result = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "scan"), str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    found = {m.groups() for line in result.stdout.splitlines() if (m := _FINDING.match(line))}
    return result.returncode, found


@pytest.mark.scanners
def test_removing_the_waiver_makes_checkov_and_cfn_guard_fail_again(
    compiled_prod: CompiledSpec, tmp_path: Path
) -> None:
    waived = _emit(compiled_prod, _with_waiver(compiled_prod.spec, "2027-03-31"))
    assert _scan(waived, tmp_path) == (0, set())
    unwaived = _emit(
        compiled_prod,
        replace(compiled_prod.spec, policy=replace(compiled_prod.spec.policy, waivers=())),
    )
    bucket = ids.bucket("documents")
    assert _scan(unwaived, tmp_path) == (
        1,
        {
            (bucket, "checkov", "CKV_AWS_18"),
            (bucket, "cfn-guard", "s3_bucket_logging_enabled_check"),
        },
    )
