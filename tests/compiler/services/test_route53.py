"""Route53 builder: zone, per-region health checks, failover records and the failover topic."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Inbound, Phase, StackId
from dr_compiler.compiler.stage import CompiledSpec, compile_spec
from dr_compiler.model import Spec


def resources(compiled: CompiledSpec, key: str, kind: str) -> dict[str, dict[str, Any]]:
    template = compiled.stack(key).template
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


def records(compiled: CompiledSpec) -> dict[str, dict[str, Any]]:
    return resources(compiled, "global", "AWS::Route53::RecordSet")


def inbound(compiled: CompiledSpec) -> dict[str, Inbound]:
    return {flow.parameter: flow for flow in compiled.stack("global").inbound}


def recompile(compiled: CompiledSpec, spec: Spec) -> CompiledSpec:
    return compile_spec(spec, compiled.artifact_keys)


def with_third_region(spec: Spec) -> Spec:
    """prod plus a second secondary, eu-west-1 (with the cidr and certificate it needs)."""
    return dataclasses.replace(
        spec,
        regions=dataclasses.replace(
            spec.regions, secondaries=(*spec.regions.secondaries, "eu-west-1")
        ),
        network=dataclasses.replace(
            spec.network, cidrs={**spec.network.cidrs, "eu-west-1": "10.2.0.0/16"}
        ),
        api=dataclasses.replace(
            spec.api,
            certificate_arns={
                **spec.api.certificate_arns,
                "eu-west-1": "arn:aws:acm:eu-west-1:111111111111:certificate/"
                "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5c",
            },
        ),
    )


@pytest.fixture(scope="module")
def compiled_cname(compiled_prod: CompiledSpec) -> CompiledSpec:
    spec = compiled_prod.spec
    return recompile(
        compiled_prod, dataclasses.replace(spec, dns=dataclasses.replace(spec.dns, ttl_seconds=30))
    )


@pytest.fixture(scope="module")
def compiled_three_regions(compiled_prod: CompiledSpec) -> CompiledSpec:
    return recompile(compiled_prod, with_third_region(compiled_prod.spec))


def test_hosted_zone_is_the_spec_zone(
    compiled_prod: CompiledSpec, compiled_dev: CompiledSpec
) -> None:
    for compiled in (compiled_prod, compiled_dev):
        zones = resources(compiled, "global", "AWS::Route53::HostedZone")
        assert list(zones) == [ids.HOSTED_ZONE]
        assert zones[ids.HOSTED_ZONE]["Name"] == compiled.spec.dns.zone
        assert compiled.spec.dns.fqdn in zones[ids.HOSTED_ZONE]["HostedZoneConfig"]["Comment"]


def test_route53_resources_live_only_in_the_global_stack(compiled_prod: CompiledSpec) -> None:
    for stack in compiled_prod.stacks:
        kinds = {r["Type"] for r in stack.template["Resources"].values()}
        route53 = {k for k in kinds if k.startswith("AWS::Route53::")}
        assert bool(route53) == (stack.stack.key == "global"), stack.stack.key


def test_every_region_has_a_health_check_of_the_spec_path(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    check = spec.dns.health_check
    checks = resources(compiled_prod, "global", "AWS::Route53::HealthCheck")
    assert set(checks) == {ids.health_check(region) for region in spec.regions.all}
    for region in spec.regions.all:
        config = checks[ids.health_check(region)]["HealthCheckConfig"]
        assert config == {
            "Type": "HTTPS",
            "EnableSNI": True,
            "FullyQualifiedDomainName": {"Ref": f"LoadBalancerDnsName{ids.pascal(region)}"},
            "Port": check.port,
            "ResourcePath": check.path,
            "RequestInterval": check.interval_seconds,
            "FailureThreshold": check.failure_threshold,
        }
        assert config["ResourcePath"] == "/health"


def test_health_check_is_tagged_with_a_suffixed_name(compiled_prod: CompiledSpec) -> None:
    checks = resources(compiled_prod, "global", "AWS::Route53::HealthCheck")
    tags = {t["Key"]: t["Value"] for t in checks["HealthCheckUsWest2"]["HealthCheckTags"]}
    assert tags["Name"] == "payments-health-check-us-west-2-prod"
    assert tags["Environment"] == "prod"


def test_load_balancer_dns_names_are_read_from_each_regions_workload_stack(
    compiled_prod: CompiledSpec,
) -> None:
    flows = inbound(compiled_prod)
    primary = flows["LoadBalancerDnsNameUsEast1"]
    assert (primary.source, primary.output) == (
        StackId(Phase.PRIMARY, "us-east-1"),
        ids.LOAD_BALANCER_DNS_OUTPUT,
    )
    secondary = flows["LoadBalancerDnsNameUsWest2"]
    assert (secondary.source, secondary.output) == (
        StackId(Phase.ATTACH, "us-west-2"),
        ids.LOAD_BALANCER_DNS_OUTPUT,
    )
    for key in ("us-east-1", "us-west-2-attach"):
        assert ids.LOAD_BALANCER_DNS_OUTPUT in compiled_prod.stack(key).template["Outputs"]


def test_alias_zone_ids_are_read_from_the_load_balancer_zone_outputs(
    compiled_prod: CompiledSpec,
) -> None:
    flows = inbound(compiled_prod)
    assert flows["LoadBalancerHostedZoneIdUsEast1"].source == StackId(Phase.PRIMARY, "us-east-1")
    assert flows["LoadBalancerHostedZoneIdUsWest2"].source == StackId(Phase.ATTACH, "us-west-2")
    assert {f.output for p, f in flows.items() if p.startswith("LoadBalancerHostedZoneId")} == {
        ids.LOAD_BALANCER_ZONE_OUTPUT
    }
    parameters = compiled_prod.stack("global").template["Parameters"]
    assert set(parameters) == set(flows)


def test_failover_records_share_name_and_type_with_one_primary_with_health_check(
    compiled_prod: CompiledSpec, compiled_dev: CompiledSpec
) -> None:
    for compiled in (compiled_prod, compiled_dev):
        found = list(records(compiled).values())
        assert len(found) == 2
        assert {(r["Name"], r["Type"]) for r in found} == {(f"{compiled.spec.dns.fqdn}.", "A")}
        assert sorted(r["Failover"] for r in found) == ["PRIMARY", "SECONDARY"]
        primary = next(r for r in found if r["Failover"] == "PRIMARY")
        assert primary["HealthCheckId"] == {"Ref": "HealthCheckUsEast1"}
        assert all(r["HostedZoneId"] == {"Ref": ids.HOSTED_ZONE} for r in found)
        assert len({r["SetIdentifier"] for r in found}) == 2


def test_primary_alias_points_at_the_primary_load_balancer(compiled_prod: CompiledSpec) -> None:
    primary = records(compiled_prod)["FailoverRecordPrimary"]
    assert primary["AliasTarget"] == {
        "DNSName": {"Ref": "LoadBalancerDnsNameUsEast1"},
        "HostedZoneId": {"Ref": "LoadBalancerHostedZoneIdUsEast1"},
        "EvaluateTargetHealth": True,
    }
    assert "TTL" not in primary and "ResourceRecords" not in primary


def test_secondary_alias_points_at_the_first_secondary_with_its_health_check(
    compiled_prod: CompiledSpec,
) -> None:
    secondary = records(compiled_prod)["FailoverRecordSecondary"]
    assert secondary["AliasTarget"]["DNSName"] == {"Ref": "LoadBalancerDnsNameUsWest2"}
    assert secondary["AliasTarget"]["HostedZoneId"] == {"Ref": "LoadBalancerHostedZoneIdUsWest2"}
    assert secondary["HealthCheckId"] == {"Ref": "HealthCheckUsWest2"}


def test_ttl_gives_cname_records_with_that_ttl(compiled_cname: CompiledSpec) -> None:
    found = records(compiled_cname)
    for logical_id, region in (
        ("FailoverRecordPrimary", "UsEast1"),
        ("FailoverRecordSecondary", "UsWest2"),
    ):
        record = found[logical_id]
        assert record["Type"] == "CNAME"
        assert record["TTL"] == "30"
        assert record["ResourceRecords"] == [{"Ref": f"LoadBalancerDnsName{region}"}]
        assert "AliasTarget" not in record
    parameters = compiled_cname.stack("global").template["Parameters"]
    assert not any(p.startswith("LoadBalancerHostedZoneId") for p in parameters)


def test_http_health_check_has_no_sni(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    http = dataclasses.replace(spec.dns.health_check, protocol="HTTP", port=80)
    compiled = recompile(
        compiled_prod,
        dataclasses.replace(spec, dns=dataclasses.replace(spec.dns, health_check=http)),
    )
    config = resources(compiled, "global", "AWS::Route53::HealthCheck")["HealthCheckUsEast1"][
        "HealthCheckConfig"
    ]
    assert (config["Type"], config["Port"]) == ("HTTP", 80)
    assert "EnableSNI" not in config


def dns_answers(compiled: CompiledSpec, healthy: set[str]) -> str | None:
    """The load balancer DNS name parameter Route53 answers the API name with, given the regions
    whose health check passes: each failover group answers with its PRIMARY while healthy,
    else with its SECONDARY; an alias to another group follows it (EvaluateTargetHealth)."""
    by_name: dict[str, dict[str, dict[str, Any]]] = {}
    for props in records(compiled).values():
        by_name.setdefault(props["Name"], {})[props["Failover"]] = props
    checks = {f"HealthCheck{ids.pascal(r)}": r for r in compiled.spec.regions.all}

    def resolve(name: str) -> str | None:
        group = by_name[name]
        for role in ("PRIMARY", "SECONDARY"):
            record = group[role]
            check = record.get("HealthCheckId", {}).get("Ref")
            target = record.get("AliasTarget", {}).get("DNSName")
            if check is None and target in by_name:
                answer = resolve(target)
                if answer is not None:
                    return answer
            elif checks[check] in healthy:
                return str((target or record["ResourceRecords"][0])["Ref"])
        return None

    return resolve(f"{compiled.spec.dns.fqdn}.")


def test_dns_reaches_every_secondary_in_order(compiled_three_regions: CompiledSpec) -> None:
    regions = compiled_three_regions.spec.regions.all
    assert regions == ("us-east-1", "us-west-2", "eu-west-1")
    answers = {
        frozenset(up): dns_answers(compiled_three_regions, set(up))
        for up in (regions, regions[1:], regions[2:], ("us-east-1", "eu-west-1"), ())
    }
    assert answers == {
        frozenset(regions): "LoadBalancerDnsNameUsEast1",
        frozenset(regions[1:]): "LoadBalancerDnsNameUsWest2",
        frozenset(regions[2:]): "LoadBalancerDnsNameEuWest1",
        frozenset({"us-east-1", "eu-west-1"}): "LoadBalancerDnsNameUsEast1",
        frozenset(): None,
    }
    link = records(compiled_three_regions)["FailoverRecordSecondary"]
    assert link["AliasTarget"] == {
        "HostedZoneId": {"Ref": ids.HOSTED_ZONE},
        "DNSName": "api-failover-1.payments.acmecorp.net.",
        "EvaluateTargetHealth": True,
    }
    assert inbound(compiled_three_regions)["LoadBalancerDnsNameEuWest1"].source == StackId(
        Phase.ATTACH, "eu-west-1"
    )


def test_one_secondary_needs_no_chain(compiled_prod: CompiledSpec) -> None:
    assert sorted(records(compiled_prod)) == ["FailoverRecordPrimary", "FailoverRecordSecondary"]
    assert dns_answers(compiled_prod, {"us-west-2"}) == "LoadBalancerDnsNameUsWest2"


def test_failover_topic_is_encrypted_with_the_global_key(compiled_prod: CompiledSpec) -> None:
    topics = resources(compiled_prod, "global", "AWS::SNS::Topic")
    topic = topics[ids.FAILOVER_TOPIC]
    assert topic["TopicName"] == "payments-failover-global-prod"
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [ids.KMS_KEY, "Arn"]}
    assert ids.KMS_KEY in compiled_prod.stack("global").template["Resources"]


def test_failover_topic_invokes_the_failover_function_of_the_first_secondary(
    compiled_prod: CompiledSpec,
) -> None:
    subscriptions = resources(compiled_prod, "global", "AWS::SNS::Subscription")
    subscription = subscriptions["FailoverTopicSubscription"]
    assert subscription["TopicArn"] == {"Ref": ids.FAILOVER_TOPIC}
    assert subscription["Protocol"] == "lambda"
    assert subscription["Endpoint"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:us-west-2:${AWS::AccountId}"
        ":function:payments-failover-trigger-prod"
    }
    requires = compiled_prod.stack("global").requires
    assert StackId(Phase.ATTACH, "us-west-2") in {r.source for r in requires}


def test_no_failover_subscription_without_automatic_failover(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    manual = dataclasses.replace(spec, failover=dataclasses.replace(spec.failover, automatic=False))
    compiled = recompile(compiled_prod, manual)
    assert "FailoverTopicSubscription" not in compiled.stack("global").template["Resources"]
    assert ids.FAILOVER_TOPIC in compiled.stack("global").template["Resources"]


def test_global_stack_deploys_after_the_workload_stacks(compiled_prod: CompiledSpec) -> None:
    waves = {s.stack.key: s.wave for s in compiled_prod.stacks}
    assert waves["global"] > waves["us-west-2-attach"] > waves["us-east-1"]
    assert waves["global"] == max(waves.values())


def test_outputs_expose_zone_name_servers_and_health_checks(compiled_prod: CompiledSpec) -> None:
    outputs = compiled_prod.stack("global").template["Outputs"]
    assert outputs["HostedZoneId"]["Value"] == {"Ref": ids.HOSTED_ZONE}
    assert outputs["NameServers"]["Value"] == {
        "Fn::Join": [",", {"Fn::GetAtt": [ids.HOSTED_ZONE, "NameServers"]}]
    }
    assert outputs["HealthCheckIdUsEast1"]["Value"] == {"Ref": "HealthCheckUsEast1"}
    assert outputs["HealthCheckIdUsWest2"]["Value"] == {"Ref": "HealthCheckUsWest2"}


def test_dns_resources_point_back_at_the_spec(compiled_prod: CompiledSpec) -> None:
    sources = compiled_prod.stack("global").sources
    for logical_id in (
        ids.HOSTED_ZONE,
        "HealthCheckUsEast1",
        "FailoverRecordPrimary",
        ids.FAILOVER_TOPIC,
    ):
        assert logical_id in sources
        assert sources[logical_id].file.endswith(".yaml")


def test_an_existing_hosted_zone_is_used_not_created(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    existing = dataclasses.replace(spec.dns, hosted_zone_id="Z0123456789ABCDEFGHIJ")
    compiled = recompile(compiled_prod, dataclasses.replace(spec, dns=existing))
    assert resources(compiled, "global", "AWS::Route53::HostedZone") == {}
    assert {r["HostedZoneId"] for r in records(compiled).values()} == {"Z0123456789ABCDEFGHIJ"}
    outputs = compiled.stack("global").template["Outputs"]
    assert outputs["HostedZoneId"]["Value"] == "Z0123456789ABCDEFGHIJ"
    assert "NameServers" not in outputs
