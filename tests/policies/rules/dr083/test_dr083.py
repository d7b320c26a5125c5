from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_buckets_without_all_four_block_public_access_flags_fail() -> None:
    findings = template_findings("DR083", HERE / BAD)
    assert summary(findings) == {
        ("DR083", "OpenBucket", f"{BAD}: OpenBucket.PublicAccessBlockConfiguration"),
        ("DR083", "HalfBlockedBucket", f"{BAD}: HalfBlockedBucket.PublicAccessBlockConfiguration"),
    }
    messages = {f.resource: f.message for f in findings}
    # "false" is off, and so is a flag left out; the string "true" counts as on.
    assert messages["HalfBlockedBucket"] == (
        "bucket HalfBlockedBucket PublicAccessBlockConfiguration leaves BlockPublicPolicy, "
        "RestrictPublicBuckets off: all four must be true"
    )


def test_buckets_with_all_four_flags_on_pass() -> None:
    assert template_findings("DR083", HERE / "good.us-west-2.base.json") == []
