from __future__ import annotations

from pathlib import Path

import pytest

from dr_compiler.policies.rules.dr082_tls_only import TLS12_POLICY
from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_unguarded_buckets_and_queues_and_plain_or_old_tls_listeners_fail() -> None:
    findings = template_findings("DR082", HERE / BAD)
    assert summary(findings) == {
        ("DR082", "UnguardedBucket", f"{BAD}: UnguardedBucket"),
        # Its deny covers the objects (/*) but not bucket-level calls.
        ("DR082", "ObjectsOnlyBucket", f"{BAD}: ObjectsOnlyBucket"),
        # Its deny applies to one account's principals only.
        ("DR082", "SomePrincipalsBucket", f"{BAD}: SomePrincipalsBucket"),
        # Its deny covers sqs:SendMessage only.
        ("DR082", "PaymentsQueue", f"{BAD}: PaymentsQueue"),
        ("DR082", "UnguardedQueue", f"{BAD}: UnguardedQueue"),
        ("DR082", "DefaultPolicyListener", f"{BAD}: DefaultPolicyListener.SslPolicy"),
        ("DR082", "Tls10Listener", f"{BAD}: Tls10Listener.SslPolicy"),
        ("DR082", "PlainListener", f"{BAD}: PlainListener.Protocol"),
        ("DR082", "RedirectListener", f"{BAD}: RedirectListener.Protocol"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["Tls10Listener"] == (
        "listener Tls10Listener uses ELBSecurityPolicy-TLS13-1-0-2021-06, "
        "which accepts TLS older than 1.2"
    )
    assert messages["UnguardedQueue"] == (
        "queue UnguardedQueue has no queue policy statement denying every principal all sqs "
        "actions when aws:SecureTransport is false"
    )
    assert messages["RedirectListener"] == (
        "listener RedirectListener is plain HTTP and its rule RedirectListenerHealthRule "
        "serves requests over it"
    )


def test_tls_only_policies_https_listeners_and_redirects_pass() -> None:
    assert template_findings("DR082", HERE / "good.us-east-1.primary.json") == []


@pytest.mark.parametrize(
    "policy",
    [
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    ],
)
def test_policies_that_refuse_tls_before_1_2_are_accepted(policy: str) -> None:
    assert TLS12_POLICY.match(policy)


@pytest.mark.parametrize(
    "policy",
    [
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    ],
)
def test_policies_that_still_accept_tls_1_0_or_1_1_are_refused(policy: str) -> None:
    assert not TLS12_POLICY.match(policy)
