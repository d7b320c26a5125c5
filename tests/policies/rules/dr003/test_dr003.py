from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_bucket_names_without_account_id_or_own_region_tokens_fail() -> None:
    findings = template_findings("DR003", HERE / BAD)
    assert summary(findings) == {
        ("DR003", "SeedBucket", f"{BAD}: SeedBucket.BucketName"),
        ("DR003", "NoRegionBucket", f"{BAD}: NoRegionBucket.BucketName"),
        ("DR003", "OtherRegionBucket", f"{BAD}: OtherRegionBucket.BucketName"),
        ("DR003", "GluedAccountBucket", f"{BAD}: GluedAccountBucket.BucketName"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["SeedBucket"] == (
        "bucket SeedBucket name 'payments-documents-test' lacks the account id "
        "(${AWS::AccountId}) and its region (us-east-1) as '-'-delimited tokens: bucket "
        "names are global across all accounts"
    )
    assert "lacks its region (us-east-1)" in messages["OtherRegionBucket"]
    assert "lacks the account id (${AWS::AccountId}) as" in messages["GluedAccountBucket"]


def test_bucket_names_with_account_and_region_tokens_pass() -> None:
    assert template_findings("DR003", HERE / "good.us-east-1.primary.json") == []
