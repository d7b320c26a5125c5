from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

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
