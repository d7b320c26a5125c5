from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.policies.ruletest import (
    compiled_prod,
    set_findings,
    spec_findings,
    summary,
    template_findings,
    with_defect,
)

HERE = Path(__file__).parent
PRIMARY = "bad.us-east-1.primary.json"
DOCS = f"{PRIMARY}: DocumentsBucket.ReplicationConfiguration"


def test_replication_without_rtc_under_a_900_second_rpo_fails() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR040", spec)
    assert summary(findings) == {
        ("DR040", "documents", f"{spec}:9:20"),
        ("DR040", "invoices", f"{spec}:12:20"),
    }
    assert findings[0].message == (
        "bucket documents replicates without rtc but the buckets RPO is 300 s: only "
        "Replication Time Control bounds replication (99.99 % within 15 minutes)"
    )


def test_rtc_on_every_replicated_bucket_passes() -> None:
    assert spec_findings("DR040", HERE / "good.yaml") == []


def test_incomplete_replication_configurations_fail() -> None:
    findings = template_findings(
        "DR040",
        HERE / PRIMARY,
        HERE / "bad.us-west-2.base.json",
        spec_file=HERE / "good.yaml",
    )
    assert summary(findings) == {
        ("DR040", "DocumentsBucket", f"{PRIMARY}: DocumentsBucket.VersioningConfiguration"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Role"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Rules[0].Status"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Rules[0].DeleteMarkerReplication"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Rules[0].SourceSelectionCriteria"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Rules[0].Destination.EncryptionConfiguration"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Rules[0].Destination.Bucket"),
        ("DR040", "DocumentsBucket", f"{DOCS}.Rules[0].Destination"),
        (
            "DR040",
            "InvoicesBucket",
            f"{PRIMARY}: InvoicesBucket.ReplicationConfiguration.Rules[0].Destination.Bucket",
        ),
        ("DR040", "InvoicesBucket", f"{PRIMARY}: InvoicesBucket.ReplicationConfiguration"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{DOCS}.Rules[0].Destination.Bucket"] == (
        "bucket DocumentsBucket replication rule replicate-to-us-west-2 replicates to "
        "DocumentsBucket in bad.us-west-2.base.json, which is not versioned: S3 requires "
        "versioning on the destination too"
    )
    assert messages[f"{PRIMARY}: InvoicesBucket.ReplicationConfiguration"] == (
        "bucket InvoicesBucket (invoices) does not replicate to us-west-2: the spec "
        "replicates it to every secondary"
    )


def test_complete_replication_to_versioned_destinations_passes() -> None:
    findings = template_findings(
        "DR040",
        HERE / "good.us-east-1.primary.json",
        HERE / "good.us-west-2.base.json",
        spec_file=HERE / "good.yaml",
    )
    assert findings == []


ATTACH = "templates_out/prod/us-west-2-attach.json"
BASE = "templates_out/prod/us-west-2-base.json"
REVERSE = "DocumentsBucketReverseReplication"
ARN = "arn:${AWS::Partition}"
SECONDARY_COPY = "payments-documents-${AWS::AccountId}-us-west-2-prod"


def test_prod_replicates_each_secondary_copy_back_to_the_primary() -> None:
    assert set_findings("DR040", compiled_prod()) == []


def test_a_production_secondary_copy_without_reverse_replication_fails() -> None:
    def drop(body: dict[str, Any]) -> None:
        del body["Resources"][REVERSE]

    findings = set_findings("DR040", with_defect(compiled_prod(), ATTACH, drop))
    assert summary(findings) == {("DR040", "DocumentsBucket", f"{BASE}: DocumentsBucket")}
    assert findings[0].message == (
        "bucket DocumentsBucket (documents) in us-west-2 does not replicate back to us-east-1: "
        "in production each secondary copy replicates to the primary "
        "(Custom::BucketReplication in us-west-2's attach stack) so writes made there during "
        "a failover reach the primary at failback"
    )


def test_a_reverse_replication_to_another_bucket_or_with_an_unknown_role_fails() -> None:
    def misdirect(body: dict[str, Any]) -> None:
        props = body["Resources"][REVERSE]["Properties"]
        # Its own bucket instead of the primary's, and a role nobody created.
        props["DestinationBucket"] = {"Fn::Sub": f"{ARN}:s3:::{SECONDARY_COPY}"}
        props["Role"] = {"Fn::Sub": f"{ARN}:iam::${{AWS::AccountId}}:role/nobody"}

    findings = set_findings("DR040", with_defect(compiled_prod(), ATTACH, misdirect))
    assert summary(findings) == {
        ("DR040", REVERSE, f"{ATTACH}: {REVERSE}.DestinationBucket"),
        ("DR040", REVERSE, f"{ATTACH}: {REVERSE}.Role"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{ATTACH}: {REVERSE}.DestinationBucket"] == (
        f"reverse replication {REVERSE} replicates to {ARN}:s3:::{SECONDARY_COPY}, "
        "which is not bucket documents of the primary us-east-1"
    )
