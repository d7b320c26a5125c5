"""DR082: TLS only: bucket and queue policies deny non-TLS requests; load balancer listeners
are HTTPS (or redirect to it) with a TLS 1.2+ security policy."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, referenced_ids, text_of
from dr_compiler.policies.rule import (
    Level,
    Rule,
    Scanner,
    ScannerCheck,
    Severity,
    TemplateDoc,
    TemplateSet,
    Violation,
)

# Predefined ELB security policies name their oldest TLS version: ELBSecurityPolicy-TLS13-1-0
# and -1-1 (and their FIPS variants) still accept TLS 1.0 / 1.1, as do FS-1-1, FS-2018-06,
# TLS-1-0, TLS-1-1, 2015-05 and 2016-08 (the default when SslPolicy is omitted). Only these
# families accept nothing older than TLS 1.2 (ELB guide, "Security policies for your
# Application Load Balancer"):
# - ELBSecurityPolicy-TLS13-1-2-*  (-2021-06, -Res-, -Ext1-, -Ext2-, -FIPS-, -PQ- variants)
# - ELBSecurityPolicy-TLS13-1-3-*  (TLS 1.3 only)
# - ELBSecurityPolicy-TLS-1-2-*    (-2017-01, -Ext-2018-06)
# - ELBSecurityPolicy-FS-1-2-*     (-2019-08, -Res-2019-08, -Res-2020-10)
TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-[A-Za-z0-9-]+$")
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"
"""What CloudFormation applies to an HTTPS listener that names no SslPolicy."""
TLS_PROTOCOLS = ("HTTPS", "TLS")
_NO_DENY = (
    "has no {kind} policy statement denying every principal all {service} actions when "
    "aws:SecureTransport is false"
)


def _denies_plain_transport(statement: Mapping[str, Any], service: str) -> bool:
    """Deny, to everyone, every action of `service`, when aws:SecureTransport is false."""
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and "*" not in as_list(
        principal.get("AWS") if isinstance(principal, Mapping) else None
    ):
        return False
    if not {"*", f"{service}:*"} & set(as_list(statement.get("Action"))):
        return False
    for operator, conditions in statement.get("Condition", {}).items():
        if operator != "Bool":
            continue
        for key, value in conditions.items():
            # Condition keys are case-insensitive; the value may be a string, bool or list.
            if key.lower() == "aws:securetransport" and any(
                str(v).lower() == "false" for v in as_list(value)
            ):
                return True
    return False


def _policies_of(
    template: TemplateDoc, kind: str, prop: str, logical_id: str, name: str | None
) -> Iterator[Mapping[str, Any]]:
    """Policy documents of `kind` attached to a resource (by Ref/GetAtt or by its name)."""
    for _, policy in template.resources(kind):
        props = policy.get("Properties", {})
        targets = as_list(props.get(prop))
        names = {text_of(t) for t in targets}
        if logical_id in referenced_ids(targets) or (name is not None and name in names):
            yield props.get("PolicyDocument", {})


def _covers(resources: list[Any], logical_id: str, name: str | None, *, objects: bool) -> bool:
    """Whether a statement's resources include the resource itself, or its objects (`/*`):
    by Ref/GetAtt/${Id.Arn}, by an ARN naming it, or by "*"."""
    for resource in resources:
        text = text_of(resource) or ""
        if text == "*":
            return True
        if text.endswith("/*") != objects:
            continue
        if logical_id in referenced_ids(resource) or (name is not None and name in text):
            return True
    return False


Problem = tuple[tuple[str, ...], str]
"""(property path, what is wrong) for one resource."""


def _bucket(template: TemplateDoc, logical_id: str, props: Mapping[str, Any]) -> Problem | None:
    name = text_of(props.get("BucketName"))
    documents = _policies_of(template, blocks.s3.BUCKET_POLICY.type, "Bucket", logical_id, name)
    statements = [
        s
        for document in documents
        for s in as_list(document.get("Statement"))
        if _denies_plain_transport(s, "s3")
    ]
    if not statements:
        return (), _NO_DENY.format(kind="bucket", service="s3")
    resources = [r for s in statements for r in as_list(s.get("Resource"))]
    if not all(_covers(resources, logical_id, name, objects=o) for o in (False, True)):
        return (), "has a TLS-only deny that does not cover both the bucket and its objects (/*)"
    return None


def _queue(template: TemplateDoc, logical_id: str, props: Mapping[str, Any]) -> Problem | None:
    name = text_of(props.get("QueueName"))
    for document in _policies_of(
        template, blocks.sqs.QUEUE_POLICY.type, "Queues", logical_id, name
    ):
        for statement in as_list(document.get("Statement")):
            resources = as_list(statement.get("Resource"))
            if _denies_plain_transport(statement, "sqs") and _covers(
                resources, logical_id, name, objects=False
            ):
                return None
    return (), _NO_DENY.format(kind="queue", service="sqs")


def _redirects_to_https(actions: list[Any]) -> bool:
    return bool(actions) and all(
        a.get("Type") == "redirect" and a.get("RedirectConfig", {}).get("Protocol") == "HTTPS"
        for a in actions
    )


def _serving_rule(template: TemplateDoc, listener_id: str) -> str | None:
    """A listener rule of `listener_id` that does something other than redirect to HTTPS."""
    for rule_id, rule in template.resources(blocks.alb.LISTENER_RULE.type):
        props = rule.get("Properties", {})
        if listener_id in referenced_ids(props.get("ListenerArn")) and not _redirects_to_https(
            as_list(props.get("Actions"))
        ):
            return rule_id
    return None


def _listener(template: TemplateDoc, logical_id: str, props: Mapping[str, Any]) -> Problem | None:
    protocol = props.get("Protocol")
    if protocol in TLS_PROTOCOLS:
        policy = text_of(props.get("SslPolicy"))
        if "SslPolicy" not in props:
            return ("SslPolicy",), f"names no SslPolicy, so {DEFAULT_SSL_POLICY} (TLS 1.0+) applies"
        if policy is None or not TLS12_POLICY.match(policy):
            return ("SslPolicy",), f"uses {policy}, which accepts TLS older than 1.2"
        return None
    if protocol == "HTTP" and _redirects_to_https(as_list(props.get("DefaultActions"))):
        rule = _serving_rule(template, logical_id)
        if rule is not None:
            return ("Protocol",), f"is plain HTTP and its rule {rule} serves requests over it"
        return None
    return ("Protocol",), f"uses {protocol}: use HTTPS, or HTTP that only redirects to HTTPS"


CHECKS = {
    blocks.s3.BUCKET.type: ("bucket", _bucket),
    blocks.sqs.QUEUE.type: ("queue", _queue),
    blocks.alb.LISTENER.type: ("listener", _listener),
}
"""Resource type -> (what to call it in messages, its check)."""


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, logical_id, resource in templates.all_resources(*CHECKS):
        label, check = CHECKS[resource["Type"]]
        found = check(template, logical_id, resource.get("Properties", {}))
        if found is not None:
            path, problem = found
            yield Violation(
                f"{label} {logical_id} {problem}",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=path,
            )


RULE = Rule(
    id="DR082",
    title="TLS only: bucket and queue policies deny non-TLS; listeners HTTPS with TLS 1.2+",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "S3 and SQS accept plain HTTP unless a resource policy denies it, and an HTTPS "
        "listener without a named policy falls back to ELBSecurityPolicy-2016-08, which still "
        "negotiates TLS 1.0. Card data crossing the internet to the API, or a misconfigured "
        "client talking to a bucket or queue over HTTP, would travel readable or on "
        "deprecated protocols."
    ),
    remediation=(
        "Compile through dr_compiler: every bucket and queue gets a policy denying "
        "aws:SecureTransport false, and the listener uses api.ssl_policy (default "
        "ELBSecurityPolicy-TLS13-1-2-2021-06). Set api.ssl_policy only to a "
        "ELBSecurityPolicy-TLS13-1-2-*, -TLS13-1-3-*, -TLS-1-2-* or -FS-1-2-* policy."
    ),
    docs="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
    bad_example=(
        "HttpsListener:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n"
        "    Protocol: HTTPS\n    SslPolicy: ELBSecurityPolicy-TLS13-1-0-2021-06   # TLS 1.0+\n"
    ),
    good_example=(
        "HttpsListener:\n  Type: AWS::ElasticLoadBalancingV2::Listener\n  Properties:\n"
        "    Protocol: HTTPS\n    SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06\n"
        "DocumentsBucketPolicy:\n  Type: AWS::S3::BucketPolicy\n  Properties:\n"
        "    Bucket: !Ref DocumentsBucket\n    PolicyDocument:\n      Statement:\n"
        "        - Effect: Deny\n          Principal: '*'\n          Action: 's3:*'\n"
        "          Resource: [!GetAtt DocumentsBucket.Arn, !Sub '${DocumentsBucket.Arn}/*']\n"
        "          Condition: {Bool: {aws:SecureTransport: 'false'}}\n"
    ),
    check_templates=check_templates,
    pci_dss=("4.2.1",),
    tags=("encryption", "network"),
    scanner_checks=(
        ScannerCheck(
            Scanner.GUARD, "s3_bucket_policy_ssl_requests_only_check", blocks.s3.BUCKET_POLICY.type
        ),
        ScannerCheck(Scanner.CHECKOV, "CKV_AWS_103", blocks.alb.LISTENER.type),
    ),
)
