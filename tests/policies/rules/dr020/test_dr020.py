from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"
FORCE_DESTROY = HERE / "force_destroy.yaml"


def test_retained_protected_or_unemptied_resources_fail_under_force_destroy() -> None:
    findings = template_findings("DR020", HERE / BAD, spec_file=FORCE_DESTROY)
    assert summary(findings) == {
        ("DR020", "RetainedBucket", f"{BAD}: RetainedBucket.DeletionPolicy"),
        ("DR020", "RetainedBucket", f"{BAD}: RetainedBucket"),
        ("DR020", "UnorderedBucket", f"{BAD}: UnorderedBucket"),
        ("DR020", "DatabaseCluster", f"{BAD}: DatabaseCluster.DeletionPolicy"),
        ("DR020", "DatabaseCluster", f"{BAD}: DatabaseCluster.DeletionProtection"),
        ("DR020", "GlobalCluster", f"{BAD}: GlobalCluster.DeletionProtection"),
        ("DR020", "TransactionsTable", f"{BAD}: TransactionsTable.DeletionPolicy"),
        ("DR020", "TransactionsTable", f"{BAD}: TransactionsTable.UpdateReplacePolicy"),
        (
            "DR020",
            "TransactionsTable",
            f"{BAD}: TransactionsTable.Replicas[1].DeletionProtectionEnabled",
        ),
        ("DR020", "SessionsTable", f"{BAD}: SessionsTable.DeletionPolicy"),
        ("DR020", "KmsKey", f"{BAD}: KmsKey.UpdateReplacePolicy"),
        ("DR020", "LoadBalancer", f"{BAD}: LoadBalancer.LoadBalancerAttributes[1]"),
    }
    messages = {(f.resource, f.template.property_path): f.message for f in findings}
    assert messages[("DatabaseCluster", ("DeletionPolicy",))] == (
        "Aurora cluster DatabaseCluster has DeletionPolicy unset (Snapshot) with force_destroy: "
        "use Delete"
    )
    # RetainExceptOnCreate deletes only on the rollback of a create: a destroy keeps the bucket.
    assert messages[("RetainedBucket", ("DeletionPolicy",))] == (
        "bucket RetainedBucket has DeletionPolicy RetainExceptOnCreate with force_destroy: "
        "use Delete"
    )
    # A plain table is a data store like a global table (blocks.DATA_STORES, shared with DR021).
    assert messages[("SessionsTable", ("DeletionPolicy",))] == (
        "table SessionsTable has DeletionPolicy Retain with force_destroy: use Delete"
    )
    assert messages[("UnorderedBucket", ())] == (
        "bucket UnorderedBucket has no bucket-emptying custom resource naming it and "
        "depending on it: CloudFormation cannot delete a non-empty bucket"
    )


def test_deletable_resources_with_ordered_emptiers_pass() -> None:
    assert (
        template_findings("DR020", HERE / "good.us-east-1.primary.json", spec_file=FORCE_DESTROY)
        == []
    )


def test_a_spec_without_force_destroy_or_no_spec_is_not_judged() -> None:
    assert template_findings("DR020", HERE / BAD, spec_file=CLEAN_SPEC) == []
    assert template_findings("DR020", HERE / BAD) == []
