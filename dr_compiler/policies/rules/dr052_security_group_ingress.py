"""DR052: database ingress comes from security-group references, never CIDRs; no 0.0.0.0/0
ingress but the load balancer's group on 443."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, text_of
from dr_compiler.policies.cfn_imports import ExportIndex, Target, export_index, resolve
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

HTTPS = 443
CIDR_KEYS = ("CidrIp", "CidrIpv6")
DATABASE_GROUP_EXPORT = "DatabaseSecurityGroup"
"""The compiler exports a base stack's database group as `<stack set>-DatabaseSecurityGroup
GroupId` (context.shared_from_base) for the attach stack's cluster to import."""


@dataclass(frozen=True)
class _Ingress:
    """One ingress rule: inline in a group, or an AWS::EC2::SecurityGroupIngress resource."""

    template: TemplateDoc
    logical_id: str
    path: tuple[str | int, ...]
    group: Target | None
    rule: Mapping[str, Any]

    @property
    def group_id(self) -> str:
        return self.group[1] if self.group else self.logical_id

    @property
    def where(self) -> str:
        inline = f" {self.path[0]}[{self.path[1]}]" if self.path else ""
        return f"security group {self.group_id}{inline}"


def _ingress_rules(templates: TemplateSet, exports: ExportIndex) -> Iterator[_Ingress]:
    for template, lid, group in templates.all_resources(blocks.network.SECURITY_GROUP.type):
        rules = as_list(group.get("Properties", {}).get("SecurityGroupIngress"))
        for index, rule in enumerate(rules):
            yield _Ingress(template, lid, ("SecurityGroupIngress", index), (template, lid), rule)
    for template, lid, ingress in templates.all_resources(
        blocks.network.SECURITY_GROUP_INGRESS.type
    ):
        props = ingress.get("Properties", {})
        yield _Ingress(template, lid, (), resolve(exports, template, props.get("GroupId")), props)


def _groups_used_by(
    templates: TemplateSet, exports: ExportIndex, kind: str, prop: str
) -> set[tuple[str, str]]:
    """(template file, group id) of every group that resources of `kind` list under `prop`."""
    used = set()
    for template, _, resource in templates.all_resources(kind):
        for value in as_list(resource.get("Properties", {}).get(prop)):
            target = resolve(exports, template, value)
            if target is not None:
                used.add((target[0].file, target[1]))
    return used


def _exported_database_groups(exports: ExportIndex) -> set[tuple[str, str]]:
    """Groups a base stack exports as its database group, whether or not the attach stack
    that imports them into its cluster is part of the set being checked."""
    groups = set()
    for (_, name), (template, value) in exports.items():
        target = resolve(exports, template, value)
        if DATABASE_GROUP_EXPORT in name and target is not None:
            groups.add((template.file, target[1]))
    return groups


def _world(cidr: Any) -> bool:
    """0.0.0.0/0, ::/0 or any other spelling of a zero-length prefix."""
    text = text_of(cidr)
    try:
        return text is not None and ipaddress.ip_network(text, strict=False).prefixlen == 0
    except ValueError:
        return False


def _ports(rule: Mapping[str, Any]) -> str:
    protocol = str(rule.get("IpProtocol", "")).lower()
    if protocol in ("-1", "all"):
        return "all traffic"
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return f"{protocol} {low}" if str(low) == str(high) else f"{protocol} {low}-{high}"


def _https_only(rule: Mapping[str, Any]) -> bool:
    protocol = str(rule.get("IpProtocol", "")).lower()
    ports = (str(rule.get("FromPort")), str(rule.get("ToPort")))
    return protocol in ("tcp", "6") and ports == (str(HTTPS), str(HTTPS))


def _database_problem(ingress: _Ingress) -> tuple[str, str] | None:
    """(property, message) when a database group's rule is not a group reference."""
    for key in CIDR_KEYS:
        if key in ingress.rule:
            cidr = text_of(ingress.rule[key]) or "a computed range"
            return key, (
                f"database {ingress.where} admits CIDR {cidr} on {_ports(ingress.rule)}: "
                "allow the clients' security group (SourceSecurityGroupId) instead"
            )
    if "SourceSecurityGroupId" not in ingress.rule:
        return "SourceSecurityGroupId", (
            f"database {ingress.where} has no SourceSecurityGroupId: "
            "only security-group references may reach the database"
        )
    return None


def _world_problem(ingress: _Ingress, alb_groups: set[tuple[str, str]]) -> tuple[str, str] | None:
    """(property, message) when a rule opens the group to the whole internet wrongly."""
    for key in CIDR_KEYS:
        if key not in ingress.rule or not _world(ingress.rule[key]):
            continue
        cidr = text_of(ingress.rule[key])
        group = (ingress.group[0].file, ingress.group[1]) if ingress.group else None
        if group not in alb_groups:
            return key, (
                f"{ingress.where} opens {_ports(ingress.rule)} to {cidr}: only a load "
                "balancer's group may accept the internet, on 443"
            )
        if not _https_only(ingress.rule):
            return key, (
                f"load balancer {ingress.where} opens {_ports(ingress.rule)} to {cidr}: "
                "only tcp 443 may be open to the internet"
            )
    return None


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    exports = export_index(templates)
    database_groups = _groups_used_by(
        templates, exports, blocks.aurora.DB_CLUSTER.type, "VpcSecurityGroupIds"
    ) | _exported_database_groups(exports)
    alb_groups = _groups_used_by(
        templates, exports, blocks.alb.LOAD_BALANCER.type, "SecurityGroups"
    )
    for ingress in _ingress_rules(templates, exports):
        group = (ingress.group[0].file, ingress.group[1]) if ingress.group else None
        if group in database_groups:
            problem = _database_problem(ingress)
        else:
            problem = _world_problem(ingress, alb_groups)
        if problem is None:
            continue
        prop, message = problem
        yield Violation(
            message,
            ingress.group_id,
            template=ingress.template,
            logical_id=ingress.logical_id,
            property_path=(*ingress.path, prop),
        )


RULE = Rule(
    id="DR052",
    title="Database ingress from security groups only; 0.0.0.0/0 only on the ALB's 443",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "A CIDR rule on the database group admits every address in the range, including "
        "whatever else lands in the VPC or a peered VPC; a security-group reference admits "
        "only the functions that need the database, and follows them as they scale. The seed "
        "designs opened the Aurora port to 0.0.0.0/0, putting the payments database one "
        "leaked credential away from the internet. The only component meant to face the "
        "internet is the load balancer, and only for HTTPS."
    ),
    remediation=(
        "Compile the network through dr_compiler: the database group admits the Lambda group "
        "on the database port and the load balancer's group admits 443 only. In a "
        "hand-written template, replace CidrIp/CidrIpv6 on the database group with "
        "SourceSecurityGroupId, and remove 0.0.0.0/0 (::/0) rules from every other group "
        "except tcp 443 on the group attached to the load balancer."
    ),
    docs="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.RDSSecurityGroups.html",
    bad_example=(
        "DatabaseSecurityGroup:\n  Type: AWS::EC2::SecurityGroup\n  Properties:\n"
        "    SecurityGroupIngress:\n"
        "      - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 0.0.0.0/0}\n"
    ),
    good_example=(
        "DatabaseSecurityGroup:\n  Type: AWS::EC2::SecurityGroup\n  Properties:\n"
        "    SecurityGroupIngress:\n"
        "      - IpProtocol: tcp\n        FromPort: 5432\n        ToPort: 5432\n"
        "        SourceSecurityGroupId: !GetAtt LambdaSecurityGroup.GroupId\n"
    ),
    check_templates=check_templates,
    pci_dss=("1.3.1", "1.4.2", "1.4.4"),
    tags=("network",),
)
