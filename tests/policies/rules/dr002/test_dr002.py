from __future__ import annotations

import dataclasses
from pathlib import Path

from dr_compiler.pipeline import load_model
from dr_compiler.policies.cfn import NAME_PROPERTIES
from dr_compiler.policies.engine import check_spec
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rules.dr002_name_limits import LIMITS, STACK_SET
from tests.policies.ruletest import spec_findings, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_names_over_their_service_limit_or_outside_its_character_set_fail() -> None:
    findings = template_findings("DR002", HERE / BAD)
    assert summary(findings) == {
        ("DR002", "UppercaseBucket", f"{BAD}: UppercaseBucket.BucketName"),
        ("DR002", "LongBucket", f"{BAD}: LongBucket.BucketName"),
        ("DR002", "LoadBalancer", f"{BAD}: LoadBalancer.Name"),
        ("DR002", "WorkerFunction", f"{BAD}: WorkerFunction.FunctionName"),
        ("DR002", "BackupVault", f"{BAD}: BackupVault.BackupVaultName"),
        ("DR002", "DatabaseCluster", f"{BAD}: DatabaseCluster.DBClusterIdentifier"),
    }
    messages = {f.resource: f.message for f in findings}
    # The account id counts as its 12 digits and ${AWS::Region} as the template's region.
    assert messages["LongBucket"] == (
        "AWS::S3::Bucket LongBucket BucketName "
        "'payments-documents-archive-long-extra-${AWS::AccountId}-us-east-1-test' is 65 "
        "characters long: a S3 bucket name takes 3-63 "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)"
    )
    assert "does not allow" in messages["UppercaseBucket"]
    assert "is 39 characters long: a load balancer name takes 1-32" in messages["LoadBalancer"]


def test_names_within_their_limits_pass() -> None:
    assert template_findings("DR002", HERE / "good.us-east-1.primary.json") == []


def test_stack_set_names_of_a_schema_valid_spec_pass() -> None:
    assert spec_findings("DR002", HERE / "spec.yaml") == []


def test_a_stack_set_name_over_128_characters_fails_at_the_app_name() -> None:
    # The schema caps metadata.app at 12 characters, so no valid spec reaches 128: the
    # check guards the naming function itself, exercised here on a model built past it.
    spec = load_model(HERE / "spec.yaml")
    long_app = dataclasses.replace(spec.metadata, app="p" * 120)
    findings = check_spec(dataclasses.replace(spec, metadata=long_app), [rule("DR002")])
    names = {
        "p" * 120 + "-us-east-1-test",
        "p" * 120 + "-us-west-2-base-test",
        "p" * 120 + "-us-west-2-attach-test",
        "p" * 120 + "-global-test",
    }
    location = f"{HERE / 'spec.yaml'}:4:8"
    assert summary(findings) == {("DR002", name, location) for name in names}
    assert findings[0].message.startswith("StackSet name '")
    assert "a StackSet name takes 1-128" in findings[0].message


def test_the_limit_table_covers_every_named_resource_type_with_an_aws_doc() -> None:
    named = {kind for kind, props in NAME_PROPERTIES.items() if props}
    assert named | {STACK_SET} == set(LIMITS)
    assert all(limit.doc.startswith("https://docs.aws.amazon.com/") for limit in LIMITS.values())


def test_region_switch_plan_names_fit_32_characters_of_letters_digits_and_hyphens() -> None:
    # The schema caps app (12) and environment (8), so the compiled <app>-failover-<env> is
    # at most 30 characters; the rule guards hand-written plans and the naming function.
    plan = "plan.us-east-1.global.json"
    findings = template_findings("DR002", HERE / plan)
    assert summary(findings) == {
        ("DR002", "LongPlan", f"{plan}: LongPlan.Name"),
        ("DR002", "Plan", f"{plan}: Plan.Name"),
    }
    messages = {f.resource: f.message for f in findings}
    assert "is 33 characters long: a Region switch plan name takes 1-32" in messages["LongPlan"]
    assert "does not allow" in messages["Plan"]
