"""Network: the region's VPC, subnets, routing, egress, security groups and flow logs.

Built in every stack that owns a region's network (the primary stack, and each secondary's
base stack, which deploys first so that the primary can peer with it). Per AZ there is one
public subnet (load balancer, NAT gateway) and one private subnet (functions, database);
nothing gets a public IP on launch.

Private subnets reach AWS services in one of two ways (spec `network.egress`):
- `nat_gateway`: one NAT gateway per AZ, so an AZ outage doesn't cut the others off;
- `vpc_endpoints`: no route to the internet at all; gateway endpoints for S3 and DynamoDB on
  every private route table, and an interface endpoint for each other service that the
  VPC-attached functions call (`services_called`, which policy DR050 reuses).

Security groups (DR052): the database accepts only the Lambda group on its port (a
security-group reference, never a CIDR); only the load balancer accepts 0.0.0.0/0, on 443.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from awacs.logs import CreateLogStream, DescribeLogStreams, PutLogEvents
from awacs.sts import AssumeRole
from troposphere import (
    AWSObject,
    GetAtt,
    GetAZs,
    Output,
    Ref,
    Select,
    Sub,
)
from troposphere.ec2 import (
    EIP,
    VPC,
    Egress,
    FlowLog,
    Ingress,
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupEgress,
    Subnet,
    SubnetRouteTableAssociation,
    VPCEndpoint,
    VPCGatewayAttachment,
)
from troposphere.logs import LogGroup

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import Sourced, StackContext, sourced
from dr_compiler.compiler.naming import arn
from dr_compiler.errors import Problem, SpecInvalidError
from dr_compiler.model import Function, Spec
from dr_compiler.subnets import cidr_problem, subnet_cidrs

INTERNET_GATEWAY_ATTACHMENT = "InternetGatewayAttachment"
"""Public load balancers and EIPs in the same template must DependsOn this (CloudFormation
DependsOn docs, "When a DependsOn attribute is required")."""

FLOW_LOG_GROUP = "FlowLogGroup"
FLOW_LOG_ROLE = "FlowLogRole"
FLOW_LOG = "FlowLog"
LAMBDA_TO_DATABASE_EGRESS = "LambdaToDatabaseEgress"

GATEWAY_SERVICES = ("dynamodb", "s3")
"""Reached through gateway endpoints (route-table entries); everything else needs an interface
endpoint when egress is `vpc_endpoints`."""

HTTPS = 443
ANYWHERE = "0.0.0.0/0"


def _no_egress() -> Egress:
    """An egress rule that matches nothing, for groups that need no outbound traffic.

    CloudFormation gives a group with an empty inline egress list an allow-all egress rule, so
    "none" has to be a rule: no host has 255.255.255.255 and ICMP type 252 code 86 does not
    exist (the same rule as AWS CDK's MATCH_NO_TRAFFIC).
    """
    return Egress(
        IpProtocol="icmp",
        FromPort=252,
        ToPort=86,
        CidrIp="255.255.255.255/32",
        Description="Disallow all outbound traffic",
    )


def endpoint(service: str) -> str:
    """Logical id of the VPC endpoint of `service`, e.g. `SqsVpcEndpoint`."""
    return f"{ids.pascal(service)}VpcEndpoint"


def nat_gateway(az: int) -> str:
    return f"NatGateway{az + 1}"


def _function_services(function: Function) -> set[str]:
    """AWS service endpoints (com.amazonaws.<region>.<service>) a function's code calls."""
    access = function.access
    services: set[str] = set()
    if access.queues:
        services.add("sqs")
    if access.tables:
        services.add("dynamodb")
    if access.buckets:
        services.add("s3")
    if access.database == "connect":
        # The credentials, and which member is the writer (DescribeGlobalClusters); the
        # database itself is this region's cluster, reached inside the VPC.
        services |= {"secretsmanager", "rds"}
    elif access.database in ("describe", "failover"):
        services.add("rds")
    if access.alerts:
        services.add("sns")
    if access.metrics:
        services.add("monitoring")
    # The spec's secrets: "secretsmanager" or "ssm", each the service's endpoint name.
    services |= {secret.service for secret in function.secrets}
    # No "logs": Lambda ships function logs itself, outside the function's network.
    return services


def services_called(spec: Spec) -> tuple[str, ...]:
    """Services the VPC-attached functions call, sorted (gateway and interface ones alike).

    The database secret's hosted rotation function (aurora.py) is one of them: it runs in the
    private subnets and calls Secrets Manager.
    """
    services: set[str] = set()
    for function in spec.functions:
        if function.vpc:
            services |= _function_services(function)
    if spec.database is not None and spec.database.rotation_days:
        services.add("secretsmanager")
    return tuple(sorted(services))


def interface_services(spec: Spec) -> tuple[str, ...]:
    """Services that need an interface endpoint when egress is `vpc_endpoints`."""
    return tuple(s for s in services_called(spec) if s not in GATEWAY_SERVICES)


def vpc_cidr(spec: Spec, region: str) -> ipaddress.IPv4Network:
    """The region's VPC CIDR; a spec error if missing or unable to hold the subnet layout."""
    where = spec.locate("network", "cidrs", region)
    text = spec.network.cidrs.get(region)
    if text is None:
        raise SpecInvalidError(Problem(where, f"network.cidrs has no CIDR for region {region}"))
    problem = cidr_problem(text)
    if problem is not None:
        raise SpecInvalidError(Problem(where, problem))
    return ipaddress.IPv4Network(text)


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Sourced]:
    if not ctx.in_regional_base:
        return
    yield from sourced(_vpc_and_subnets(ctx), "network", "cidrs", ctx.region)
    yield from sourced(_public_routing(ctx), "network")
    if ctx.spec.network.egress == "nat_gateway":
        yield from sourced(_nat_gateways(ctx), "network", "egress")
    else:
        yield from sourced(_endpoints(ctx), "network", "egress")
    yield from sourced(_lambda_security_group(ctx), "network", "egress")
    yield from sourced(_database_security_group(ctx), "database")
    if ctx.spec.api is not None:
        yield from sourced(_alb_security_group(), "api")
    yield from sourced(_flow_logs(ctx), "network", "flow_logs_retention_days")
    if ctx.is_primary_region:
        # A base stack exports its VPC as output "Vpc" automatically (context.shared_from_base);
        # the primary stack gets the same output so both read the same.
        yield Output(ids.VPC_OUTPUT, Value=Ref(ids.VPC), Description="Region's VPC")


def _vpc_and_subnets(ctx: StackContext) -> Iterator[AWSObject]:
    cidr = vpc_cidr(ctx.spec, ctx.region)
    yield VPC(ids.VPC, CidrBlock=str(cidr), EnableDnsHostnames=True, EnableDnsSupport=True)
    public, private = subnet_cidrs(cidr, ctx.azs)
    for az in range(ctx.azs):
        for logical_id, block in (
            (ids.public_subnet(az), public[az]),
            (ids.private_subnet(az), private[az]),
        ):
            yield Subnet(
                logical_id,
                VpcId=Ref(ids.VPC),
                CidrBlock=block,
                AvailabilityZone=Select(az, GetAZs("")),
                MapPublicIpOnLaunch=False,
            )
        yield RouteTable(ids.private_route_table(az), VpcId=Ref(ids.VPC))
        yield SubnetRouteTableAssociation(
            f"{ids.private_subnet(az)}RouteTableAssociation",
            SubnetId=Ref(ids.private_subnet(az)),
            RouteTableId=Ref(ids.private_route_table(az)),
        )


def _public_routing(ctx: StackContext) -> Iterator[AWSObject]:
    yield InternetGateway(ids.INTERNET_GATEWAY)
    yield VPCGatewayAttachment(
        INTERNET_GATEWAY_ATTACHMENT, VpcId=Ref(ids.VPC), InternetGatewayId=Ref(ids.INTERNET_GATEWAY)
    )
    yield RouteTable(ids.PUBLIC_ROUTE_TABLE, VpcId=Ref(ids.VPC))
    yield Route(
        "PublicDefaultRoute",
        RouteTableId=Ref(ids.PUBLIC_ROUTE_TABLE),
        DestinationCidrBlock=ANYWHERE,
        GatewayId=Ref(ids.INTERNET_GATEWAY),
        DependsOn=[INTERNET_GATEWAY_ATTACHMENT],  # the gateway must be attached first
    )
    for az in range(ctx.azs):
        yield SubnetRouteTableAssociation(
            f"{ids.public_subnet(az)}RouteTableAssociation",
            SubnetId=Ref(ids.public_subnet(az)),
            RouteTableId=Ref(ids.PUBLIC_ROUTE_TABLE),
        )


def _nat_gateways(ctx: StackContext) -> Iterator[AWSObject]:
    for az in range(ctx.azs):
        eip = f"{nat_gateway(az)}Eip"
        yield EIP(eip, Domain="vpc", DependsOn=[INTERNET_GATEWAY_ATTACHMENT])
        yield NatGateway(
            nat_gateway(az),
            AllocationId=GetAtt(eip, "AllocationId"),
            SubnetId=Ref(ids.public_subnet(az)),
        )
        yield Route(
            f"{ids.private_route_table(az)}DefaultRoute",
            RouteTableId=Ref(ids.private_route_table(az)),
            DestinationCidrBlock=ANYWHERE,
            NatGatewayId=Ref(nat_gateway(az)),
        )


def _service_name(service: str) -> Sub:
    return Sub(f"com.amazonaws.${{AWS::Region}}.{service}")


def _endpoints(ctx: StackContext) -> Iterator[AWSObject]:
    route_tables = [Ref(ids.private_route_table(az)) for az in range(ctx.azs)]
    for service in GATEWAY_SERVICES:
        yield VPCEndpoint(
            endpoint(service),
            VpcId=Ref(ids.VPC),
            ServiceName=_service_name(service),
            VpcEndpointType="Gateway",
            RouteTableIds=route_tables,
        )
    yield SecurityGroup(
        ids.ENDPOINT_SECURITY_GROUP,
        GroupDescription="Interface VPC endpoints: HTTPS from the functions only",
        VpcId=Ref(ids.VPC),
        SecurityGroupIngress=[_from_functions(HTTPS, "HTTPS from the Lambda functions")],
        SecurityGroupEgress=[_no_egress()],  # endpoints only answer; replies are stateful
    )
    for service in interface_services(ctx.spec):
        yield VPCEndpoint(
            endpoint(service),
            VpcId=Ref(ids.VPC),
            ServiceName=_service_name(service),
            VpcEndpointType="Interface",
            PrivateDnsEnabled=True,
            SubnetIds=[Ref(ids.private_subnet(az)) for az in range(ctx.azs)],
            SecurityGroupIds=[GetAtt(ids.ENDPOINT_SECURITY_GROUP, "GroupId")],
        )


def _lambda_security_group(ctx: StackContext) -> Iterator[AWSObject]:
    """Functions: HTTPS out, and the database port to the database group only.

    HTTPS goes to 0.0.0.0/0 under both egress modes. With `vpc_endpoints` the private route
    tables have no default route, so that rule can only reach what is routed: the interface
    endpoints in the VPC, the S3/DynamoDB gateway endpoints and the peered VPC. The gateway
    endpoints are reached on public service addresses whose AWS-managed prefix lists have
    region-specific ids that CloudFormation cannot look up (AWS::EC2::VPCEndpoint returns no
    prefix-list id), so a narrower rule would need a custom resource for no real gain.
    """
    yield SecurityGroup(
        ids.LAMBDA_SECURITY_GROUP,
        GroupDescription="Lambda functions: HTTPS to AWS services, database port to the database",
        VpcId=Ref(ids.VPC),
        SecurityGroupEgress=[
            Egress(
                IpProtocol="tcp",
                FromPort=HTTPS,
                ToPort=HTTPS,
                CidrIp=ANYWHERE,
                Description=(
                    "HTTPS to AWS services through NAT"
                    if ctx.spec.network.egress == "nat_gateway"
                    else "HTTPS to AWS services through VPC endpoints (no internet route)"
                ),
            )
        ],
    )
    if ctx.spec.database is None:
        return
    # A separate resource: the database group's ingress references this group, so an inline
    # rule here referencing the database group would make the two groups a cycle.
    port = ctx.spec.database.port
    yield SecurityGroupEgress(
        LAMBDA_TO_DATABASE_EGRESS,
        GroupId=GetAtt(ids.LAMBDA_SECURITY_GROUP, "GroupId"),
        IpProtocol="tcp",
        FromPort=port,
        ToPort=port,
        DestinationSecurityGroupId=GetAtt(ids.DATABASE_SECURITY_GROUP, "GroupId"),
        Description="Database port to the database cluster",
    )


def _from_functions(port: int, description: str) -> Ingress:
    """Ingress on one TCP port from the Lambda security group: a reference, never a CIDR."""
    return Ingress(
        IpProtocol="tcp",
        FromPort=port,
        ToPort=port,
        SourceSecurityGroupId=GetAtt(ids.LAMBDA_SECURITY_GROUP, "GroupId"),
        Description=description,
    )


def _database_security_group(ctx: StackContext) -> Iterator[AWSObject]:
    if ctx.spec.database is None:
        return
    port = ctx.spec.database.port
    yield SecurityGroup(
        ids.DATABASE_SECURITY_GROUP,
        GroupDescription="Database cluster: the database port from the Lambda functions only",
        VpcId=Ref(ids.VPC),
        SecurityGroupIngress=[_from_functions(port, "Database port from the Lambda functions")],
        SecurityGroupEgress=[_no_egress()],  # Aurora initiates nothing in the VPC
    )


def _alb_security_group() -> Iterator[AWSObject]:
    yield SecurityGroup(
        ids.ALB_SECURITY_GROUP,
        GroupDescription="Public load balancer: HTTPS from anywhere",
        VpcId=Ref(ids.VPC),
        SecurityGroupIngress=[
            Ingress(
                IpProtocol="tcp",
                FromPort=HTTPS,
                ToPort=HTTPS,
                CidrIp=ANYWHERE,
                Description="HTTPS from the internet (the public API)",
            )
        ],
        # The load balancer invokes Lambda targets through the Lambda API, not over the
        # network, so its group needs no outbound rule (ELB guide, "Lambda functions as
        # targets").
        SecurityGroupEgress=[_no_egress()],
    )


def _flow_logs(ctx: StackContext) -> Iterator[AWSObject]:
    yield LogGroup(
        FLOW_LOG_GROUP,
        LogGroupName=ctx.name("vpc-flow-logs", regional=True),
        RetentionInDays=ctx.spec.network.flow_logs_retention_days,
        KmsKeyId=ctx.key_arn,
        **ctx.data_policies(blocks.logs.LOG_GROUP),
    )
    yield from iam.role_with_policy(
        FLOW_LOG_ROLE,
        [
            # The actions and scope AWS CDK grants its flow-log role: streams in this group
            # only (the group's Arn attribute ends in ":*", covering its streams).
            iam.allow(
                "DeliverFlowLogs",
                [CreateLogStream, PutLogEvents, DescribeLogStreams],
                [GetAtt(FLOW_LOG_GROUP, "Arn")],
            )
        ],
        RoleName=ctx.name("vpc-flow-logs", regional=True),
        Description="VPC flow logs deliver to the region's flow-log group",
        AssumeRolePolicyDocument=_flow_log_trust(),
    )
    yield FlowLog(
        FLOW_LOG,
        ResourceId=Ref(ids.VPC),
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=Ref(FLOW_LOG_GROUP),
        DeliverLogsPermissionArn=GetAtt(FLOW_LOG_ROLE, "Arn"),
    )


def _flow_log_trust() -> PolicyDocument:
    """Only the flow-log service, acting for a flow log of this account and region."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", "vpc-flow-logs.amazonaws.com"),
                Action=[AssumeRole],
                Condition=Condition(
                    [
                        StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                        ArnLike(
                            "aws:SourceArn",
                            arn("ec2", "${AWS::Region}", "vpc-flow-log/*"),
                        ),
                    ]
                ),
            )
        ],
    )
