from __future__ import annotations

import pytest

from dr_compiler.policies.engine import check_templates
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import TemplateDoc, TemplateSet


@pytest.mark.parametrize("spelling", [True, "true", "True", "TRUE"])
def test_every_rule_reads_cloudformation_booleans_in_any_case(spelling: object) -> None:
    bucket = {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "PublicAccessBlockConfiguration": {
                flag: spelling
                for flag in (
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                )
            }
        },
    }
    key = {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": spelling}}
    template = TemplateDoc(
        "t.json", "us-east-1", "primary", {"Resources": {"Bucket": bucket, "Key": key}}
    )
    findings = check_templates(TemplateSet((template,)), [rule("DR083"), rule("DR080")])
    assert {(f.rule_id, f.resource) for f in findings} == {("DR080", "Bucket")}
