"""The ALB builder: load balancer, HTTPS listener, Lambda target group and route rules."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.services.alb import API_INVOKE_PERMISSION
from dr_compiler.compiler.services.network import INTERNET_GATEWAY_ATTACHMENT
from dr_compiler.compiler.stage import CompiledSpec

WORKLOAD = (("us-east-1", "us-east-1"), ("us-west-2-attach", "us-west-2"))
TARGET_GROUP = {"Ref": ids.API_TARGET_GROUP}


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def of_type(compiled: CompiledSpec, key: str, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in resources(compiled, key).items() if r["Type"] == kind}


def props(compiled: CompiledSpec, key: str, logical_id: str) -> dict[str, Any]:
    return resources(compiled, key)[logical_id]["Properties"]


def rule_conditions(rule: dict[str, Any]) -> dict[str, list[str]]:
    found = {}
    for condition in rule["Properties"]["Conditions"]:
        config = {
            "http-request-method": "HttpRequestMethodConfig",
            "path-pattern": "PathPatternConfig",
        }[condition["Field"]]
        found[condition["Field"]] = condition[config]["Values"]
    return found


def test_load_balancer_exists_only_in_workload_stacks(compiled_prod: CompiledSpec) -> None:
    for key, _ in WORKLOAD:
        assert ids.LOAD_BALANCER in resources(compiled_prod, key)
    for key in ("us-west-2-base", "global"):
        assert not of_type(compiled_prod, key, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert not of_type(compiled_prod, key, "AWS::ElasticLoadBalancingV2::Listener")


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_load_balancer_is_public_in_the_public_subnets_behind_its_group(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    azs = compiled.spec.network.availability_zones
    base = f"payments-us-west-2-base-{env}-"
    subnets = {
        "us-east-1": [{"Ref": ids.public_subnet(az)} for az in range(azs)],
        "us-west-2-attach": [
            {"Fn::ImportValue": base + ids.public_subnet(az)} for az in range(azs)
        ],
    }
    groups = {
        "us-east-1": [{"Fn::GetAtt": [ids.ALB_SECURITY_GROUP, "GroupId"]}],
        "us-west-2-attach": [{"Fn::ImportValue": base + "AlbSecurityGroupGroupId"}],
    }
    for key, _ in WORKLOAD:
        balancer = props(compiled, key, ids.LOAD_BALANCER)
        assert balancer["Name"] == f"payments-alb-{env}"
        assert balancer["Scheme"] == "internet-facing"
        assert balancer["Type"] == "application"
        assert balancer["Subnets"] == subnets[key]
        assert balancer["SecurityGroups"] == groups[key]


@pytest.mark.parametrize(
    ("fixture", "protected"), [("compiled_prod", "true"), ("compiled_dev", "false")]
)
def test_deletion_protection_follows_production_and_bad_headers_are_dropped(
    request: pytest.FixtureRequest, fixture: str, protected: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    # Access logs go to the region's log bucket: by Ref beside it, by computed name in an
    # attach stack (DR085).
    log_buckets = {
        "us-east-1": {"Ref": ids.LOG_BUCKET},
        "us-west-2-attach": {
            "Fn::Sub": f"aws-waf-logs-payments-${{AWS::AccountId}}-us-west-2-{env}"
        },
    }
    for key, _ in WORKLOAD:
        attributes = props(compiled, key, ids.LOAD_BALANCER)["LoadBalancerAttributes"]
        assert {a["Key"]: a["Value"] for a in attributes} == {
            "routing.http.drop_invalid_header_fields.enabled": "true",
            "deletion_protection.enabled": protected,
            "access_logs.s3.enabled": "true",
            "access_logs.s3.bucket": log_buckets[key],
            "access_logs.s3.prefix": "alb",
        }


def test_the_only_listener_is_https_443_with_the_spec_policy_and_region_certificate(
    compiled_prod: CompiledSpec,
) -> None:
    for key, region in WORKLOAD:
        listeners = of_type(compiled_prod, key, "AWS::ElasticLoadBalancingV2::Listener")
        assert list(listeners) == [ids.HTTPS_LISTENER]
        listener = listeners[ids.HTTPS_LISTENER]["Properties"]
        assert listener["LoadBalancerArn"] == {"Ref": ids.LOAD_BALANCER}
        assert listener["Port"] == 443
        assert listener["Protocol"] == "HTTPS"
        assert listener["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
        assert listener["Certificates"] == [
            {"CertificateArn": compiled_prod.spec.api.certificate_arns[region]}
        ]


def test_unrouted_requests_get_a_json_404_from_the_listener(compiled_prod: CompiledSpec) -> None:
    (action,) = props(compiled_prod, "us-east-1", ids.HTTPS_LISTENER)["DefaultActions"]
    assert action == {
        "Type": "fixed-response",
        "FixedResponseConfig": {
            "StatusCode": "404",
            "ContentType": "application/json",
            "MessageBody": '{"error": "not found"}',
        },
    }


def test_get_health_rule_forwards_to_the_api_target_group(compiled_prod: CompiledSpec) -> None:
    for key, _ in WORKLOAD:
        rules = of_type(compiled_prod, key, "AWS::ElasticLoadBalancingV2::ListenerRule")
        health = [
            r
            for r in rules.values()
            if rule_conditions(r) == {"http-request-method": ["GET"], "path-pattern": ["/health"]}
        ]
        assert len(health) == 1
        assert health[0]["Properties"]["ListenerArn"] == {"Ref": ids.HTTPS_LISTENER}
        assert health[0]["Properties"]["Actions"] == [
            {"Type": "forward", "TargetGroupArn": TARGET_GROUP}
        ]


def test_one_rule_per_route_with_priority_in_spec_order(compiled_prod: CompiledSpec) -> None:
    rules = of_type(compiled_prod, "us-west-2-attach", "AWS::ElasticLoadBalancingV2::ListenerRule")
    by_priority = {r["Properties"]["Priority"]: rule_conditions(r) for r in rules.values()}
    assert by_priority == {
        index + 1: {"http-request-method": [route.method], "path-pattern": [route.path]}
        for index, route in enumerate(compiled_prod.spec.api.routes)
    }


def test_target_group_registers_the_api_function_after_its_invoke_permission(
    compiled_prod: CompiledSpec,
) -> None:
    for key, _ in WORKLOAD:
        target_group = resources(compiled_prod, key)[ids.API_TARGET_GROUP]
        assert target_group["DependsOn"] == [API_INVOKE_PERMISSION]
        assert API_INVOKE_PERMISSION in resources(compiled_prod, key)
        tg = target_group["Properties"]
        assert tg["Name"] == "payments-api-prod"
        assert tg["TargetType"] == "lambda"
        assert tg["Targets"] == [{"Id": {"Fn::GetAtt": ["PaymentApiFunction", "Arn"]}}]
        assert tg["HealthCheckEnabled"] is True
        assert tg["HealthCheckPath"] == compiled_prod.spec.dns.health_check.path
        assert tg["Matcher"] == {"HttpCode": "200"}


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_names_fit_the_32_character_elb_limit(request: pytest.FixtureRequest, fixture: str) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    for key, _ in WORKLOAD:
        for logical_id in (ids.LOAD_BALANCER, ids.API_TARGET_GROUP):
            name = props(compiled, key, logical_id)["Name"]
            assert len(name) <= 32
            assert name.endswith("-" + compiled.spec.environment)


def test_dns_name_and_zone_are_outputs_for_the_global_stack(compiled_prod: CompiledSpec) -> None:
    for key, _ in WORKLOAD:
        outputs = compiled_prod.stack(key).template["Outputs"]
        assert outputs[ids.LOAD_BALANCER_DNS_OUTPUT]["Value"] == {
            "Fn::GetAtt": [ids.LOAD_BALANCER, "DNSName"]
        }
        assert outputs[ids.LOAD_BALANCER_ZONE_OUTPUT]["Value"] == {
            "Fn::GetAtt": [ids.LOAD_BALANCER, "CanonicalHostedZoneID"]
        }


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_the_primary_load_balancer_waits_for_its_internet_gateway_attachment(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    primary = compiled.spec.regions.primary
    load_balancer = resources(compiled, primary)[ids.LOAD_BALANCER]
    attachment = resources(compiled, primary)[INTERNET_GATEWAY_ATTACHMENT]
    # And for the log bucket policy (ELB checks it may write there), and with force_destroy
    # for the log bucket's emptier, so deletion removes the writer before emptying.
    emptier = ["LogBucketEmptier"] if compiled.spec.force_destroy else []
    assert load_balancer["DependsOn"] == [INTERNET_GATEWAY_ATTACHMENT, "LogBucketPolicy", *emptier]
    assert attachment["Properties"]["VpcId"] == {"Ref": ids.VPC}
    # A secondary's gateway is attached by its base stack, a wave before the attach stack.
    for region in compiled.spec.regions.secondaries:
        assert "DependsOn" not in resources(compiled, f"{region}-attach")[ids.LOAD_BALANCER]
        assert INTERNET_GATEWAY_ATTACHMENT in resources(compiled, f"{region}-base")
