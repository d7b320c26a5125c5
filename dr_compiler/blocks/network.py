"""The network of each region: VPC, subnets, routes, gateways, endpoints, security groups,
flow logs."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, ResourceKind

VPC = ResourceKind("AWS::EC2::VPC", "VPC")
SUBNET = ResourceKind("AWS::EC2::Subnet", "subnet")
ROUTE_TABLE = ResourceKind("AWS::EC2::RouteTable", "route table")
ROUTE = ResourceKind("AWS::EC2::Route", "route")
SUBNET_ROUTE_TABLE_ASSOCIATION = ResourceKind(
    "AWS::EC2::SubnetRouteTableAssociation", "route table association"
)
INTERNET_GATEWAY = ResourceKind("AWS::EC2::InternetGateway", "internet gateway")
VPC_GATEWAY_ATTACHMENT = ResourceKind("AWS::EC2::VPCGatewayAttachment", "gateway attachment")
NAT_GATEWAY = ResourceKind("AWS::EC2::NatGateway", "NAT gateway")
ELASTIC_IP = ResourceKind("AWS::EC2::EIP", "Elastic IP")
VPC_ENDPOINT = ResourceKind("AWS::EC2::VPCEndpoint", "VPC endpoint")
SECURITY_GROUP = ResourceKind("AWS::EC2::SecurityGroup", "security group")
SECURITY_GROUP_INGRESS = ResourceKind("AWS::EC2::SecurityGroupIngress", "ingress rule")
SECURITY_GROUP_EGRESS = ResourceKind("AWS::EC2::SecurityGroupEgress", "egress rule")
FLOW_LOG = ResourceKind("AWS::EC2::FlowLog", "flow log")

BLOCK = Block(
    "network",
    (
        VPC,
        SUBNET,
        ROUTE_TABLE,
        ROUTE,
        SUBNET_ROUTE_TABLE_ASSOCIATION,
        INTERNET_GATEWAY,
        VPC_GATEWAY_ATTACHMENT,
        NAT_GATEWAY,
        ELASTIC_IP,
        VPC_ENDPOINT,
        SECURITY_GROUP,
        SECURITY_GROUP_INGRESS,
        SECURITY_GROUP_EGRESS,
        FLOW_LOG,
    ),
    spec_collection="network",
)
