"""The failover trigger path of every secondary region, needing nothing of the primary's (DR062).

The global stack's path (Route53 health check -> alarm -> failover topic -> function) lives
in us-east-1, because Route53 publishes health-check metrics only there
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html).
When us-east-1 is the region being failed away from, its CloudWatch and SNS are exactly what
may be impaired, so that path alone cannot be trusted to start the failover. AWS's guidance
is not to depend on the Region you fail out of for the failover mechanism ("Creating Disaster
Recovery Mechanisms Using Amazon Route 53",
https://aws.amazon.com/blogs/networking-and-content-delivery/creating-disaster-recovery-mechanisms-using-amazon-route-53/).

So each secondary's attach stack carries a complete second path of its own:

- probe: the health monitor in that region requests the primary load balancer's health path
  every minute (PRIMARY_API_ADDRESS, with the API's host name for TLS) and publishes
  PrimaryApiHealthy in that region;
- alarm: FailoverTriggerAlarm on that metric, in that region, with M-of-N evidence (DR063);
- topic: this module's regional failover topic, encrypted with the region's key;
- subscription and permission: the topic invokes the failover function of that region.

The us-east-1 path stays as the second source. The failover function claims one promotion
per writer generation, so both sources firing for the same outage promote once; and a
secondary defers to the regions ahead of it in `regions.secondaries` while one of them still
has an available cluster (see functions/failover_trigger).
"""

from __future__ import annotations

from collections.abc import Iterator

from troposphere import AWSObject, GetAtt, Output, Ref, awslambda
from troposphere.sns import SubscriptionResource, Topic

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Inbound, Phase, Sourced, StackContext, StackId, sourced
from dr_compiler.compiler.naming import physical_name
from dr_compiler.compiler.services import sns
from dr_compiler.model import Spec

REGIONAL_SUBSCRIPTION = "FailoverTopicSubscription"
PRIMARY_LOAD_BALANCER_PARAMETER = "PrimaryLoadBalancerDnsName"
FAILOVER_TRIGGER_ALARM = "FailoverTriggerAlarm"


def has_trigger_alarm(ctx: StackContext) -> bool:
    """Whether this stack is a secondary's attach stack with its own FailoverTriggerAlarm:
    the start of its Lambda trigger path, or the trigger of the Region switch plan (which
    starts the plan even when a person approves the promotion, failover.automatic: false)."""
    spec = ctx.spec
    if ctx.phase is not Phase.ATTACH or spec.health_monitor is None:
        return False
    if spec.failover.region_switch:
        return True
    return spec.failover.automatic and spec.failover_function is not None


def has_regional_trigger(ctx: StackContext) -> bool:
    """Whether this stack is a secondary's attach stack that gets its own Lambda trigger path
    (topic, subscription, permission). A Region switch plan needs none of it: the plan reads
    the trigger alarm itself."""
    return has_trigger_alarm(ctx) and not ctx.spec.failover.region_switch


def trigger_alarm_name(spec: Spec, region: str) -> str:
    """Name of `region`'s FailoverTriggerAlarm (the Region switch plan names it too)."""
    return physical_name(spec, "failover-trigger", region=region)


def has_subscription_dead_letter(ctx: StackContext) -> bool:
    """Whether this stack subscribes the failover function to a topic, and so holds the
    subscription's dead-letter queue: a secondary's trigger path here, or the global stack's
    failover topic (route53) when failover is automatic."""
    return has_regional_trigger(ctx) or (
        ctx.phase is Phase.GLOBAL and global_topic_invokes_function(ctx.spec)
    )


def global_topic_invokes_function(spec: Spec) -> bool:
    """Whether the global stack's failover topic invokes the failover function: automatic
    failover through our own function, not a Region switch plan (region_switch.py)."""
    failover = spec.failover
    return failover.automatic and bool(failover.function) and not failover.region_switch


def regional_topic_name(spec: Spec, region: str) -> str:
    return physical_name(spec, "failover", region)


def primary_load_balancer(ctx: StackContext) -> Ref | GetAtt:
    """The primary's load balancer DNS name: its own attribute in the primary stack, a
    parameter fed from the primary stack's output elsewhere."""
    if ctx.phase is Phase.PRIMARY:
        return GetAtt(ids.LOAD_BALANCER, "DNSName")
    return Ref(PRIMARY_LOAD_BALANCER_PARAMETER)


def primary_load_balancer_inbound(ctx: StackContext) -> Inbound:
    return Inbound(
        PRIMARY_LOAD_BALANCER_PARAMETER,
        StackId(Phase.PRIMARY, ctx.spec.regions.primary),
        ids.LOAD_BALANCER_DNS_OUTPUT,
        "DNS name of the primary region's load balancer, probed from this region",
    )


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Sourced]:
    if not has_regional_trigger(ctx):
        return
    spec = ctx.spec
    function = spec.failover_function
    assert function is not None
    function_id = ids.function(function.name)
    topic = Topic(
        ids.FAILOVER_TOPIC,
        TopicName=regional_topic_name(spec, ctx.region),
        DisplayName=f"{spec.app} {spec.environment} failover to {ctx.region}",
        KmsMasterKeyId=ctx.key_arn,
    )
    subscription = SubscriptionResource(
        REGIONAL_SUBSCRIPTION,
        TopicArn=Ref(ids.FAILOVER_TOPIC),
        Protocol="lambda",
        Endpoint=GetAtt(function_id, "Arn"),
        RedrivePolicy=sns.redrive_policy(),
    )
    permission = awslambda.Permission(
        f"{function_id}RegionalTopicPermission",
        FunctionName=Ref(function_id),
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=Ref(ids.FAILOVER_TOPIC),
    )
    yield from sourced([topic], "failover")
    dead_letter = sns.subscription_dead_letter(ctx, "failover-deliveries", Ref(ids.FAILOVER_TOPIC))
    yield from sourced([subscription, permission, *dead_letter], "failover", "function")
    yield Output(
        "FailoverTopicArn",
        Value=Ref(ids.FAILOVER_TOPIC),
        Description=f"Failover topic of {ctx.region}: its trigger alarm starts the failover here",
    )
