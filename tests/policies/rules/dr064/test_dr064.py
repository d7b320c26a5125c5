from __future__ import annotations

from pathlib import Path

from dr_compiler.compiler import ids
from tests.policies.ruletest import (
    compiled_prod,
    set_findings,
    summary,
    template_findings,
    with_defect,
)

HERE = Path(__file__).parent
PRIMARY, ATTACH, BASE = "us-east-1.primary.json", "us-west-2.attach.json", "us-west-2.base.json"


def test_stuck_alarms_unbacked_secondaries_and_one_way_replication_fail() -> None:
    findings = template_findings(
        "DR064", HERE / f"bad.{PRIMARY}", HERE / f"bad.{ATTACH}", HERE / f"bad.{BASE}"
    )
    assert summary(findings) == {
        ("DR064", "ReplicationLagAlarm", f"bad.{PRIMARY}: ReplicationLagAlarm.TreatMissingData"),
        ("DR064", "DatabaseCluster", f"bad.{ATTACH}: DatabaseCluster"),
        (
            "DR064",
            "DocumentsBucket",
            f"bad.{PRIMARY}: DocumentsBucket.ReplicationConfiguration.Rules[0]",
        ),
    }
    messages = sorted(f.message for f in findings)
    assert messages == [
        "bucket DocumentsBucket replicates to us-west-2, but no role there may replicate back "
        "after a failover: objects written in the promoted region stay there",
        "no backup selection in us-west-2 covers DatabaseCluster: after a failover to this "
        "region, nothing backs up the new writer",
        "no replication-lag alarm in us-west-2 watches DatabaseCluster: once another region "
        "is the writer, this cluster's replication goes unwatched",
        "replication-lag alarm ReplicationLagAlarm treats missing data as breaching: Aurora "
        "publishes no lag for the writer, so after a failover it stays in ALARM",
    ]


def test_alarms_backups_and_a_way_back_in_every_region_pass() -> None:
    files = (HERE / f"good.{PRIMARY}", HERE / f"good.{ATTACH}", HERE / f"good.{BASE}")
    assert template_findings("DR064", *files) == []


def test_an_api_on_the_reader_endpoint_of_a_member_that_does_not_forward_fails() -> None:
    file = f"forwarding_bad.{ATTACH}"
    findings = template_findings("DR064", HERE / file)
    assert summary(findings) == {
        ("DR064", "DatabaseCluster", f"{file}: DatabaseCluster.EnableGlobalWriteForwarding")
    }
    assert findings[0].message == (
        "ApiFunction reaches DatabaseCluster through its reader endpoint, but DatabaseCluster "
        "does not forward writes: while another region is the writer (before a promotion, "
        "after a demotion) every write fails"
    )


def test_an_api_on_the_reader_endpoint_of_a_forwarding_member_passes() -> None:
    assert template_findings("DR064", HERE / f"forwarding_good.{ATTACH}") == []


def test_compiled_members_without_write_forwarding_fail_in_both_regions() -> None:
    def drop(body: dict) -> None:
        del body["Resources"][ids.DB_CLUSTER]["Properties"]["EnableGlobalWriteForwarding"]

    primary, attach = (
        "templates_out/prod/us-east-1.json",
        "templates_out/prod/us-west-2-attach.json",
    )
    broken = with_defect(with_defect(compiled_prod(), primary, drop), attach, drop)
    findings = set_findings("DR064", broken)
    assert summary(findings) == {
        ("DR064", ids.DB_CLUSTER, f"{file}: {ids.DB_CLUSTER}.EnableGlobalWriteForwarding")
        for file in (primary, attach)
    }
