"""ALB: the public HTTPS entry point of each region, in front of the API function.

Every workload stack (primary, each secondary's attach) gets an internet-facing load balancer
in the public subnets, one HTTPS listener on 443 (no listener on 80: only 443 is open, DR052,
and TLS only, DR082), a Lambda target group for the API function, and one listener rule per
spec route; anything else gets a 404 from the listener itself, so the function only sees
the routes the spec declares. The global stack's Route53 failover records read the DNS name
and hosted zone id outputs as inbound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from troposphere import AWSObject, GetAtt, Output, Ref
from troposphere.elasticloadbalancingv2 import (
    Action,
    Certificate,
    Condition,
    FixedResponseConfig,
    HttpRequestMethodConfig,
    Listener,
    ListenerRule,
    ListenerRuleAction,
    LoadBalancer,
    LoadBalancerAttributes,
    Matcher,
    PathPatternConfig,
    TargetDescription,
    TargetGroup,
)

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Sourced, StackContext, sourced
from dr_compiler.compiler.naming import target_group_name
from dr_compiler.compiler.services import access_logs
from dr_compiler.compiler.services.network import INTERNET_GATEWAY_ATTACHMENT
from dr_compiler.model import Route

API_INVOKE_PERMISSION = "ApiInvokePermission"
"""The Lambda permission that lets the target group invoke the API function (built by
lambda_functions, which also needs `naming.target_group_name` for its source ARN)."""

HTTPS_PORT = 443
NOT_FOUND_BODY = json.dumps({"error": "not found"})


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Sourced]:
    if not ctx.in_regional_workload or ctx.spec.api is None:
        return
    yield from sourced([_load_balancer(ctx), _target_group(ctx), _listener(ctx)], "api")
    for index, route in enumerate(ctx.spec.api.routes):
        yield from sourced([_route_rule(index, route)], "api", "routes", index)
    yield Output(
        ids.LOAD_BALANCER_DNS_OUTPUT,
        Value=GetAtt(ids.LOAD_BALANCER, "DNSName"),
        Description="DNS name of the region's load balancer (Route53 failover record target)",
    )
    yield Output(
        ids.LOAD_BALANCER_ZONE_OUTPUT,
        Value=GetAtt(ids.LOAD_BALANCER, "CanonicalHostedZoneID"),
        Description="Hosted zone id of the region's load balancer (Route53 alias target)",
    )


def _load_balancer(ctx: StackContext) -> LoadBalancer:
    production = ctx.spec.metadata.production
    # An internet-facing load balancer in the stack that also attaches the VPC's internet
    # gateway must wait for the attachment, or its creation fails intermittently ("VPC has no
    # internet gateway"): CloudFormation DependsOn attribute reference, "When a DependsOn
    # attribute is required",
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html
    # An attach stack imports a network that its base stack finished in an earlier wave, so
    # there is nothing to wait for there.
    # Likewise its access logs: ELB checks that it may write to the log bucket when the
    # attribute is set, so the bucket policy comes first (an attach stack's is in its base).
    waits = (
        {"DependsOn": [INTERNET_GATEWAY_ATTACHMENT, *access_logs.writers_wait_for(ctx)]}
        if ctx.in_regional_base
        else {}
    )
    return LoadBalancer(
        ids.LOAD_BALANCER,
        Name=ctx.name("alb"),
        Type="application",
        Scheme="internet-facing",
        IpAddressType="ipv4",
        Subnets=ctx.public_subnets(),
        SecurityGroups=[ctx.get_att(ids.ALB_SECURITY_GROUP, "GroupId")],
        LoadBalancerAttributes=[
            # Malformed headers never reach the function (request smuggling defence).
            LoadBalancerAttributes(
                Key="routing.http.drop_invalid_header_fields.enabled", Value="true"
            ),
            LoadBalancerAttributes(
                Key="deletion_protection.enabled", Value=str(production).lower()
            ),
            # PCI DSS 10.2: access logs to the region's log bucket (DR085).
            *(
                LoadBalancerAttributes(Key=key, Value=value)
                for key, value in access_logs.load_balancer_attributes(ctx).items()
            ),
        ],
        **waits,
    )


def _target_group(ctx: StackContext) -> TargetGroup:
    """Lambda target group. It registers the function at creation, which Lambda refuses
    unless the invoke permission already exists: hence the explicit DependsOn."""
    api, dns = ctx.spec.api, ctx.spec.dns
    assert api is not None and dns is not None, "build() makes a load balancer only for an api"
    return TargetGroup(
        ids.API_TARGET_GROUP,
        Name=target_group_name(ctx.spec),
        TargetType="lambda",
        Targets=[TargetDescription(Id=GetAtt(ids.function(api.function), "Arn"))],
        HealthCheckEnabled=True,
        HealthCheckPath=dns.health_check.path,
        Matcher=Matcher(HttpCode="200"),
        DependsOn=[API_INVOKE_PERMISSION],
    )


def _listener(ctx: StackContext) -> Listener:
    api = ctx.spec.api
    assert api is not None, "build() makes a load balancer only for an api"
    return Listener(
        ids.HTTPS_LISTENER,
        LoadBalancerArn=Ref(ids.LOAD_BALANCER),
        Port=HTTPS_PORT,
        Protocol="HTTPS",
        SslPolicy=api.ssl_policy,
        Certificates=[Certificate(CertificateArn=api.certificate_arns[ctx.region])],
        DefaultActions=[
            Action(
                Type="fixed-response",
                FixedResponseConfig=FixedResponseConfig(
                    StatusCode="404", ContentType="application/json", MessageBody=NOT_FOUND_BODY
                ),
            )
        ],
    )


def _route_rule(index: int, route: Route) -> ListenerRule:
    """Forward exactly this method and path; priorities follow the spec's route order."""
    return ListenerRule(
        f"ApiRoute{index + 1}Rule",
        ListenerArn=Ref(ids.HTTPS_LISTENER),
        Priority=index + 1,
        Conditions=[
            Condition(
                Field="http-request-method",
                HttpRequestMethodConfig=HttpRequestMethodConfig(Values=[route.method]),
            ),
            Condition(
                Field="path-pattern", PathPatternConfig=PathPatternConfig(Values=[route.path])
            ),
        ],
        Actions=[ListenerRuleAction(Type="forward", TargetGroupArn=Ref(ids.API_TARGET_GROUP))],
    )
