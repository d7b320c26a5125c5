from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
SPEC = HERE / "spec.yaml"
PRIMARY = "bad.us-east-1.primary.json"


def test_unselected_data_stores_and_a_plan_without_a_copy_to_the_secondary_vault_fail() -> None:
    findings = template_findings(
        "DR043", HERE / PRIMARY, HERE / "vault.us-west-2.base.json", spec_file=SPEC
    )
    assert summary(findings) == {
        # Ref of a table is its name, not an ARN AWS Backup can select.
        ("DR043", "TransactionsTable", f"{PRIMARY}: TransactionsTable"),
        # Matched by the wildcard ARN, then excluded by NotResources.
        ("DR043", "AuditTable", f"{PRIMARY}: AuditTable"),
        # The selected ARN names the us-west-2 replica bucket.
        ("DR043", "DocumentsBucket", f"{PRIMARY}: DocumentsBucket"),
        # The copy goes to us-west-2 but into a vault named for us-east-1.
        ("DR043", "BackupPlan", f"{PRIMARY}: BackupPlan.BackupPlan.BackupPlanRule[0].CopyActions"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["TransactionsTable"] == (
        "global table TransactionsTable is in no AWS Backup selection: nothing backs it up if "
        "its data is corrupted or deleted"
    )
    assert messages["BackupPlan"] == (
        "backup plan BackupPlan rule hourly has no CopyAction to backup vault "
        "payments-vault-us-west-2-test in us-west-2"
    )


def test_a_secondary_region_without_a_vault_fails_at_copy_to_secondaries() -> None:
    findings = template_findings("DR043", HERE / "good.us-east-1.primary.json", spec_file=SPEC)
    assert summary(findings) == {("DR043", "us-west-2", f"{SPEC}:5:24")}
    assert findings[0].message == (
        "secondary region us-west-2 has no backup vault in its base template to copy backups to"
    )


def test_every_store_selected_by_arn_wildcard_or_tag_with_copies_passes() -> None:
    files = (HERE / "good.us-east-1.primary.json", HERE / "vault.us-west-2.base.json")
    assert template_findings("DR043", *files, spec_file=SPEC) == []
    # Without a spec the copies are not judged, only coverage.
    assert template_findings("DR043", HERE / "good.us-east-1.primary.json") == []


def test_a_plan_without_a_copy_to_the_backup_account_fails_when_the_spec_wants_one() -> None:
    files = (HERE / "good.us-east-1.primary.json", HERE / "vault.us-west-2.base.json")
    findings = template_findings("DR043", *files, spec_file=HERE / "isolated.yaml")
    assert summary(findings) == {
        (
            "DR043",
            "BackupPlan",
            "good.us-east-1.primary.json: BackupPlan.BackupPlan.BackupPlanRule[0].CopyActions",
        )
    }
    assert findings[0].message == (
        "backup plan BackupPlan rule hourly has no CopyAction to the backup account "
        "555555555555 in us-east-1: its recovery points stay within reach of the account they "
        "protect"
    )


def test_a_copy_to_the_backup_account_in_the_plans_region_passes() -> None:
    files = (HERE / "isolated.us-east-1.primary.json", HERE / "vault.us-west-2.base.json")
    assert template_findings("DR043", *files, spec_file=HERE / "isolated.yaml") == []
