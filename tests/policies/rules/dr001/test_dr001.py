from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import CLEAN_SPEC, summary, template_findings

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_names_without_the_spec_environment_as_a_token_fail() -> None:
    findings = template_findings("DR001", HERE / BAD, spec_file=CLEAN_SPEC)
    assert summary(findings) == {
        ("DR001", "PaymentsQueue", f"{BAD}: PaymentsQueue.QueueName"),
        ("DR001", "DocumentsBucket", f"{BAD}: DocumentsBucket.BucketName"),
        ("DR001", "ApiFunction", f"{BAD}: ApiFunction.FunctionName"),
        ("DR001", "ApiRole", f"{BAD}: ApiRole.RoleName"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["ApiFunction"] == (
        "AWS::Lambda::Function ApiFunction FunctionName 'payments-apitest' does not carry "
        "the environment suffix 'test' as its own '-'-delimited token"
    )
    # ${AWS::Region} is substituted, and a Fn::Join name is read like a Sub.
    assert "'payments-documents-${AWS::AccountId}-us-east-1-testing'" in messages["DocumentsBucket"]
    assert "'payments-api-us-east-1'" in messages["ApiRole"]


def test_without_a_spec_the_environment_tag_is_the_suffix_and_untagged_names_are_skipped() -> None:
    findings = template_findings("DR001", HERE / "tagged.us-west-2.attach.json")
    assert summary(findings) == {
        (
            "DR001",
            "WrongEnvironmentQueue",
            "tagged.us-west-2.attach.json: WrongEnvironmentQueue.QueueName",
        )
    }
    assert "suffix 'prod'" in findings[0].message


def test_names_ending_with_the_environment_pass_including_alias_log_group_and_fifo() -> None:
    assert (
        template_findings("DR001", HERE / "good.us-east-1.primary.json", spec_file=CLEAN_SPEC) == []
    )
