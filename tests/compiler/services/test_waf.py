"""WAF: a web ACL on each region's load balancer, its rules, and its logs (DR086)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.services import waf
from dr_compiler.compiler.stage import CompiledSpec
from tests.compiler.conftest import compile_file

REPO = Path(__file__).resolve().parents[3]
WORKLOAD = (("us-east-1", "us-east-1"), ("us-west-2-attach", "us-west-2"))


def _resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


@pytest.mark.parametrize(("key", "region"), WORKLOAD)
def test_each_region_s_load_balancer_is_behind_the_baseline_rule_groups_and_a_rate_rule(
    compiled_prod: CompiledSpec, key: str, region: str
) -> None:
    resources = _resources(compiled_prod, key)
    acl = resources[waf.WEB_ACL]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["Name"] == f"payments-api-{region}-prod"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = sorted(acl["Rules"], key=lambda r: r["Priority"])
    assert [(r["Priority"], r["Name"]) for r in rules] == [
        (0, "rate-limit-per-ip"),
        (1, "AWSManagedRulesAmazonIpReputationList"),
        (2, "AWSManagedRulesCommonRuleSet"),
        (3, "AWSManagedRulesKnownBadInputsRuleSet"),
    ]
    assert rules[0]["Action"] == {"Block": {}}
    assert rules[0]["Statement"] == {
        "RateBasedStatement": {"Limit": 2000, "EvaluationWindowSec": 300, "AggregateKeyType": "IP"}
    }
    for rule in rules[1:]:
        assert rule["OverrideAction"] == {"None": {}}
        assert rule["Statement"] == {
            "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": rule["Name"]}
        }
    association = resources[waf.WEB_ACL_ASSOCIATION]["Properties"]
    assert association == {
        "ResourceArn": {"Ref": ids.LOAD_BALANCER},
        "WebACLArn": {"Fn::GetAtt": [waf.WEB_ACL, "Arn"]},
    }
    logging = resources[waf.WEB_ACL_LOGGING]["Properties"]
    assert logging["ResourceArn"] == {"Fn::GetAtt": [waf.WEB_ACL, "Arn"]}
    assert logging["LogDestinationConfigs"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:s3:::aws-waf-logs-payments-${AWS::AccountId}-"
            f"{region}-prod"
        }
    ]


def test_the_rate_rule_follows_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "strict.yaml"
    spec.write_text(
        f"extends: {REPO / 'specs' / 'prod.yaml'}\n"
        "api:\n  waf: {rate_limit: 300, rate_window_seconds: 60}\n"
    )
    compiled = compile_file(spec)
    rules = _resources(compiled, "us-east-1")[waf.WEB_ACL]["Properties"]["Rules"]
    (rate,) = [r for r in rules if r["Name"] == "rate-limit-per-ip"]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 300
    assert rate["Statement"]["RateBasedStatement"]["EvaluationWindowSec"] == 60


def test_no_web_acl_outside_the_load_balancer_stacks(compiled_prod: CompiledSpec) -> None:
    for key in ("us-west-2-base", "global"):
        kinds = {r["Type"] for r in _resources(compiled_prod, key).values()}
        assert not {k for k in kinds if k.startswith("AWS::WAFv2::")}
