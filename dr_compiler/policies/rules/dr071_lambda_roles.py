"""DR071: Lambda roles have basic execution and VPC access and no wildcard actions; async
failures go to a dead-letter queue or an on-failure destination."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.policies.cfn import text_of
from dr_compiler.policies.cfn_imports import local_target
from dr_compiler.policies.cfn_roles import (
    Statement,
    actions,
    allows,
    aws_managed_policies,
    function_role,
    role_statements,
    wildcard_actions,
)
from dr_compiler.policies.rule import Level, Rule, Severity, TemplateDoc, TemplateSet, Violation

BASIC_EXECUTION = "AWSLambdaBasicExecutionRole"
VPC_ACCESS = "AWSLambdaVPCAccessExecutionRole"
# What a function needs to write its own logs (the log group itself may be pre-created).
# AWSLambdaVPCAccessExecutionRole grants them too (AWS managed policy reference).
LOG_ACTIONS = frozenset({"logs:createlogstream", "logs:putlogevents"})
LOGGING_MANAGED_POLICIES = frozenset({BASIC_EXECUTION, VPC_ACCESS})
# What Lambda needs to manage a VPC function's network interfaces, from the AWS managed policy
# or the role's own statements
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
NETWORK_INTERFACE_ACTIONS = frozenset(
    {
        "ec2:createnetworkinterface",
        "ec2:describenetworkinterfaces",
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)


def _grants(statements: list[Statement], needed: frozenset[str]) -> bool:
    """Whether the Allow statements name every action of `needed` (or a wildcard over it)."""
    granted: set[str] = set()
    for _, _, statement in statements:
        if allows(statement):
            for action in actions(statement):
                action = action.lower()
                if action == "*":
                    return True
                granted.add(action)
    services = {action.partition(":")[0] for action in needed}
    return granted >= needed or any(f"{service}:*" in granted for service in services)


def _role_violations(
    template: TemplateDoc, fid: str, props: Mapping[str, Any], role: str
) -> Iterator[Violation]:
    managed = aws_managed_policies(template.body["Resources"][role])
    statements = list(role_statements(template, role))
    if not managed & LOGGING_MANAGED_POLICIES and not _grants(statements, LOG_ACTIONS):
        yield Violation(
            f"function {fid} role {role} has neither {BASIC_EXECUTION} nor "
            "logs:CreateLogStream and logs:PutLogEvents: the function cannot write its logs",
            fid,
            template=template,
            logical_id=role,
            property_path=("ManagedPolicyArns",),
        )
    vpc_access = VPC_ACCESS in managed or _grants(statements, NETWORK_INTERFACE_ACTIONS)
    if props.get("VpcConfig") and not vpc_access:
        yield Violation(
            f"function {fid} runs in a VPC but role {role} has neither {VPC_ACCESS} nor "
            "the ec2 network interface actions: Lambda cannot create its network interfaces",
            fid,
            template=template,
            logical_id=role,
            property_path=("ManagedPolicyArns",),
        )
    for policy, path, statement in statements:
        wildcards = wildcard_actions(statement) if allows(statement) else []
        if wildcards:
            yield Violation(
                f"function {fid} role {role} allows {', '.join(wildcards)}: "
                "name the actions the function calls",
                fid,
                template=template,
                logical_id=policy,
                property_path=(*path, "Action"),
            )


def _on_failure_destination(template: TemplateDoc, fid: str, props: Mapping[str, Any]) -> bool:
    """An AWS::Lambda::EventInvokeConfig of this function with an OnFailure destination."""
    name = text_of(props.get("FunctionName"))
    for _, config in template.resources(blocks.lambda_functions.EVENT_INVOKE_CONFIG.type):
        config_props = config.get("Properties", {})
        target = config_props.get("FunctionName")
        if local_target(template, target) != fid and (name is None or text_of(target) != name):
            continue
        on_failure = config_props.get("DestinationConfig", {}).get("OnFailure", {})
        if on_failure.get("Destination"):
            return True
    return False


def check_templates(templates: TemplateSet) -> Iterator[Violation]:
    for template, fid, function in templates.all_resources(blocks.lambda_functions.FUNCTION.type):
        props = function.get("Properties", {})
        role = function_role(template, props)
        if role is None:
            yield Violation(
                f"function {fid} Role is not the Arn of an IAM role of this stack: "
                "its permissions cannot be checked",
                fid,
                template=template,
                logical_id=fid,
                property_path=("Role",),
            )
        else:
            yield from _role_violations(template, fid, props, role)
        dead_letter = props.get("DeadLetterConfig", {}).get("TargetArn")
        if not dead_letter and not _on_failure_destination(template, fid, props):
            yield Violation(
                f"function {fid} has no DeadLetterConfig.TargetArn and no EventInvokeConfig "
                "OnFailure destination: Lambda discards failed asynchronous events "
                "after its retries",
                fid,
                template=template,
                logical_id=fid,
                property_path=("DeadLetterConfig",),
            )


RULE = Rule(
    id="DR071",
    title="Lambda roles: basic execution and VPC access, no wildcard actions; async failures kept",
    severity=Severity.ERROR,
    level=Level.TEMPLATE,
    rationale=(
        "Without the logs permissions a function runs blind: during a failover nobody can see "
        "why the failover trigger failed. Without the network interface actions a VPC "
        "function cannot be created at all. A wildcard action on a payment function's role "
        "turns one injected request into control of the account. Lambda retries a failed "
        "asynchronous event twice and then discards it: the health monitor's and failover "
        "trigger's failures must land in a queue someone can inspect and replay."
    ),
    remediation=(
        "Compile functions through dr_compiler: each gets its own role with a customer managed "
        "policy (writing its own log group, the network interfaces of a VPC function, and what "
        "its `access` block asks for), and a failure queue as its dead-letter target. In a "
        "hand-written template grant logs:CreateLogStream and logs:PutLogEvents on the "
        "function's log group (and the ec2 network interface actions for VPC functions), list "
        "the actions by name, and set DeadLetterConfig.TargetArn or an "
        "AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure."
    ),
    docs="https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
    bad_example=(
        "HealthMonitorRole:\n  Type: AWS::IAM::Role\n  Properties:\n"
        "    Policies:\n      - PolicyName: everything\n        PolicyDocument:\n"
        "          Statement: [{Effect: Allow, Action: 'rds:*', Resource: '*'}]\n"
        "HealthMonitorFunction:\n  Type: AWS::Lambda::Function\n"
        "  Properties:\n    Role: !GetAtt HealthMonitorRole.Arn   # no DeadLetterConfig\n"
    ),
    good_example=(
        "HealthMonitorRole:\n  Type: AWS::IAM::Role\n  Properties:\n"
        "    ManagedPolicyArns: [!Ref HealthMonitorRolePolicy]\n"
        "HealthMonitorRolePolicy:\n  Type: AWS::IAM::ManagedPolicy\n  Properties:\n"
        "    PolicyDocument:\n      Statement:\n        - Effect: Allow\n"
        "          Action: [logs:CreateLogStream, logs:PutLogEvents]\n"
        "          Resource: !GetAtt HealthMonitorLogGroup.Arn\n"
        "HealthMonitorFunction:\n  Type: AWS::Lambda::Function\n  Properties:\n"
        "    Role: !GetAtt HealthMonitorRole.Arn\n"
        "    DeadLetterConfig: {TargetArn: !GetAtt HealthMonitorFailureQueue.Arn}\n"
    ),
    check_templates=check_templates,
    pci_dss=("7.2.5", "10.2.1"),
    tags=("iam", "lambda"),
)
