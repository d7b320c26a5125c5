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
