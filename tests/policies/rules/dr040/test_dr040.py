from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import spec_findings, summary, template_findings

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
