from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, spec_findings, summary, template_findings

HERE = Path(__file__).parent
BAD_TEMPLATE = HERE / "bad.us-east-1.primary.json"


def test_production_with_force_destroy_fails() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR021", spec)
    assert summary(findings) == {("DR021", "lifecycle.force_destroy", f"{spec}:6:18")}
    assert findings[0].message == (
        "environment test is production but lifecycle.force_destroy is true: production data "
        "stores must survive a stack deletion"
    )


def test_production_without_force_destroy_passes() -> None:
    assert spec_findings("DR021", HERE / "good.yaml") == []


def test_deletable_data_stores_and_a_bucket_emptier_in_production_fail() -> None:
    findings = template_findings("DR021", BAD_TEMPLATE, spec_file=HERE / "good.yaml")
    file = BAD_TEMPLATE.name
    assert summary(findings) == {
        ("DR021", "DocumentsBucket", f"{file}: DocumentsBucket.DeletionPolicy"),
        ("DR021", "DocumentsBucket", f"{file}: DocumentsBucket.UpdateReplacePolicy"),
        ("DR021", "DocumentsBucketEmptier", f"{file}: DocumentsBucketEmptier"),
        ("DR021", "GlobalCluster", f"{file}: GlobalCluster.DeletionProtection"),
        ("DR021", "DatabaseCluster", f"{file}: DatabaseCluster.DeletionProtection"),
        (
            "DR021",
            "TransactionsTable",
            f"{file}: TransactionsTable.Replicas[1].PointInTimeRecoverySpecification",
        ),
        ("DR021", "KmsKey", f"{file}: KmsKey.DeletionPolicy"),
        ("DR021", "TransactionsTable", f"{file}: TransactionsTable.UpdateReplacePolicy"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{file}: DocumentsBucket.UpdateReplacePolicy"] == (
        "bucket DocumentsBucket has UpdateReplacePolicy unset (Delete) in production: use Retain"
    )
    assert messages[f"{file}: KmsKey.DeletionPolicy"] == (
        "KMS key KmsKey has DeletionPolicy Snapshot in production: use Retain or "
        "RetainExceptOnCreate"
    )
    # RetainExceptOnCreate is a DeletionPolicy value only: as UpdateReplacePolicy it keeps nothing.
    assert messages[f"{file}: TransactionsTable.UpdateReplacePolicy"] == (
        "global table TransactionsTable has UpdateReplacePolicy RetainExceptOnCreate in "
        "production: use Retain"
    )


def test_retained_protected_data_stores_in_production_pass() -> None:
    # The fixture retains with RetainExceptOnCreate (named stores) and Retain (the key).
    good = HERE / "good.us-east-1.primary.json"
    assert template_findings("DR021", good, spec_file=HERE / "good.yaml") == []


def test_template_checks_apply_only_to_production() -> None:
    assert template_findings("DR021", BAD_TEMPLATE, spec_file=CLEAN_SPEC) == []
    assert template_findings("DR021", BAD_TEMPLATE) == []
