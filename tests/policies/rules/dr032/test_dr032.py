from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
PRIMARY = "bad.us-east-1.primary.json"
ATTACH = "bad.us-west-2.attach.json"
GLOBAL = "bad.us-east-1.global.json"


def test_components_without_an_alarm_on_their_exact_metric_fail() -> None:
    findings = template_findings("DR032", HERE / PRIMARY, HERE / ATTACH, HERE / GLOBAL)
    assert summary(findings) == {
        # The alarm names another function.
        ("DR032", "ApiFunction", f"{PRIMARY}: ApiFunction"),
        # Ref of a queue is its URL, not the QueueName the metric is published under.
        ("DR032", "PaymentsDeadLetterQueue", f"{PRIMARY}: PaymentsDeadLetterQueue"),
        # S3 publishes the metric by SourceBucket, DestinationBucket and RuleId together.
        (
            "DR032",
            "DocumentsBucket",
            f"{PRIMARY}: DocumentsBucket.ReplicationConfiguration.Rules[0]",
        ),
        # The only lag alarm lives in us-east-1; the cluster's metric is in us-west-2.
        ("DR032", "DatabaseCluster", f"{ATTACH}: DatabaseCluster"),
        ("DR032", "HealthCheckUsWest2", f"{GLOBAL}: HealthCheckUsWest2"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["DatabaseCluster"] == (
        "secondary Aurora cluster DatabaseCluster (payments-db-us-west-2-test) has no AWS/RDS "
        "AuroraGlobalDBReplicationLag alarm on its DBClusterIdentifier"
    )
    assert messages["DocumentsBucket"] == (
        "bucket DocumentsBucket replication rule replicate-to-us-west-2 reports replication "
        "metrics but no AWS/S3 OperationsFailedReplication alarm watches it (dimensions "
        "SourceBucket, DestinationBucket, RuleId)"
    )


def test_alarms_by_name_ref_getatt_and_metric_math_pass() -> None:
    files = (
        "good.us-east-1.primary.json",
        "good.us-west-2.attach.json",
        "good.us-east-1.global.json",
    )
    assert template_findings("DR032", *(HERE / f for f in files)) == []
