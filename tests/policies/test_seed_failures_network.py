"""The network seed failures: real model failures on this architecture, each caught by its rule.

- "Lambdas in public subnets with no NAT" (DR050): the functions sat in the subnets routed to
  the internet gateway, where their interfaces get no public IP, and nothing else gave them
  a way out: every AWS call timed out.
- "0.0.0.0/0 database ingress" (DR052): the Aurora security group admitted the database port
  from anywhere instead of from the functions' security group.

(An alarm with no actions, the monitoring seed failure, is DR030's: tests/policies/rules/dr030.)
"""

from __future__ import annotations

from typing import Any

from dr_compiler.policies.engine import check_templates
from dr_compiler.policies.registry import rule
from dr_compiler.policies.rule import Finding, TemplateDoc, TemplateSet
from tests.policies.ruletest import summary

FILE = "seed.us-east-1.primary.json"


def _findings(rule_id: str, resources: dict[str, Any]) -> list[Finding]:
    template = TemplateDoc(FILE, "us-east-1", "primary", {"Resources": resources})
    return check_templates(TemplateSet((template,)), [rule(rule_id)])


def _resource(kind: str, **properties: Any) -> dict[str, Any]:
    return {"Type": kind, "Properties": properties}


def _public_subnet_network() -> dict[str, Any]:
    """A VPC whose only subnet is routed to the internet gateway, with no NAT and no endpoints."""
    return {
        "Vpc": _resource("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"),
        "InternetGateway": _resource("AWS::EC2::InternetGateway"),
        "PublicSubnet1": _resource(
            "AWS::EC2::Subnet", VpcId={"Ref": "Vpc"}, CidrBlock="10.0.0.0/24"
        ),
        "PublicRouteTable": _resource("AWS::EC2::RouteTable", VpcId={"Ref": "Vpc"}),
        "PublicSubnet1RouteTableAssociation": _resource(
            "AWS::EC2::SubnetRouteTableAssociation",
            SubnetId={"Ref": "PublicSubnet1"},
            RouteTableId={"Ref": "PublicRouteTable"},
        ),
        "PublicDefaultRoute": _resource(
            "AWS::EC2::Route",
            RouteTableId={"Ref": "PublicRouteTable"},
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId={"Ref": "InternetGateway"},
        ),
    }


def test_a_lambda_in_a_public_subnet_with_no_nat_is_caught_by_dr050() -> None:
    role_statement = {
        "Effect": "Allow",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
        "Resource": [{"Fn::GetAtt": ["PaymentsQueue", "Arn"]}],
    }
    resources = {
        **_public_subnet_network(),
        "PaymentsQueue": _resource("AWS::SQS::Queue"),
        "PaymentProcessorRole": _resource(
            "AWS::IAM::Role",
            Policies=[{"PolicyName": "access", "PolicyDocument": {"Statement": [role_statement]}}],
        ),
        "PaymentProcessorFunction": _resource(
            "AWS::Lambda::Function",
            Role={"Fn::GetAtt": ["PaymentProcessorRole", "Arn"]},
            VpcConfig={"SubnetIds": [{"Ref": "PublicSubnet1"}], "SecurityGroupIds": ["sg-1"]},
        ),
    }
    findings = _findings("DR050", resources)
    assert summary(findings) == {
        (
            "DR050",
            "PaymentProcessorFunction",
            f"{FILE}: PaymentProcessorFunction.VpcConfig.SubnetIds[0]",
        ),
        ("DR050", "PaymentProcessorFunction", f"{FILE}: PaymentProcessorFunction.VpcConfig"),
    }
    assert sorted(f.message for f in findings) == [
        "function PaymentProcessorFunction SubnetIds[0] is public subnet PublicSubnet1: its "
        "route table PublicRouteTable routes to internet gateway InternetGateway",
        "function PaymentProcessorFunction cannot reach sqs: its subnets have no NAT route "
        "and the VPC has no endpoint for it",
    ]


def test_database_ingress_open_to_the_world_is_caught_by_dr052() -> None:
    resources = {
        "DatabaseSecurityGroup": _resource(
            "AWS::EC2::SecurityGroup",
            GroupDescription="Aurora",
            SecurityGroupIngress=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "0.0.0.0/0"}
            ],
        ),
        "DatabaseCluster": _resource(
            "AWS::RDS::DBCluster",
            Engine="aurora-postgresql",
            VpcSecurityGroupIds=[{"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}],
        ),
    }
    findings = _findings("DR052", resources)
    assert summary(findings) == {
        (
            "DR052",
            "DatabaseSecurityGroup",
            f"{FILE}: DatabaseSecurityGroup.SecurityGroupIngress[0].CidrIp",
        )
    }
    assert findings[0].message == (
        "database security group DatabaseSecurityGroup SecurityGroupIngress[0] admits CIDR "
        "0.0.0.0/0 on tcp 5432: allow the clients' security group (SourceSecurityGroupId) instead"
    )
