"""AWS WAF (DR086, PCI DSS v4.0 6.4.2): a regional web ACL on every region's internet-facing
load balancer, in the stack that holds the load balancer (primary, secondary attach).

Rules, in order (a request stops at the first that blocks it):
0. a rate-based rule: a client IP over `api.waf.rate_limit` requests in
   `api.waf.rate_window_seconds` is blocked;
1-3. the AWS managed rule groups AWS recommends as a baseline for any web application:
   Amazon IP reputation list, core rule set (OWASP Top 10), known bad inputs (Log4j and
   other exploits) — https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html.

Its logs go to the region's log bucket (services/access_logs.py), whose name starts with
`aws-waf-logs-` as WAF requires (https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from troposphere import GetAtt, Ref
from troposphere.wafv2 import (
    AllowAction,
    BlockAction,
    DefaultAction,
    LoggingConfiguration,
    ManagedRuleGroupStatement,
    OverrideAction,
    RateBasedStatement,
    RuleAction,
    Statement,
    VisibilityConfig,
    WebACL,
    WebACLAssociation,
    WebACLRule,
)

from dr_compiler.compiler import ids, naming
from dr_compiler.compiler.context import StackContext, sourced
from dr_compiler.compiler.services import access_logs

WEB_ACL = "WebAcl"
WEB_ACL_ASSOCIATION = "WebAclAssociation"
WEB_ACL_LOGGING = "WebAclLogging"
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)


def build(ctx: StackContext) -> Iterator[Any]:
    # The web ACL guards the load balancer: none without a public API.
    if not ctx.in_regional_workload or ctx.spec.api is None:
        return
    web_acl = WebACL(
        WEB_ACL,
        Name=ctx.name("api", regional=True),
        Scope="REGIONAL",
        Description=f"{ctx.spec.app} {ctx.spec.environment} API in {ctx.region}",
        DefaultAction=DefaultAction(Allow=AllowAction()),
        VisibilityConfig=_visibility("api"),
        Rules=[
            _rate_rule(ctx),
            *(_managed(name, i) for i, name in enumerate(MANAGED_RULE_GROUPS, 1)),
        ],
    )
    association = WebACLAssociation(
        WEB_ACL_ASSOCIATION,
        ResourceArn=Ref(ids.LOAD_BALANCER),
        WebACLArn=GetAtt(WEB_ACL, "Arn"),
    )
    # Beside the log bucket, the logging waits for the bucket policy that lets it write.
    waits = {"DependsOn": access_logs.writers_wait_for(ctx)} if ctx.in_regional_base else {}
    logging = LoggingConfiguration(
        WEB_ACL_LOGGING,
        ResourceArn=GetAtt(WEB_ACL, "Arn"),
        LogDestinationConfigs=[naming.log_bucket_arn(ctx.spec, ctx.region)],
        **waits,
    )
    yield from sourced([web_acl, association, logging], "api")


def _visibility(metric: str) -> VisibilityConfig:
    return VisibilityConfig(
        CloudWatchMetricsEnabled=True, MetricName=metric, SampledRequestsEnabled=True
    )


def _rate_rule(ctx: StackContext) -> WebACLRule:
    api = ctx.spec.api
    assert api is not None, "build() makes a web ACL only for an api"
    return WebACLRule(
        Name="rate-limit-per-ip",
        Priority=0,
        Action=RuleAction(Block=BlockAction()),
        Statement=Statement(
            RateBasedStatement=RateBasedStatement(
                Limit=api.waf_rate_limit,
                EvaluationWindowSec=api.waf_rate_window_seconds,
                AggregateKeyType="IP",
            )
        ),
        VisibilityConfig=_visibility("RateLimitPerIp"),
    )


def _managed(name: str, priority: int) -> WebACLRule:
    # OverrideAction None: the group's own actions (block) apply.
    return WebACLRule(
        Name=name,
        Priority=priority,
        OverrideAction=OverrideAction(**{"None": {}}),
        Statement=Statement(
            ManagedRuleGroupStatement=ManagedRuleGroupStatement(VendorName="AWS", Name=name)
        ),
        VisibilityConfig=_visibility(name),
    )
