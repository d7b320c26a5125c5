from __future__ import annotations

from pathlib import Path

from dr_compiler.policies.rules.dr095_required_tags import tag_property
from tests.policies.ruletest import CLEAN_SPEC, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_taggable_resources_missing_the_required_tags_fail() -> None:
    findings = template_findings("DR095", HERE / BAD)
    # The subscription, queue policy and custom resource take no tags and are not listed.
    assert summary(findings) == {
        ("DR095", "DocumentsBucket", f"{BAD}: DocumentsBucket.Tags"),
        ("DR095", "PaymentsQueue", f"{BAD}: PaymentsQueue.Tags"),
        ("DR095", "BackupVault", f"{BAD}: BackupVault.BackupVaultTags"),
        ("DR095", "TransactionsTable", f"{BAD}: TransactionsTable.Replicas[1].Tags"),
        ("DR095", "ApiRole", f"{BAD}: ApiRole.Tags"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["PaymentsQueue"] == (
        "AWS::SQS::Queue PaymentsQueue.Tags lacks CostCenter, Criticality"
    )
    assert messages["ApiRole"] == (
        "AWS::IAM::Role ApiRole.Tags is computed by an intrinsic function and cannot be checked"
    )


def test_with_a_spec_its_tags_and_environment_are_required_with_their_values() -> None:
    template = HERE / "other-environment.us-east-1.primary.json"
    assert template_findings("DR095", template) == []
    findings = template_findings("DR095", template, spec_file=CLEAN_SPEC)
    assert summary(findings) == {
        (
            "DR095",
            "DocumentsBucket",
            "other-environment.us-east-1.primary.json: DocumentsBucket.Tags",
        )
    }
    assert findings[0].message == (
        "AWS::S3::Bucket DocumentsBucket.Tags lacks Owner; Environment is 'prod', not 'test'"
    )


def test_resources_tagged_in_list_and_map_form_and_per_replica_pass() -> None:
    good = HERE / "good.us-east-1.primary.json"
    assert template_findings("DR095", good) == []
    assert template_findings("DR095", good, spec_file=CLEAN_SPEC) == []


def test_tag_properties_come_from_the_resource_provider_schemas() -> None:
    assert tag_property("AWS::S3::Bucket") == "Tags"
    assert tag_property("AWS::Backup::BackupVault") == "BackupVaultTags"
    assert tag_property("AWS::Route53::HealthCheck") == "HealthCheckTags"
    assert tag_property("AWS::SNS::Subscription") is None
    assert tag_property("Custom::BucketEmptier") is None
