"""DR053: an internet-facing load balancer depends on its VPC's internet gateway attachment.

When the same template attaches an internet gateway to the VPC that a load balancer's subnets
belong to, nothing orders the two unless the template says so, and CloudFormation may create
the load balancer first: it then fails with "VPC has no internet gateway" (the documented
"When a DependsOn attribute is required" case of the DependsOn attribute reference). The
load balancer must reach the attachment through DependsOn or references, directly or through
resources it depends on. A load balancer whose subnets come from another stack (an import or
a parameter) is not judged: that stack finished its gateway first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, referenced_ids
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
ATTACHMENT = blocks.network.VPC_GATEWAY_ATTACHMENT.type
SUBNET = blocks.network.SUBNET.type
INTERNET_FACING = "internet-facing"
"""Scheme's default when absent (AWS::ElasticLoadBalancingV2::LoadBalancer reference)."""


def _direct_dependencies(resource: Mapping[str, Any]) -> set[str]:
    return set(as_list(resource.get("DependsOn"))) | referenced_ids(resource.get("Properties"))


def _depends_on(template: TemplateDoc, start: str) -> set[str]:
    """Every logical id `start` waits for: DependsOn and references, followed transitively."""
    resources = template.body.get("Resources", {})
    seen: set[str] = set()
    pending = [start]
    while pending:
        for found in _direct_dependencies(resources.get(pending.pop(), {})) - seen:
            if found in resources:
                seen.add(found)
                pending.append(found)
    return seen


def _subnet_vpcs(template: TemplateDoc, props: Mapping[str, Any]) -> set[str]:
    """Logical ids of the VPCs of this template that the load balancer's subnets are in."""
    subnets = referenced_ids(props.get("Subnets"))
    for mapping in as_list(props.get("SubnetMappings")):
        if isinstance(mapping, Mapping):
            subnets |= referenced_ids(mapping.get("SubnetId"))
    local = {lid for lid, _ in template.resources(SUBNET)}
    return {
        vpc
        for subnet in subnets & local
        for vpc in referenced_ids(template.properties(subnet).get("VpcId"))
    }


def _gateway_attachments(template: TemplateDoc) -> dict[str, set[str]]:
    """VPC logical id -> the internet gateway attachments of this template for it."""
    found: dict[str, set[str]] = {}
    for logical_id, resource in template.resources(ATTACHMENT):
        props = resource.get("Properties", {})
        if props.get("InternetGatewayId") is None:
            continue  # a VPN gateway attachment
        for vpc in referenced_ids(props.get("VpcId")):
            found.setdefault(vpc, set()).add(logical_id)
    return found


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        attachments = _gateway_attachments(template)
        if not attachments:
            continue
        for logical_id, resource in template.resources(LOAD_BALANCER):
            props = resource.get("Properties", {})
            if props.get("Scheme", INTERNET_FACING) != INTERNET_FACING:
                continue
            needed = set().union(
                *(attachments.get(v, set()) for v in _subnet_vpcs(template, props))
            )
            missing = sorted(needed - _depends_on(template, logical_id))
            if missing:
                yield resource_violation(
                    template,
                    logical_id,
                    f"internet-facing load balancer {logical_id} does not depend on the internet "
                    f"gateway attachment {', '.join(missing)} of its VPC in the same template: "
                    'CloudFormation may create it first and fail with "VPC has no internet '
                    'gateway"; add DependsOn',
                    "DependsOn",
                )


RULE = Rule(
    id="DR053",
    title="Internet-facing load balancers depend on their VPC's internet gateway attachment",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "A load balancer references its subnets, not the internet gateway, so CloudFormation "
        "is free to create it in parallel with the gateway attachment. An internet-facing "
        'load balancer created before the attachment fails with "VPC has no internet '
        'gateway", intermittently, which makes a first deploy fail by chance; the '
        "CloudFormation documentation lists exactly this as a case where DependsOn is "
        "required."
    ),
    remediation=(
        "Compile with dr_compiler: the primary stack's load balancer DependsOn the "
        "InternetGatewayAttachment. In a hand-written template add DependsOn: "
        "[<the VPCGatewayAttachment of the load balancer's VPC>] to the load balancer, or "
        "create the network in an earlier stack."
    ),
    docs="https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html",
    bad_example=(
        "LoadBalancer:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "  Properties:\n    Scheme: internet-facing\n"
        "    Subnets: [!Ref PublicSubnet1, !Ref PublicSubnet2]\n"
    ),
    good_example=(
        "LoadBalancer:\n  Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n"
        "  DependsOn: [InternetGatewayAttachment]\n"
        "  Properties:\n    Scheme: internet-facing\n"
        "    Subnets: [!Ref PublicSubnet1, !Ref PublicSubnet2]\n"
    ),
    check_templates=check_templates,
    tags=("network", "deployment"),
)
