"""Deletion and replacement policies of data resources (StackContext.data_policies): retry-safe
in production, deletable with force_destroy."""

from __future__ import annotations

from dr_compiler.compiler.stage import CompiledSpec


def policies(compiled: CompiledSpec) -> dict[tuple[str, str], tuple[str, str]]:
    """(stack key, logical id) -> (DeletionPolicy, UpdateReplacePolicy) of every resource that
    sets a DeletionPolicy."""
    return {
        (stack.stack.key, logical_id): (r["DeletionPolicy"], r.get("UpdateReplacePolicy", ""))
        for stack in compiled.stacks
        for logical_id, r in stack.template["Resources"].items()
        if "DeletionPolicy" in r
    }


def test_production_retains_except_on_the_create_that_made_the_resource(
    compiled_prod: CompiledSpec,
) -> None:
    found = policies(compiled_prod)
    kept = {key: value for key, value in found.items() if value != ("Delete", "Delete")}
    # A rolled-back first create deletes what it made, so the rerun finds no name taken.
    for name in (
        ("us-east-1", "PaymentsQueue"),
        ("us-east-1", "PaymentsDeadLetterQueue"),
        ("us-east-1", "TransactionsTable"),
        ("us-east-1", "DatabaseSecret"),
        ("us-east-1", "BackupVault"),
        ("us-east-1", "DocumentsBucket"),
        ("us-east-1", "FlowLogGroup"),
        ("us-east-1", "KmsKey"),
        ("us-west-2-base", "DocumentsBucket"),
        ("us-west-2-attach", "PaymentApiLogGroup"),
        ("global", "KmsKey"),
    ):
        assert kept[name] == ("RetainExceptOnCreate", "Retain"), name
    assert kept[("us-east-1", "DatabaseCluster")] == ("Snapshot", "Snapshot")
    assert kept[("us-west-2-attach", "DatabaseCluster")] == ("Snapshot", "Snapshot")
    # Nothing is plainly retained: every kept resource is one of the two shapes above.
    assert set(kept.values()) == {("RetainExceptOnCreate", "Retain"), ("Snapshot", "Snapshot")}


def test_force_destroy_deletes_everything(compiled_dev: CompiledSpec) -> None:
    assert set(policies(compiled_dev).values()) == {("Delete", "Delete")}
