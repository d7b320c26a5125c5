"""DR086: a WAF web ACL on every internet-facing load balancer, with AWS managed rule groups,
a rate-based rule, and logging."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, get_att, referenced_ids
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
    resource_violation,
)

LOAD_BALANCER = blocks.alb.LOAD_BALANCER.type
ASSOCIATION = blocks.waf.WEB_ACL_ASSOCIATION.type
WEB_ACL = blocks.waf.WEB_ACL.type
LOGGING = blocks.waf.LOGGING_CONFIGURATION.type


def _acl_of(template: TemplateDoc, balancer_id: str) -> str | None:
    """The web ACL (logical id) associated with the load balancer, in its template."""
    for _, association in template.resources(ASSOCIATION):
        props = association.get("Properties", {})
        if balancer_id in referenced_ids(props.get("ResourceArn")):
            target = get_att(props.get("WebACLArn"))
            if target is not None:
                return target[0]
    return None


def _statements(acl: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [rule.get("Statement", {}) for rule in as_list(acl.get("Properties", {}).get("Rules"))]


def _acl_problems(template: TemplateDoc, acl_id: str) -> Iterator[str]:
    acl = template.body.get("Resources", {}).get(acl_id, {})
    statements = _statements(acl)
    managed = [
        s["ManagedRuleGroupStatement"] for s in statements if "ManagedRuleGroupStatement" in s
    ]
    if not any(m.get("VendorName") == "AWS" for m in managed):
        yield f"web ACL {acl_id} uses no AWS managed rule group"
    if not any("RateBasedStatement" in s for s in statements):
        yield f"web ACL {acl_id} has no rate-based rule"
    logged = any(
        get_att(config.get("Properties", {}).get("ResourceArn")) == (acl_id, "Arn")
        for _, config in template.resources(LOGGING)
    )
    if not logged:
        yield f"web ACL {acl_id} has no logging configuration: blocked requests leave no trail"


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, balancer in templates.all_resources(LOAD_BALANCER):
        if balancer.get("Properties", {}).get("Scheme", "internet-facing") != "internet-facing":
            continue
        acl_id = _acl_of(template, logical_id)
        if acl_id is None:
            yield resource_violation(
                template,
                logical_id,
                f"internet-facing load balancer {logical_id} has no WAF web ACL associated",
            )
            continue
        for problem in _acl_problems(template, acl_id):
            yield resource_violation(template, logical_id, f"{logical_id}: {problem}")


RULE = Rule(
    id="DR086",
    title="a WAF web ACL on every internet-facing load balancer",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "PCI DSS v4.0 6.4.2 asks that public-facing web applications sit behind an automated "
        "technical solution that detects and prevents web-based attacks. The payment API is "
        "public in every region, the secondaries' as much as the primary's: after a failover "
        "it takes all the traffic. AWS WAF with the AWS managed baseline rule groups (IP "
        "reputation, core rule set, known bad inputs) and a rate-based rule per client IP "
        "blocks the common attacks and floods before they reach the function; its logs "
        "record what it blocked."
    ),
    remediation=(
        "Compile through dr_compiler (every region's load balancer gets the web ACL; "
        "`api.waf.rate_limit` and `api.waf.rate_window_seconds` set the rate rule). In a "
        "hand-written template add an AWS::WAFv2::WebACL (Scope REGIONAL) with "
        "ManagedRuleGroupStatement rules of vendor AWS and a RateBasedStatement, an "
        "AWS::WAFv2::WebACLAssociation to the load balancer and an "
        "AWS::WAFv2::LoggingConfiguration for the ACL."
    ),
    docs="https://docs.aws.amazon.com/waf/latest/developerguide/web-acl.html",
    bad_example=(
        "LoadBalancer:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "  Properties: {Scheme: internet-facing}   # nothing associates a web ACL\n"
    ),
    good_example=(
        "WebAclAssociation:\n  Type: AWS::WAFv2::WebACLAssociation\n  Properties:\n"
        "    ResourceArn: !Ref LoadBalancer\n    WebACLArn: !GetAtt WebAcl.Arn\n"
    ),
    check_templates=check_templates,
    pci_dss=("6.4.2",),
    tags=("network", "api"),
)
