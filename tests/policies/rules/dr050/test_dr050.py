from __future__ import annotations

from pathlib import Path

from tests.policies.ruletest import (
    CLEAN_SPEC,
    load_templates,
    set_findings,
    summary,
    template_findings,
    with_managed_policies,
)

HERE = Path(__file__).parent


def test_public_or_unverifiable_subnets_and_a_private_subnet_without_egress_fail() -> None:
    findings = template_findings("DR050", HERE / "bad.us-east-1.primary.json")
    assert summary(findings) == {
        (
            "DR050",
            "PublicFunction",
            "bad.us-east-1.primary.json: PublicFunction.VpcConfig.SubnetIds[0]",
        ),
        (
            "DR050",
            "OpenFunction",
            "bad.us-east-1.primary.json: OpenFunction.VpcConfig.SubnetIds[0]",
        ),
        (
            "DR050",
            "LiteralFunction",
            "bad.us-east-1.primary.json: LiteralFunction.VpcConfig.SubnetIds[0]",
        ),
        ("DR050", "StrandedFunction", "bad.us-east-1.primary.json: StrandedFunction.VpcConfig"),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["PublicFunction"] == (
        "function PublicFunction SubnetIds[0] is public subnet PublicSubnet1: its route table "
        "PublicRouteTable routes to internet gateway InternetGateway"
    )
    assert messages["OpenFunction"] == (
        "function OpenFunction SubnetIds[0] is public subnet OpenSubnet: "
        "it maps a public IP on launch"
    )
    # The SQS endpoint exists but without private DNS, so the SDK cannot use it.
    assert messages["StrandedFunction"] == (
        "function StrandedFunction cannot reach dynamodb, sqs: its subnets have no NAT route "
        "and the VPC has no endpoint for them"
    )


def test_attach_stack_subnets_are_judged_by_the_base_stack_that_exports_them() -> None:
    findings = template_findings(
        "DR050", HERE / "cross.us-west-2.base.json", HERE / "cross.us-west-2.attach.json"
    )
    assert summary(findings) == {
        ("DR050", "ImportingFunction", "cross.us-west-2.attach.json: ImportingFunction.VpcConfig"),
        (
            "DR050",
            "PublicImportFunction",
            "cross.us-west-2.attach.json: PublicImportFunction.VpcConfig.SubnetIds[0]",
        ),
        (
            "DR050",
            "MissingImportFunction",
            "cross.us-west-2.attach.json: MissingImportFunction.VpcConfig.SubnetIds[0]",
        ),
    }
    messages = {f.resource: f.message for f in findings}
    assert messages["PublicImportFunction"] == (
        "function PublicImportFunction SubnetIds[0] imports "
        "payments-us-west-2-base-test-PublicSubnet1, which is not a PrivateSubnet export"
    )
    # The base stack's S3 gateway endpoint covers the S3 call; nothing covers SQS.
    assert messages["ImportingFunction"] == (
        "function ImportingFunction cannot reach sqs: its subnets have no NAT route and the "
        "VPC has no endpoint for it"
    )


def test_private_subnets_with_an_endpoint_for_every_called_service_pass() -> None:
    good = HERE / "good.us-east-1.primary.json"
    assert template_findings("DR050", good) == []
    assert template_findings("DR050", good, spec_file=CLEAN_SPEC) == []


def test_private_subnets_behind_a_nat_gateway_pass() -> None:
    assert template_findings("DR050", HERE / "good-nat.us-east-1.primary.json") == []


def test_imported_private_subnets_with_the_base_stacks_endpoints_pass() -> None:
    base, attach = (
        HERE / "good-cross.us-west-2.base.json",
        HERE / "good-cross.us-west-2.attach.json",
    )
    assert template_findings("DR050", base, attach) == []


def test_the_services_come_from_the_roles_in_the_template_not_the_compiler() -> None:
    # The function's role allows SQS and DynamoDB only; the spec's VPC functions would also
    # read the database secret, but the rule reads what the template grants (a rule must
    # not reuse the compiler's own list, or a bug there would pass both).
    template = HERE / "no-secrets-endpoint.us-east-1.primary.json"
    assert template_findings("DR050", template) == []
    assert template_findings("DR050", template, spec_file=CLEAN_SPEC) == []


def test_the_services_a_function_calls_are_read_from_its_customer_managed_policy_too() -> None:
    # StrandedRole's sqs and dynamodb statements moved into StrandedRolePolicy
    # (AWS::IAM::ManagedPolicy) attached by the role's ManagedPolicyArns: still unreachable.
    templates = with_managed_policies(load_templates(HERE / "bad.us-east-1.primary.json"))
    assert "StrandedRolePolicy" in templates.templates[0].body["Resources"]
    findings = set_findings("DR050", templates)
    assert {f.message for f in findings if f.resource == "StrandedFunction"} == {
        "function StrandedFunction cannot reach dynamodb, sqs: its subnets have no NAT route "
        "and the VPC has no endpoint for them"
    }
