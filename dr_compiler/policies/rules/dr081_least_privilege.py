"""DR081: IAM least privilege: no `*` action; `*` resource only for actions that support no
resource-level permissions, from one documented allow-list; and every role's permissions in
customer managed policies: no inline policy (a role's Policies, AWS::IAM::Policy) and no AWS
managed policy but those a service is documented with (a second allow-list)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import as_list, iam_statements
from dr_compiler.policies.cfn_roles import (
    MANAGED_POLICY_MAX_CHARACTERS,
    actions,
    allows,
    aws_managed_policy,
    managed_policy_length,
    wildcard_actions,
)
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

# Actions that may be granted on Resource "*", each because the Service Authorization
# Reference lists no resource type for it (its "Resource types" column is empty, which the
# reference explains as: "you must specify all resources ("*")"). Keys are lower case: IAM
# action names are case-insensitive. Key policies (AWS::KMS::Key KeyPolicy) and other
# resource-based policies are not identity policies and are out of this rule's scope.
# tests/policies/rules/dr081 cross-checks every entry against the copy of the reference's
# action table that cfn-lint bundles (data/AdditionalSpecs/Policies.json).
#
# Looked up and deliberately left out: ec2:CreateNetworkInterface (resource types
# network-interface, subnet, security-group) and ec2:DeleteNetworkInterface,
# ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses (network-interface) support
# resource-level permissions; VPC functions get them on this account's and region's EC2
# resources (compiler/services/lambda_functions.py).
STAR_RESOURCE_ALLOWED: dict[str, str] = {
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
    # A custom metric has no ARN; the reference's only resource type for the action is the
    # optional `dataset` (metrics published into a CloudWatch dataset). The CloudWatch guide
    # fences "*" with the cloudwatch:namespace condition key
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
    "cloudwatch:putmetricdata": "a custom metric has no ARN; fence it with cloudwatch:namespace",
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
    # Describe* actions list no resource type; the Lambda guide adds that this one "only works
    # if it's allowed on all resources" for a VPC function's network interfaces
    # (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
    "ec2:describenetworkinterfaces": "EC2 Describe actions support no resource-level permissions",
    # Also in AWSLambdaVPCAccessExecutionRole (v3) for a VPC function's network interfaces.
    "ec2:describesubnets": "EC2 Describe actions support no resource-level permissions",
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
    # Sending trace data names no resource (X-Ray's resource types are groups and sampling
    # rules, which these actions do not take).
    "xray:puttracesegments": "trace segments have no resource ARN",
    "xray:puttelemetryrecords": "telemetry records have no resource ARN",
}


# AWS managed policies a role may attach, each because the service that assumes the role is
# documented with it (each entry says why a customer managed copy is not used); anything
# else goes into the role's own customer managed policy (names are case-sensitive). The
# compiler's decision table (compiler/suppressions.py, "service-role-managed-policies") writes
# the suppressions of the scanners' "no AWS managed policies" checks from this list.
AWS_MANAGED_ALLOWED: dict[str, str] = {
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html:
    # the monitoring role is created with this policy; RDS refuses a role it finds without the
    # permissions ("IAM role ARN value is invalid or does not include the required permissions
    # for: ENHANCED_MONITORING"), and the policy writes only to RDS* log groups.
    "AmazonRDSEnhancedMonitoringRole": "RDS Enhanced Monitoring's documented service role policy",
    # https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html: AWS
    # Backup's service role holds these. A customer managed copy is allowed (the page offers
    # them "as a model"), but they span Aurora, DynamoDB and S3 backup and restore and AWS
    # revises them as services gain backup features (ForBackup is at v22), which a copy would
    # miss: kept on purpose, and recorded as a compiler decision.
    "AWSBackupServiceRolePolicyForBackup": "AWS Backup's service role policy",
    "AWSBackupServiceRolePolicyForRestores": "AWS Backup's service role policy",
    "AWSBackupServiceRolePolicyForS3Backup": "AWS Backup's service role policy for S3",
    "AWSBackupServiceRolePolicyForS3Restore": "AWS Backup's service role policy for S3",
}


def _size_violations(template: TemplateDoc) -> Iterator[Violation]:
    for policy_id, policy in template.resources(blocks.iam.MANAGED_POLICY.type):
        document = policy.get("Properties", {}).get("PolicyDocument")
        length = managed_policy_length(document, template.region)
        if length > MANAGED_POLICY_MAX_CHARACTERS:
            yield Violation(
                f"{policy_id} renders to up to {length} characters, over the "
                f"{MANAGED_POLICY_MAX_CHARACTERS} IAM allows a managed policy: split its "
                "statements over several managed policies of the role",
                policy_id,
                template=template,
                logical_id=policy_id,
                property_path=("PolicyDocument",),
            )


def _star_resource(statement: Mapping[str, Any]) -> tuple[str, str] | None:
    """(property, how it reads) when the statement applies to every resource: Resource "*",
    or NotResource (with Allow: everything but the resources it lists)."""
    if "NotResource" in statement:
        return "NotResource", "NotResource (every resource but those listed)"
    if "*" in as_list(statement.get("Resource")):
        return "Resource", 'Resource "*"'
    return None


def _statement_problems(statement: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(property, what is wrong) for one Allow statement."""
    if "NotAction" in statement:
        yield "NotAction", "uses NotAction with Allow, which grants every action it does not list"
    wildcards = wildcard_actions(statement)
    if wildcards:
        yield "Action", f"allows {', '.join(wildcards)}: name the actions"
    every = _star_resource(statement)
    if every is not None:
        prop, reads = every
        broad = [
            a
            for a in actions(statement)
            if a not in wildcards and a.lower() not in STAR_RESOURCE_ALLOWED
        ]
        if broad:
            yield (
                prop,
                (
                    f"grants {', '.join(broad)} on {reads}: scope them to ARNs "
                    '(only actions without resource-level permissions may use "*")'
                ),
            )


def _label(statement: Mapping[str, Any], path: tuple[str | int, ...]) -> str:
    return f"statement {statement.get('Sid') or path[-1]}"


def _violations(template: TemplateDoc) -> Iterator[Violation]:
    for logical_id, path, statement in iam_statements(template):
        if not allows(statement):
            continue
        for prop, problem in _statement_problems(statement):
            yield Violation(
                f"{logical_id} {_label(statement, path)} {problem}",
                logical_id,
                template=template,
                logical_id=logical_id,
                property_path=(*path, prop),
            )


def _attachment_violations(template: TemplateDoc) -> Iterator[Violation]:
    """Inline policies and AWS managed policies outside AWS_MANAGED_ALLOWED."""
    for policy_id, _ in template.resources(blocks.iam.POLICY.type):
        yield Violation(
            f"{policy_id} is an inline policy of the roles it lists: {_MOVE}",
            policy_id,
            template=template,
            logical_id=policy_id,
        )
    for role_id, role in template.resources(blocks.iam.ROLE.type):
        props = role.get("Properties", {})
        for index, _ in enumerate(as_list(props.get("Policies"))):
            yield Violation(
                f"{role_id} has an inline policy: {_MOVE}",
                role_id,
                template=template,
                logical_id=role_id,
                property_path=("Policies", index),
            )
        for index, arn in enumerate(as_list(props.get("ManagedPolicyArns"))):
            name = aws_managed_policy(arn)
            if name is not None and name not in AWS_MANAGED_ALLOWED:
                yield Violation(
                    f"{role_id} attaches the AWS managed policy {name}, which grants more than "
                    "the role uses: grant the actions it needs on its own resources in its "
                    "customer managed policy",
                    role_id,
                    template=template,
                    logical_id=role_id,
                    property_path=("ManagedPolicyArns", index),
                )


_MOVE = (
    "move its statements into a customer managed policy (AWS::IAM::ManagedPolicy) attached "
    "through the role's ManagedPolicyArns"
)


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template in templates.templates:
        yield from _violations(template)
        yield from _attachment_violations(template)
        yield from _size_violations(template)


_ROLE = blocks.iam.ROLE.type

RULE = Rule(
    id="DR081",
    title=(
        'IAM least privilege: no "*" action; "*" resource only from the documented allow-list; '
        "customer managed policies, not inline or AWS managed ones"
    ),
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Every role in these stacks acts on payment data or on the failover path: a wildcard "
        "action or a `*` resource turns one compromised function, or one bug in it, into "
        "access to every queue, table, key or cluster in the account, including the other "
        "region's. Only a handful of actions cannot be scoped to a resource; they are listed "
        "once, each with the AWS reference that says so, so that a `*` anywhere else stands "
        "out in review. AWS managed policies grant their actions on every resource "
        "(AWSLambdaBasicExecutionRole writes to any log group), and inline policies are "
        "invisible to the reviews and scanners that list an account's policies: each role's "
        "permissions live in its own customer managed policy, except the few AWS managed "
        "policies a service is documented with, listed once."
    ),
    remediation=(
        "Name each action and scope Resource to the ARNs the role works on (dr_compiler "
        "derives both from functions[].access). If an action truly takes no resource, check "
        "the Service Authorization Reference and add it to STAR_RESOURCE_ALLOWED in "
        "dr_compiler/policies/rules/dr081_least_privilege.py with the page that says so. Put "
        "the statements in an AWS::IAM::ManagedPolicy referenced from the role's "
        "ManagedPolicyArns (so the role, and whatever uses it, is created after it), and "
        "replace an AWS managed policy with the statements the role needs; a service that "
        "requires its AWS managed policy goes into AWS_MANAGED_ALLOWED with its page."
    ),
    docs="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    bad_example=(
        "Role:\n  Type: AWS::IAM::Role\n  Properties:\n    ManagedPolicyArns:\n"
        "      - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole\n"
        "    Policies:\n      - PolicyName: access\n        PolicyDocument:\n"
        "          Statement: [{Effect: Allow, Action: ['sqs:*'], Resource: '*'}]\n"
    ),
    good_example=(
        "Role:\n  Type: AWS::IAM::Role\n  Properties:\n    ManagedPolicyArns: [!Ref RolePolicy]\n"
        "RolePolicy:\n  Type: AWS::IAM::ManagedPolicy\n  Properties:\n    PolicyDocument:\n"
        "      Statement:\n        - Effect: Allow\n          Action: [sqs:SendMessage]\n"
        "          Resource: [!GetAtt PaymentsQueue.Arn]\n"
        "        - Effect: Allow\n          Action: [cloudwatch:PutMetricData]\n"
        "          Resource: '*'\n          Condition: {StringEquals: "
        "{cloudwatch:namespace: DRCompiler/payments-prod}}\n"
    ),
    check_templates=check_templates,
    pci_dss=("7.2.1", "7.2.2", "7.2.5"),
    tags=("iam",),
    # Guard: the AWS Guard rules registry's rule (the AWS Config managed rule's name); cdk-nag:
    # AWS Solutions IAM4 (AWS managed policies) and the PCI DSS pack's inline-policy rule.
    scanner_checks=(
        ScannerCheck(Scanner.GUARD, "IAM_NO_INLINE_POLICY_CHECK", _ROLE),
        ScannerCheck(Scanner.CDK_NAG, "PCI.DSS.321-IAMNoInlinePolicy", _ROLE),
        ScannerCheck(Scanner.CDK_NAG, "AwsSolutions-IAM4", _ROLE),
    ),
)
