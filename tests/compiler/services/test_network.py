"""The network builder: VPC layout, egress per mode, security groups and flow logs."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, StackContext, StackId
from dr_compiler.compiler.services import network
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.errors import SpecInvalidError
from tests.compiler.roles import policy_statements

REGIONAL_BASES = ("us-east-1", "us-west-2-base")
LAMBDA_SG = {"Fn::GetAtt": ["LambdaSecurityGroup", "GroupId"]}
DATABASE_SG = {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def of_type(compiled: CompiledSpec, key: str, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in resources(compiled, key).items() if r["Type"] == kind}


def props(compiled: CompiledSpec, key: str, logical_id: str) -> dict[str, Any]:
    return resources(compiled, key)[logical_id]["Properties"]


@pytest.mark.parametrize(
    ("key", "cidr"), [("us-east-1", "10.0.0.0/16"), ("us-west-2-base", "10.1.0.0/16")]
)
def test_vpc_uses_the_regions_cidr_with_dns_enabled(
    compiled_prod: CompiledSpec, key: str, cidr: str
) -> None:
    vpc = props(compiled_prod, key, "Vpc")
    assert vpc["CidrBlock"] == cidr
    assert vpc["EnableDnsHostnames"] is True
    assert vpc["EnableDnsSupport"] is True


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_network_is_built_only_in_primary_and_base_stacks(
    compiled_prod: CompiledSpec, key: str
) -> None:
    assert "Vpc" in resources(compiled_prod, key)
    for other in ("us-west-2-attach", "global"):
        assert not of_type(compiled_prod, other, "AWS::EC2::VPC")
        assert not of_type(compiled_prod, other, "AWS::EC2::SecurityGroup")


@pytest.mark.parametrize(("fixture", "azs"), [("compiled_prod", 3), ("compiled_dev", 2)])
def test_subnets_pick_their_az_with_get_azs_and_never_map_public_ips(
    request: pytest.FixtureRequest, fixture: str, azs: int
) -> None:
    compiled = request.getfixturevalue(fixture)
    for key in REGIONAL_BASES:
        subnets = of_type(compiled, key, "AWS::EC2::Subnet")
        assert len(subnets) == 2 * azs
        for az in range(azs):
            for logical_id in (f"PublicSubnet{az + 1}", f"PrivateSubnet{az + 1}"):
                subnet = subnets[logical_id]["Properties"]
                assert subnet["AvailabilityZone"] == {"Fn::Select": [az, {"Fn::GetAZs": ""}]}
                assert subnet["MapPublicIpOnLaunch"] is False
                assert subnet["VpcId"] == {"Ref": "Vpc"}


def test_subnet_cidrs_are_disjoint_blocks_of_the_vpc(compiled_prod: CompiledSpec) -> None:
    vpc = ipaddress.IPv4Network(props(compiled_prod, "us-east-1", "Vpc")["CidrBlock"])
    blocks = [
        ipaddress.IPv4Network(s["Properties"]["CidrBlock"])
        for s in of_type(compiled_prod, "us-east-1", "AWS::EC2::Subnet").values()
    ]
    assert all(block.subnet_of(vpc) for block in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


def test_subnet_layout_is_stable_when_azs_are_added() -> None:
    vpc = ipaddress.IPv4Network("10.0.0.0/16")
    public2, private2 = network.subnet_cidrs(vpc, 2)
    public4, private4 = network.subnet_cidrs(vpc, 4)
    assert (public4[:2], private4[:2]) == (public2, private2)
    assert private4 == ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19"]
    assert public4 == ["10.0.128.0/19", "10.0.160.0/19", "10.0.192.0/19", "10.0.224.0/19"]


def test_a_vpc_too_small_for_the_layout_is_a_spec_error(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    small = dataclasses.replace(
        spec.network, cidrs={**spec.network.cidrs, "us-east-1": "10.0.0.0/26"}
    )
    with pytest.raises(SpecInvalidError, match="too small"):
        network.vpc_cidr(dataclasses.replace(spec, network=small), "us-east-1")


def test_a_cidr_with_host_bits_set_is_a_spec_error(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    shifted = dataclasses.replace(
        spec.network, cidrs={**spec.network.cidrs, "us-west-2": "10.1.0.1/16"}
    )
    with pytest.raises(SpecInvalidError, match="not a network address"):
        network.vpc_cidr(dataclasses.replace(spec, network=shifted), "us-west-2")


def test_public_subnets_route_to_the_internet_gateway_once_it_is_attached(
    compiled_dev: CompiledSpec,
) -> None:
    found = resources(compiled_dev, "us-east-1")
    route = found["PublicDefaultRoute"]
    assert route["Properties"] == {
        "RouteTableId": {"Ref": "PublicRouteTable"},
        "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": {"Ref": "InternetGateway"},
    }
    assert route["DependsOn"] == [network.INTERNET_GATEWAY_ATTACHMENT]
    attachment = found[network.INTERNET_GATEWAY_ATTACHMENT]["Properties"]
    assert attachment == {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "InternetGateway"}}
    for az in (1, 2):
        association = found[f"PublicSubnet{az}RouteTableAssociation"]["Properties"]
        assert association == {
            "SubnetId": {"Ref": f"PublicSubnet{az}"},
            "RouteTableId": {"Ref": "PublicRouteTable"},
        }


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_each_private_subnet_has_its_own_route_table(compiled_prod: CompiledSpec, key: str) -> None:
    found = resources(compiled_prod, key)
    for az in (1, 2, 3):
        assert found[f"PrivateRouteTable{az}"]["Properties"]["VpcId"] == {"Ref": "Vpc"}
        association = found[f"PrivateSubnet{az}RouteTableAssociation"]["Properties"]
        assert association == {
            "SubnetId": {"Ref": f"PrivateSubnet{az}"},
            "RouteTableId": {"Ref": f"PrivateRouteTable{az}"},
        }


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_dev_has_one_nat_gateway_per_az_routed_from_that_azs_private_table(
    compiled_dev: CompiledSpec, key: str
) -> None:
    found = resources(compiled_dev, key)
    assert len(of_type(compiled_dev, key, "AWS::EC2::NatGateway")) == 2
    for az in (1, 2):
        eip = found[f"NatGateway{az}Eip"]
        assert eip["Properties"]["Domain"] == "vpc"
        assert eip["DependsOn"] == [network.INTERNET_GATEWAY_ATTACHMENT]
        nat = found[f"NatGateway{az}"]["Properties"]
        assert nat["SubnetId"] == {"Ref": f"PublicSubnet{az}"}
        assert nat["AllocationId"] == {"Fn::GetAtt": [f"NatGateway{az}Eip", "AllocationId"]}
        route = found[f"PrivateRouteTable{az}DefaultRoute"]["Properties"]
        assert route == {
            "RouteTableId": {"Ref": f"PrivateRouteTable{az}"},
            "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Ref": f"NatGateway{az}"},
        }


def test_dev_has_no_vpc_endpoints(compiled_dev: CompiledSpec) -> None:
    for key in REGIONAL_BASES:
        assert not of_type(compiled_dev, key, "AWS::EC2::VPCEndpoint")
        assert ids.ENDPOINT_SECURITY_GROUP not in resources(compiled_dev, key)


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_prod_has_no_nat_and_no_internet_route_from_private_subnets(
    compiled_prod: CompiledSpec, key: str
) -> None:
    assert not of_type(compiled_prod, key, "AWS::EC2::NatGateway")
    assert not of_type(compiled_prod, key, "AWS::EC2::EIP")
    private_tables = [{"Ref": f"PrivateRouteTable{az}"} for az in (1, 2, 3)]
    for route in of_type(compiled_prod, key, "AWS::EC2::Route").values():
        if route["Properties"]["RouteTableId"] in private_tables:
            assert route["Properties"]["DestinationCidrBlock"] != "0.0.0.0/0"


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_prod_gateway_endpoints_serve_every_private_route_table(
    compiled_prod: CompiledSpec, key: str
) -> None:
    for service, logical_id in (("s3", "S3VpcEndpoint"), ("dynamodb", "DynamodbVpcEndpoint")):
        endpoint = props(compiled_prod, key, logical_id)
        assert endpoint["VpcEndpointType"] == "Gateway"
        assert endpoint["ServiceName"] == {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"}
        assert endpoint["RouteTableIds"] == [{"Ref": f"PrivateRouteTable{az}"} for az in (1, 2, 3)]


def test_services_called_are_those_of_vpc_attached_functions(compiled_prod: CompiledSpec) -> None:
    # payment-api: queue, table, database connect (the secret, and the global writer
    # endpoint's name from RDS); payment-processor: queue, table. The health monitor (rds,
    # monitoring) and failover trigger (rds, sns) run outside the VPC.
    assert network.services_called(compiled_prod.spec) == (
        "dynamodb",
        "rds",
        "secretsmanager",
        "sqs",
    )
    assert network.interface_services(compiled_prod.spec) == ("rds", "secretsmanager", "sqs")


def test_services_called_follow_each_kind_of_access(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    everything_in_vpc = tuple(dataclasses.replace(f, vpc=True) for f in spec.functions)
    assert network.services_called(dataclasses.replace(spec, functions=everything_in_vpc)) == (
        "dynamodb",
        "monitoring",
        "rds",
        "secretsmanager",
        "sns",
        "sqs",
    )


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_prod_interface_endpoints_exist_exactly_for_the_services_called(
    compiled_prod: CompiledSpec, key: str
) -> None:
    interface = {
        logical_id: r["Properties"]
        for logical_id, r in of_type(compiled_prod, key, "AWS::EC2::VPCEndpoint").items()
        if r["Properties"]["VpcEndpointType"] == "Interface"
    }
    names = sorted(p["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1] for p in interface.values())
    assert names == ["rds", "secretsmanager", "sqs"]
    for endpoint in interface.values():
        assert endpoint["PrivateDnsEnabled"] is True
        assert endpoint["SubnetIds"] == [{"Ref": f"PrivateSubnet{az}"} for az in (1, 2, 3)]
        assert endpoint["SecurityGroupIds"] == [
            {"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]}
        ]


def test_endpoint_security_group_takes_https_only_from_the_lambda_group(
    compiled_prod: CompiledSpec,
) -> None:
    group = props(compiled_prod, "us-east-1", "EndpointSecurityGroup")
    assert group["VpcId"] == {"Ref": "Vpc"}
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"])
        for r in group["SecurityGroupIngress"]
    ] == [("tcp", 443, 443, LAMBDA_SG)]
    assert all("CidrIp" not in r for r in group["SecurityGroupIngress"])


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_database_accepts_only_the_lambda_group_on_its_port(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled = request.getfixturevalue(fixture)
    port = compiled.spec.database.port
    for key in REGIONAL_BASES:
        group = props(compiled, key, "DatabaseSecurityGroup")
        assert group["SecurityGroupIngress"] == [
            {
                "IpProtocol": "tcp",
                "FromPort": port,
                "ToPort": port,
                "SourceSecurityGroupId": LAMBDA_SG,
                "Description": "Database port from the Lambda functions",
            }
        ]
        standalone = of_type(compiled, key, "AWS::EC2::SecurityGroupIngress").values()
        assert not [r for r in standalone if r["Properties"]["GroupId"] == DATABASE_SG]


def test_lambda_group_reaches_the_database_through_a_separate_egress_rule(
    compiled_prod: CompiledSpec,
) -> None:
    rule = props(compiled_prod, "us-east-1", network.LAMBDA_TO_DATABASE_EGRESS)
    assert rule["GroupId"] == LAMBDA_SG
    assert rule["DestinationSecurityGroupId"] == DATABASE_SG
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5432, 5432)


@pytest.mark.parametrize(
    ("fixture", "description"),
    [
        ("compiled_prod", "HTTPS to AWS services through VPC endpoints (no internet route)"),
        ("compiled_dev", "HTTPS to AWS services through NAT"),
    ],
)
def test_lambda_group_sends_https_out_and_takes_nothing_in(
    request: pytest.FixtureRequest, fixture: str, description: str
) -> None:
    group = props(request.getfixturevalue(fixture), "us-east-1", "LambdaSecurityGroup")
    assert "SecurityGroupIngress" not in group
    assert group["SecurityGroupEgress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "CidrIp": "0.0.0.0/0",
            "Description": description,
        }
    ]


def test_load_balancer_group_accepts_only_https_and_sends_nothing(
    compiled_prod: CompiledSpec,
) -> None:
    group = props(compiled_prod, "us-west-2-base", "AlbSecurityGroup")
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"])
        for r in group["SecurityGroupIngress"]
    ] == [("tcp", 443, 443, "0.0.0.0/0")]
    (egress,) = group["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["CidrIp"]) == ("icmp", "255.255.255.255/32")


@pytest.mark.parametrize("key", REGIONAL_BASES)
def test_every_security_group_rule_has_a_description(compiled_prod: CompiledSpec, key: str) -> None:
    for group in of_type(compiled_prod, key, "AWS::EC2::SecurityGroup").values():
        assert group["Properties"]["GroupDescription"]
        assert group["Properties"]["VpcId"] == {"Ref": "Vpc"}
        rules = group["Properties"].get("SecurityGroupIngress", []) + group["Properties"].get(
            "SecurityGroupEgress", []
        )
        assert all(rule["Description"] for rule in rules)
    for kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        assert all(
            r["Properties"]["Description"] for r in of_type(compiled_prod, key, kind).values()
        )


@pytest.mark.parametrize(
    ("fixture", "policies"),
    [("compiled_prod", ("RetainExceptOnCreate", "Retain")), ("compiled_dev", ("Delete", "Delete"))],
)
def test_flow_log_captures_all_traffic_into_an_encrypted_group(
    request: pytest.FixtureRequest, fixture: str, policies: tuple[str, str]
) -> None:
    compiled = request.getfixturevalue(fixture)
    found = resources(compiled, "us-west-2-base")
    flow_log = {k: v for k, v in found[network.FLOW_LOG]["Properties"].items() if k != "Tags"}
    assert flow_log == {
        "ResourceId": {"Ref": "Vpc"},
        "ResourceType": "VPC",
        "TrafficType": "ALL",
        "LogDestinationType": "cloud-watch-logs",
        "LogGroupName": {"Ref": network.FLOW_LOG_GROUP},
        "DeliverLogsPermissionArn": {"Fn::GetAtt": [network.FLOW_LOG_ROLE, "Arn"]},
    }
    group = found[network.FLOW_LOG_GROUP]
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["KmsKey", "Arn"]}
    assert group["Properties"]["RetentionInDays"] == compiled.spec.network.flow_logs_retention_days
    assert group["Properties"]["LogGroupName"].endswith(f"-us-west-2-{compiled.spec.environment}")
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == policies


def test_flow_log_role_is_assumable_only_by_this_accounts_flow_logs(
    compiled_prod: CompiledSpec,
) -> None:
    role = props(compiled_prod, "us-east-1", network.FLOW_LOG_ROLE)
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"
        }
    }


def test_flow_log_role_writes_only_to_its_log_group(compiled_prod: CompiledSpec) -> None:
    stack = compiled_prod.stack("us-east-1").template["Resources"]
    (statement,) = policy_statements(stack, network.FLOW_LOG_ROLE)
    assert sorted(statement["Action"]) == [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    assert statement["Resource"] == [{"Fn::GetAtt": [network.FLOW_LOG_GROUP, "Arn"]}]


def test_primary_and_base_stacks_both_output_the_vpc_as_vpc(compiled_prod: CompiledSpec) -> None:
    for key in REGIONAL_BASES:
        output = compiled_prod.stack(key).template["Outputs"][ids.VPC_OUTPUT]
        assert output["Value"] == {"Ref": "Vpc"}
    base_output = compiled_prod.stack("us-west-2-base").template["Outputs"]["Vpc"]
    assert base_output["Export"] == {"Name": "payments-us-west-2-base-prod-Vpc"}


def test_builder_contributes_nothing_outside_regional_bases(compiled_prod: CompiledSpec) -> None:
    spec = compiled_prod.spec
    for stack in (StackId(Phase.ATTACH, "us-west-2"), StackId(Phase.GLOBAL, "us-east-1")):
        assert list(network.build(StackContext(spec, stack))) == []
