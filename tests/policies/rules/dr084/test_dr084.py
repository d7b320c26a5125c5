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
BAD = "bad.us-east-1.primary.json"
BASE = "templates_out/prod/us-west-2-base.json"


def test_unscoped_or_wildcard_scoped_service_principals_fail() -> None:
    findings = template_findings("DR084", HERE / BAD)
    # The administrator statement (an AWS principal) and Deny statements are not judged.
    assert summary(findings) == {
        ("DR084", "KmsKey", f"{BAD}: KmsKey.KeyPolicy.Statement[1]"),
        ("DR084", "KmsKey", f"{BAD}: KmsKey.KeyPolicy.Statement[2]"),
        ("DR084", "KmsKey", f"{BAD}: KmsKey.KeyPolicy.Statement[3]"),
    }
    messages = {f.template.property_path[-1]: f.message for f in findings}
    assert messages[1] == (
        "key KmsKey statement LogsEncryptLogGroups lets logs.us-east-1.amazonaws.com use the "
        "key without the kms:EncryptionContext:aws:logs:arn condition: the service would use "
        "it for any account's resources (confused deputy)"
    )
    assert messages[2] == (
        "key KmsKey statement ServicesPublishToEncryptedTopics lets cloudwatch.amazonaws.com, "
        "events.amazonaws.com, sns.amazonaws.com use the key without an aws:SourceAccount, "
        "aws:SourceArn or kms:EncryptionContext condition: the service would use it for any "
        "account's resources (confused deputy)"
    )


def test_source_and_encryption_context_conditions_pass() -> None:
    assert template_findings("DR084", HERE / "good.us-east-1.primary.json") == []


def test_the_compiled_prod_templates_pass() -> None:
    assert set_findings("DR084", compiled_prod()) == []


def test_a_compiled_key_policy_without_its_alarm_condition_fails() -> None:
    def unscope(body: dict) -> None:
        policy = body["Resources"][ids.KMS_KEY]["Properties"]["KeyPolicy"]
        for statement in policy["Statement"]:
            if statement["Sid"] == "AlarmsPublishToEncryptedTopics":
                del statement["Condition"]

    findings = set_findings("DR084", with_defect(compiled_prod(), BASE, unscope))
    assert summary(findings) == {
        ("DR084", ids.KMS_KEY, f"{BASE}: {ids.KMS_KEY}.KeyPolicy.Statement[2]"),
    }
