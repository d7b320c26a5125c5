from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_a_global_table_missing_a_region_pitr_key_sse_and_stream_fails() -> None:
    findings = template_findings("DR041", HERE / BAD, spec_file=CLEAN_SPEC)
    assert summary(findings) == {
        ("DR041", "TransactionsTable", f"{BAD}: TransactionsTable.Replicas"),
        (
            "DR041",
            "TransactionsTable",
            f"{BAD}: TransactionsTable.Replicas[0].PointInTimeRecoverySpecification",
        ),
        ("DR041", "TransactionsTable", f"{BAD}: TransactionsTable.Replicas[0].SSESpecification"),
        ("DR041", "TransactionsTable", f"{BAD}: TransactionsTable.SSESpecification"),
        ("DR041", "TransactionsTable", f"{BAD}: TransactionsTable.StreamSpecification"),
    }
    messages = sorted(f.message for f in findings)
    # The replica's Region is a Ref of AWS::Region: the template's region.
    assert "global table TransactionsTable has no replica in us-west-2" in messages
    assert (
        "replica us-east-1 of global table TransactionsTable has no point-in-time recovery"
        in messages
    )


def test_without_a_spec_a_single_replica_table_fails() -> None:
    findings = template_findings("DR041", HERE / "single.us-east-1.primary.json")
    assert summary(findings) == {
        ("DR041", "EventsTable", "single.us-east-1.primary.json: EventsTable.Replicas")
    }
    assert findings[0].message == (
        "global table EventsTable has 1 replica(s): a DR table needs at least two regions"
    )


def test_a_table_replicated_to_every_spec_region_with_pitr_and_keys_passes() -> None:
    good = HERE / "good.us-east-1.primary.json"
    assert template_findings("DR041", good, spec_file=CLEAN_SPEC) == []
    assert template_findings("DR041", good) == []
