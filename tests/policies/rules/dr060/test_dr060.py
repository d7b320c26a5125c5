from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
SPEC = HERE / "spec.yaml"
BAD = "bad.us-east-1.global.json"


def test_unchecked_duplicated_or_unpaired_failover_records_fail() -> None:
    findings = template_findings("DR060", HERE / BAD, spec_file=SPEC)
    assert summary(findings) == {
        # Paired with the SECONDARY despite case and trailing dot, but no health check.
        ("DR060", "ApiPrimary", f"{BAD}: ApiPrimary.HealthCheckId"),
        # Two PRIMARY records and no SECONDARY under www: the group lacks a SECONDARY (told
        # at its first record), the second PRIMARY is one too many, the first's
        # HealthCheckId is a hosted zone and the second's a literal id of no health check
        # in this template.
        ("DR060", "WwwRecords", f"{BAD}: WwwRecords.RecordSets[0]"),
        ("DR060", "WwwRecords", f"{BAD}: WwwRecords.RecordSets[1]"),
        ("DR060", "WwwRecords", f"{BAD}: WwwRecords.RecordSets[0].HealthCheckId"),
        ("DR060", "WwwRecords", f"{BAD}: WwwRecords.RecordSets[1].HealthCheckId"),
    }
    messages = sorted(f.message for f in findings)
    assert messages == [
        "PRIMARY failover record api.payments.acmecorp.net A has no HealthCheckId: Route53 "
        "never fails over from it",
        "PRIMARY failover record www.payments.acmecorp.net CNAME HealthCheckId does not "
        "reference an AWS::Route53::HealthCheck of bad.us-east-1.global.json",
        "PRIMARY failover record www.payments.acmecorp.net CNAME HealthCheckId does not "
        "reference an AWS::Route53::HealthCheck of bad.us-east-1.global.json",
        "failover record www.payments.acmecorp.net CNAME has more than one PRIMARY record",
        "failover record www.payments.acmecorp.net CNAME has no SECONDARY record",
    ]


def test_a_global_template_without_failover_for_the_spec_api_name_fails_at_the_record() -> None:
    findings = template_findings("DR060", HERE / "elsewhere.us-east-1.global.json", spec_file=SPEC)
    assert summary(findings) == {("DR060", "api.payments.acmecorp.net", f"{SPEC}:5:11")}
    assert findings[0].message == (
        "no failover records for api.payments.acmecorp.net in the global template: DNS never "
        "moves the API to a secondary region"
    )
    # Without a spec there is no API name to expect, and the status pair itself is sound.
    assert template_findings("DR060", HERE / "elsewhere.us-east-1.global.json") == []


def test_health_checked_primary_and_secondary_pairs_pass() -> None:
    assert template_findings("DR060", HERE / "good.us-east-1.global.json", spec_file=SPEC) == []


LATENCY_SPEC = HERE / "latency.yaml"
LATENCY_BAD = "latency_bad.us-east-1.global.json"


def test_latency_records_without_health_checks_or_regions_fail() -> None:
    findings = template_findings("DR060", HERE / LATENCY_BAD, spec_file=LATENCY_SPEC)
    assert summary(findings) == {
        # No health check: Route 53 keeps answering with the region it cannot see is down.
        ("DR060", "LatencyRecordUsEast1", f"{LATENCY_BAD}: LatencyRecordUsEast1.HealthCheckId"),
        # A "health check" that is the hosted zone.
        ("DR060", "LatencyRecordEuWest1", f"{LATENCY_BAD}: LatencyRecordEuWest1.HealthCheckId"),
        # The spec's secondary has no record: nothing sends clients there.
        ("DR060", "api.payments.acmecorp.net", f"{LATENCY_SPEC}:6:12"),
    }
    assert sorted(f.message for f in findings) == [
        "latency record api.payments.acmecorp.net A for eu-west-1 HealthCheckId does not "
        f"reference an AWS::Route53::HealthCheck of {LATENCY_BAD}",
        "latency record api.payments.acmecorp.net A for us-east-1 has no HealthCheckId: "
        "Route53 keeps answering with us-east-1 while it is down",
        "no latency record for us-west-2 under api.payments.acmecorp.net in the global "
        "template: DNS never sends clients to us-west-2",
    ]


def test_a_health_checked_latency_record_per_region_passes() -> None:
    good = HERE / "latency_good.us-east-1.global.json"
    assert template_findings("DR060", good, spec_file=LATENCY_SPEC) == []
    # Failover routing expected instead: the latency records are not a failover pair.
    assert {f.resource for f in template_findings("DR060", good, spec_file=SPEC)} == {
        "api.payments.acmecorp.net"
    }
