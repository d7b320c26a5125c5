"""Route53: the hosted zone, a health check per region, and the failover records (DR060).

The hosted zone is created here unless the spec names an existing one (`dns.hosted_zone_id`):
accounts that already own their domain's zone put the failover records into it.

Everything here lives in the global stack (us-east-1). What it points at, each region's load
balancer, only exists once that region's workload stack has deployed, so the load balancer
DNS names and canonical hosted-zone ids flow in as StackSet parameters (Inbound). That is
what puts the global stack in the last wave.

Route53 failover routing allows exactly one PRIMARY and one SECONDARY record per name and
type, so more than one secondary is an ordered chain of failover groups ("complex failover
configurations": a failover record can be an alias to another record of the same hosted
zone, and with EvaluateTargetHealth it is healthy while any record behind it is,
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-complex-configs.html).
The API name's SECONDARY record is an alias to the link name `<record>-failover-1.<zone>`,
whose PRIMARY is the first secondary and whose SECONDARY is the next link, and so on; the
last link's SECONDARY is the last secondary. DNS therefore answers with the first healthy
region in `regions.primary, regions.secondaries` order. With one secondary there is no link.

With `dns.routing: latency` (active-active) there is no chain: one latency record per region
under the API name, each with the region's health check. Route 53 answers with the healthy
record of lowest latency to the client and leaves out a record whose health check fails
("Latency-based routing" and "How Amazon Route 53 chooses records when health checking is
configured",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html,
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-how-route-53-chooses-records.html):
losing a region is the same detection (its health check) and traffic shift (the TTL) as a
failover, without a PRIMARY or SECONDARY.

The global stack also owns the failover topic: the primary region's health-check alarm
notifies it (see alarms.py), and it invokes the failover function of the first secondary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeAlias

from troposphere import AWSObject, GetAtt, Join, Output, Ref, Tags
from troposphere.route53 import (
    AliasTarget,
    HealthCheck,
    HealthCheckConfig,
    HostedZone,
    HostedZoneConfiguration,
    RecordSetType,
)
from troposphere.sns import SubscriptionResource, Topic

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import (
    Inbound,
    Phase,
    Requires,
    Sourced,
    StackContext,
    StackId,
    sourced,
)
from dr_compiler.compiler.naming import (
    arn,
    failover_topic_name,
    function_name,
    health_check_name,
)
from dr_compiler.compiler.services import sns
from dr_compiler.compiler.services.failover import global_topic_invokes_function
from dr_compiler.model import Dns, Spec

PRIMARY_RECORD = "FailoverRecordPrimary"
SECONDARY_RECORD = "FailoverRecordSecondary"
FAILOVER_SUBSCRIPTION = "FailoverTopicSubscription"

Item: TypeAlias = AWSObject | Output | Inbound | Requires | Sourced


def workload_stack(spec: Spec, region: str) -> StackId:
    """The stack that owns a region's load balancer and functions."""
    phase = Phase.PRIMARY if region == spec.regions.primary else Phase.ATTACH
    return StackId(phase, region)


def _load_balancer_parameter(output: str, region: str) -> str:
    """The global-stack parameter carrying `output` of `region`'s workload stack."""
    return f"{output}{ids.pascal(region)}"


def dns_name_parameter(region: str) -> str:
    return _load_balancer_parameter(ids.LOAD_BALANCER_DNS_OUTPUT, region)


def zone_id_parameter(region: str) -> str:
    return _load_balancer_parameter(ids.LOAD_BALANCER_ZONE_OUTPUT, region)


def health_check_output(region: str) -> str:
    return f"HealthCheckId{ids.pascal(region)}"


def failover_regions(spec: Spec) -> tuple[str, str]:
    """(PRIMARY record region, SECONDARY record region): the first secondary is next in line."""
    return spec.regions.primary, spec.regions.failover_target


def build(ctx: StackContext) -> Iterator[Item]:
    if ctx.phase is not Phase.GLOBAL or ctx.spec.dns is None:
        return
    spec = ctx.spec
    if _dns(spec).hosted_zone_id is None:
        yield from sourced([_hosted_zone(spec)], "dns", "zone")
    for region in spec.regions.all:
        yield _load_balancer_inbound(spec, region, ids.LOAD_BALANCER_DNS_OUTPUT, "DNS name")
        yield from sourced([_health_check(spec, region)], "dns", "health_check")
        yield Output(
            health_check_output(region),
            Value=Ref(ids.health_check(region)),
            Description=f"Route53 health check of the {region} load balancer",
        )
    if _dns(spec).latency:
        yield from _latency_records(spec)
    else:
        yield from _failover_records(spec)
    if not spec.failover.region_switch:
        # The plan orchestrates instead (region_switch.py): nothing here invokes a function.
        yield from _failover_topic(ctx)
    yield Output("HostedZoneId", Value=zone_id(spec), Description="Failover hosted zone")
    if _dns(spec).hosted_zone_id is None:
        yield Output(
            "NameServers",
            Value=Join(",", GetAtt(ids.HOSTED_ZONE, "NameServers")),
            Description="Delegate the zone to these name servers",
        )


def _dns(spec: Spec) -> Dns:
    """The spec's DNS section: this module builds only for a spec that has one (build())."""
    assert spec.dns is not None, "Route 53 records are built only for a spec with dns"
    return spec.dns


def zone_id(spec: Spec) -> str | Ref:
    """The spec's existing hosted zone, else the one this stack creates."""
    return _dns(spec).hosted_zone_id or Ref(ids.HOSTED_ZONE)


def _hosted_zone(spec: Spec) -> HostedZone:
    return HostedZone(
        ids.HOSTED_ZONE,
        Name=_dns(spec).zone,
        HostedZoneConfig=HostedZoneConfiguration(
            Comment=f"{spec.app} {spec.environment}: DNS failover for {_dns(spec).fqdn}"
        ),
    )


def _load_balancer_inbound(spec: Spec, region: str, output: str, what: str) -> Inbound:
    return Inbound(
        _load_balancer_parameter(output, region),
        workload_stack(spec, region),
        output,
        f"{what} of the {region} load balancer",
    )


def _health_check(spec: Spec, region: str) -> HealthCheck:
    check = _dns(spec).health_check
    config = HealthCheckConfig(
        Type=check.protocol,
        FullyQualifiedDomainName=Ref(dns_name_parameter(region)),
        Port=check.port,
        ResourcePath=check.path,
        RequestInterval=check.interval_seconds,
        FailureThreshold=check.failure_threshold,
    )
    if check.protocol == "HTTPS":
        # Send the host name in the TLS handshake: load balancers with several
        # certificates pick one by SNI, and without it the handshake can fail.
        config.EnableSNI = True
    return HealthCheck(
        ids.health_check(region),
        HealthCheckConfig=config,
        HealthCheckTags=Tags(Name=health_check_name(spec, region)),
    )


def chain_name(spec: Spec, link: int) -> str:
    """The name of failover link `link` (1-based): the group choosing between secondary
    `link` and the ones after it."""
    if link == 0:
        return _dns(spec).fqdn
    return f"{_dns(spec).record}-failover-{link}.{_dns(spec).zone}"


def dns_order(spec: Spec) -> tuple[str, ...]:
    """The regions in the order DNS tries them: the primary, then every secondary."""
    return spec.regions.all


def _alias_zone_inbounds(spec: Spec) -> Iterator[Item]:
    """Alias records name each load balancer's canonical hosted zone."""
    if _dns(spec).ttl_seconds is None:
        for region in dns_order(spec):
            yield _load_balancer_inbound(
                spec, region, ids.LOAD_BALANCER_ZONE_OUTPUT, "Canonical hosted zone id"
            )


def latency_record_id(region: str) -> str:
    return f"LatencyRecord{ids.pascal(region)}"


def _latency_records(spec: Spec) -> Iterator[Item]:
    yield from _alias_zone_inbounds(spec)
    records = [
        _answer(
            spec,
            latency_record_id(region),
            region,
            Name=f"{_dns(spec).fqdn}.",
            SetIdentifier=f"latency-{region}",
            Region=region,
        )
        for region in spec.regions.all
    ]
    yield from sourced(records, "dns", "routing")


def _failover_records(spec: Spec) -> Iterator[Item]:
    yield from _alias_zone_inbounds(spec)
    order = dns_order(spec)
    last = len(order) - 2  # the link whose SECONDARY is the last region
    for link in range(last + 1):
        primary_id, secondary_id = _record_ids(link)
        records = [_record(spec, primary_id, "PRIMARY", order[link], link)]
        if link == last:
            records.append(_record(spec, secondary_id, "SECONDARY", order[link + 1], link))
        else:
            records.append(_chain_record(spec, secondary_id, link))
        yield from sourced(records, "dns")


def _record_ids(link: int) -> tuple[str, str]:
    if link == 0:
        return PRIMARY_RECORD, SECONDARY_RECORD
    return f"FailoverChain{link}Primary", f"FailoverChain{link}Secondary"


def set_identifier(failover: str, region: str) -> str:
    """A failover record's SetIdentifier: it carries the region's name, which is also how
    ARC Region switch maps record sets to Regions."""
    return f"{failover.lower()}-{region}"


def _record_type(spec: Spec) -> str:
    return "A" if _dns(spec).ttl_seconds is None else "CNAME"


def _chain_record(spec: Spec, logical_id: str, link: int) -> RecordSetType:
    """SECONDARY of group `link`: an alias to the next link's group, in the same zone and of
    the same type; no health check of its own (EvaluateTargetHealth reflects the group's)."""
    return RecordSetType(
        logical_id,
        # An alias to a record of the same zone takes that zone's own id (Route 53 API
        # reference, AliasTarget HostedZoneId: "Another Route 53 record in your hosted zone:
        # specify the hosted zone ID of your hosted zone",
        # https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html).
        # cfn-lint's format table for AliasTarget.HostedZoneId lists load balancers, API
        # domains and the like but not AWS::Route53::HostedZone.Id, so E1041 (format) is
        # a false positive here and is ignored on this resource only.
        Metadata={"cfn-lint": {"config": {"ignore_checks": ["E1041"]}}},
        HostedZoneId=zone_id(spec),
        Name=f"{chain_name(spec, link)}.",
        Type=_record_type(spec),
        SetIdentifier=f"secondary-{chain_name(spec, link + 1).split('.')[0]}",
        Failover="SECONDARY",
        AliasTarget=AliasTarget(
            HostedZoneId=zone_id(spec),
            DNSName=f"{chain_name(spec, link + 1)}.",
            EvaluateTargetHealth=True,
        ),
    )


def _record(spec: Spec, logical_id: str, failover: str, region: str, link: int) -> RecordSetType:
    return _answer(
        spec,
        logical_id,
        region,
        Name=f"{chain_name(spec, link)}.",
        SetIdentifier=set_identifier(failover, region),
        Failover=failover,
    )


def _answer(spec: Spec, logical_id: str, region: str, **routing: str) -> RecordSetType:
    """A record answering with `region`'s load balancer while its health check passes;
    `routing` says under which name and routing policy."""
    common = {
        "HostedZoneId": zone_id(spec),
        **routing,
        "HealthCheckId": Ref(ids.health_check(region)),
    }
    if _dns(spec).ttl_seconds is not None:
        # A CNAME carries the spec's TTL, which bounds how long resolvers keep the old answer.
        return RecordSetType(
            logical_id,
            Type="CNAME",
            TTL=str(_dns(spec).ttl_seconds),
            ResourceRecords=[Ref(dns_name_parameter(region))],
            **common,
        )
    # An alias record answers with the load balancer's addresses directly (its TTL is the
    # load balancer's 60 s) and also fails over when no target behind it is healthy.
    return RecordSetType(
        logical_id,
        Type="A",
        AliasTarget=AliasTarget(
            HostedZoneId=Ref(zone_id_parameter(region)),
            DNSName=Ref(dns_name_parameter(region)),
            EvaluateTargetHealth=True,
        ),
        **common,
    )


def _failover_topic(ctx: StackContext) -> Iterator[Item]:
    spec = ctx.spec
    yield from sourced(
        [
            Topic(
                ids.FAILOVER_TOPIC,
                TopicName=failover_topic_name(spec),
                DisplayName=f"{spec.app} {spec.environment} failover",
                KmsMasterKeyId=ctx.key_arn,
            )
        ],
        "failover",
    )
    yield Output("FailoverTopicArn", Value=Ref(ids.FAILOVER_TOPIC), Description="Failover topic")
    function = spec.failover.function
    if function is None or not global_topic_invokes_function(spec):
        return
    _, region = failover_regions(spec)
    target = arn("lambda", region, f"function:{function_name(spec, function)}")
    yield from sourced(
        [
            SubscriptionResource(
                FAILOVER_SUBSCRIPTION,
                TopicArn=Ref(ids.FAILOVER_TOPIC),
                Protocol="lambda",
                Endpoint=target,
                RedrivePolicy=sns.redrive_policy(),
            ),
            *sns.subscription_dead_letter(
                ctx, "global-failover-deliveries", Ref(ids.FAILOVER_TOPIC)
            ),
        ],
        "failover",
        "function",
    )
    yield Requires(
        StackId(Phase.ATTACH, region),
        f"the failover topic invokes {spec.failover.function} in {region}, created by that stack",
    )
