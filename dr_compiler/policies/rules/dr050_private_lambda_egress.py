"""DR050: VPC Lambdas run only in private subnets, with egress through NAT or VPC endpoints
covering every service they call."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, is_true, text_of
from dr_compiler.policies.cfn_imports import (
    ExportIndex,
    export_index,
    import_name,
    local_target,
    resolve,
)
from dr_compiler.policies.cfn_roles import actions, allows, function_role, role_statements
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

ANYWHERE = "0.0.0.0/0"
PRIVATE_SUBNET_EXPORT = "PrivateSubnet"
"""The compiler exports a base stack's private subnets as `<stack set>-PrivateSubnet<n>`
(context.shared_from_base); an imported subnet counts as private only under that name."""

# IAM service prefix -> VPC endpoint service name (com.amazonaws.<region>.<name>), used when
# a function's calls are known from what its role allows (with or without a spec).
# CloudWatch's endpoint is "monitoring"; KMS, logs and EC2 calls are made by the services
# (SQS decrypting, Lambda shipping logs and managing ENIs), not from the function's network.
_ENDPOINT_OF_PREFIX = {
    "sqs": "sqs",
    "dynamodb": "dynamodb",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "rds": "rds",
    "sns": "sns",
    "cloudwatch": "monitoring",
}


@dataclass
class _Network:
    """The routing facts of one template that defines subnets."""

    template: TemplateDoc
    route_tables: dict[str, set[str]] = field(default_factory=dict)
    """subnet -> route tables associated with it"""
    internet_routes: dict[str, str] = field(default_factory=dict)
    """route table -> the internet gateway it routes to"""
    nat_tables: set[str] = field(default_factory=set)
    """route tables whose 0.0.0.0/0 goes to a NAT gateway"""
    gateway_endpoints: dict[str, set[str]] = field(default_factory=dict)
    """service -> route tables a gateway endpoint of it is attached to"""
    interface_endpoints: set[str] = field(default_factory=set)
    """services with an interface endpoint whose private DNS name resolves in the VPC"""


def _network(template: TemplateDoc) -> _Network:
    net = _Network(template)
    gateways = {lid for lid, _ in template.resources(blocks.network.INTERNET_GATEWAY.type)}
    for _, assoc in template.resources(blocks.network.SUBNET_ROUTE_TABLE_ASSOCIATION.type):
        props = assoc.get("Properties", {})
        subnet = local_target(template, props.get("SubnetId"))
        table = local_target(template, props.get("RouteTableId"))
        if subnet and table:
            net.route_tables.setdefault(subnet, set()).add(table)
    for _, route in template.resources(blocks.network.ROUTE.type):
        _add_route(net, template, gateways, route.get("Properties", {}))
    for _, endpoint in template.resources(blocks.network.VPC_ENDPOINT.type):
        _add_endpoint(net, template, endpoint.get("Properties", {}))
    return net


def _add_route(
    net: _Network, template: TemplateDoc, gateways: set[str], props: Mapping[str, Any]
) -> None:
    table = local_target(template, props.get("RouteTableId"))
    if table is None:
        return
    gateway = props.get("GatewayId")
    target = local_target(template, gateway)
    if target in gateways or (text_of(gateway) or "").startswith("igw-"):
        net.internet_routes[table] = target or str(text_of(gateway))
    if props.get("NatGatewayId") and props.get("DestinationCidrBlock") == ANYWHERE:
        net.nat_tables.add(table)


def _add_endpoint(net: _Network, template: TemplateDoc, props: Mapping[str, Any]) -> None:
    # ServiceName is com.amazonaws.<region>.<service>; the service part may hold dots.
    parts = (text_of(props.get("ServiceName")) or "").split(".", 3)
    if len(parts) < 4:
        return
    service = parts[3]
    if props.get("VpcEndpointType", "Gateway") == "Gateway":
        tables = {local_target(template, t) for t in as_list(props.get("RouteTableIds"))}
        net.gateway_endpoints.setdefault(service, set()).update(t for t in tables if t)
    elif is_true(props.get("PrivateDnsEnabled")):
        # Without private DNS the SDK's default endpoint name still resolves to the public
        # address, which a private subnet cannot reach.
        net.interface_endpoints.add(service)


class _Checker:
    """DR050 over one template set; caches each network template's routing facts."""

    def __init__(self, templates: TemplateSet) -> None:
        self.templates = templates
        self.exports: ExportIndex = export_index(templates)
        self.networks: dict[str, _Network] = {}

    def network(self, template: TemplateDoc) -> _Network:
        if template.file not in self.networks:
            self.networks[template.file] = _network(template)
        return self.networks[template.file]

    def check(
        self, template: TemplateDoc, fid: str, props: Mapping[str, Any]
    ) -> Iterator[Violation]:
        located: list[tuple[_Network, str]] = []
        for index, subnet in enumerate(as_list(props["VpcConfig"].get("SubnetIds"))):
            problem, place = self.placement(template, subnet)
            if problem:
                yield Violation(
                    f"function {fid} SubnetIds[{index}] {problem}",
                    fid,
                    template=template,
                    logical_id=fid,
                    property_path=("VpcConfig", "SubnetIds", index),
                )
            if place:
                located.append(place)
        missing = self.unreachable(located, self.services(template, props))
        if missing:
            them = "it" if len(missing) == 1 else "them"
            yield Violation(
                f"function {fid} cannot reach {', '.join(missing)}: its subnets have no NAT "
                f"route and the VPC has no endpoint for {them}",
                fid,
                template=template,
                logical_id=fid,
                property_path=("VpcConfig",),
            )

    def placement(
        self, template: TemplateDoc, subnet: Any
    ) -> tuple[str | None, tuple[_Network, str] | None]:
        """(what is wrong with the subnet, or None; its network and id when resolvable)."""
        name = import_name(subnet)
        target = resolve(self.exports, template, subnet)
        unverifiable = "it cannot be shown private"
        if target is None and name is not None:
            return f"imports {name}, which no stack of the set exports: {unverifiable}", None
        if target is None:
            return f"is neither a subnet of this stack nor an import of one: {unverifiable}", None
        place = (self.network(target[0]), target[1])
        net, subnet_id = place
        if net.template.body["Resources"][subnet_id].get("Type") != blocks.network.SUBNET.type:
            return f"names {subnet_id}, which is not a subnet", None
        if name is not None and PRIVATE_SUBNET_EXPORT not in name:
            return f"imports {name}, which is not a {PRIVATE_SUBNET_EXPORT} export", place
        reason = _public_reason(net, subnet_id)
        return (f"is public subnet {subnet_id}: {reason}" if reason else None), place

    def services(self, template: TemplateDoc, props: Mapping[str, Any]) -> tuple[str, ...]:
        """The services the function calls, from what its role in the template allows:
        never from the compiler's own list of them, so a bug there cannot hide here."""
        role = function_role(template, props)
        if role is None:
            return ()
        prefixes = {
            action.split(":")[0].lower()
            for _, _, statement in role_statements(template, role)
            if allows(statement)
            for action in actions(statement)
        }
        return tuple(sorted({_ENDPOINT_OF_PREFIX[p] for p in prefixes if p in _ENDPOINT_OF_PREFIX}))

    @staticmethod
    def unreachable(located: list[tuple[_Network, str]], services: tuple[str, ...]) -> list[str]:
        missing: set[str] = set()
        for net, subnet in located:
            tables = net.route_tables.get(subnet, set())
            if tables and tables <= net.nat_tables:
                continue
            for service in services:
                gateway = net.gateway_endpoints.get(service)
                reachable = service in net.interface_endpoints or (
                    gateway is not None and tables and tables <= gateway
                )
                if not reachable:
                    missing.add(service)
        return sorted(missing)


def _public_reason(net: _Network, subnet: str) -> str | None:
    props = net.template.body["Resources"][subnet].get("Properties", {})
    if is_true(props.get("MapPublicIpOnLaunch")):
        return "it maps a public IP on launch"
    for table in sorted(net.route_tables.get(subnet, ())):
        if table in net.internet_routes:
            return (
                f"its route table {table} routes to internet gateway {net.internet_routes[table]}"
            )
    return None


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    checker = _Checker(templates)
    for template, fid, function in templates.all_resources(blocks.lambda_functions.FUNCTION.type):
        props = function.get("Properties", {})
        if props.get("VpcConfig", {}).get("SubnetIds"):
            yield from checker.check(template, fid, props)


RULE = Rule(
    id="DR050",
    title="VPC Lambdas run only in private subnets, with egress through NAT or VPC endpoints",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "A Lambda function's network interfaces never get a public IP, so a function in a "
        "subnet routed to an internet gateway reaches nothing outside the VPC; and a function "
        "in a private subnet with neither a NAT route nor VPC endpoints times out on its first "
        "SQS, Secrets Manager or DynamoDB call. The seed designs put the functions in public "
        "subnets with no NAT: every invocation that touched an AWS API hung until its timeout, "
        "and the failover path with it. Private placement also keeps the functions out of "
        "reach of inbound internet traffic."
    ),
    remediation=(
        "Compile functions through dr_compiler: VPC functions (functions[].vpc, default true) "
        "get the private subnets, and network.egress picks the way out: `vpc_endpoints` adds "
        "an endpoint for every service the functions' `access` implies, `nat_gateway` a NAT "
        "gateway per AZ. In a hand-written template, give VpcConfig.SubnetIds only subnets "
        "whose route tables have no internet-gateway route and add the NAT route or endpoints."
    ),
    docs="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html",
    bad_example=(
        "PaymentApiFunction:\n  Type: AWS::Lambda::Function\n  Properties:\n"
        "    VpcConfig:\n      SubnetIds: [!Ref PublicSubnet1]   # routes to the internet gateway\n"
        "      SecurityGroupIds: [!GetAtt LambdaSecurityGroup.GroupId]\n"
    ),
    good_example=(
        "PaymentApiFunction:\n  Type: AWS::Lambda::Function\n  Properties:\n"
        "    VpcConfig:\n      SubnetIds: [!Ref PrivateSubnet1]  # no internet route\n"
        "      SecurityGroupIds: [!GetAtt LambdaSecurityGroup.GroupId]\n"
        "SqsVpcEndpoint:\n  Type: AWS::EC2::VPCEndpoint\n  Properties:\n"
        "    ServiceName: !Sub com.amazonaws.${AWS::Region}.sqs\n"
        "    VpcEndpointType: Interface\n    PrivateDnsEnabled: true\n"
    ),
    check_templates=check_templates,
    pci_dss=("1.3.1", "1.3.2"),
    tags=("network",),
)
