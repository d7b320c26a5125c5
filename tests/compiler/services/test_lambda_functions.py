"""The Lambda builder: functions, roles, failure queues, log groups, triggers, permissions."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from troposphere import AWSObject, encode_to_dict

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, Sourced, StackContext, StackId
from dr_compiler.compiler.services import lambda_functions, reverse_replication
from dr_compiler.compiler.stage import CompiledSpec
from dr_compiler.model import Access, Spec
from tests.compiler.roles import policy_statements

WORKLOAD_STACKS = ("us-east-1", "us-west-2-attach")
ATTACH_PREFIX = "payments-us-west-2-base-prod-"
PRIMARY_KEY = {"Fn::GetAtt": ["KmsKey", "Arn"]}
ATTACH_KEY = {"Fn::ImportValue": ATTACH_PREFIX + "KmsKeyArn"}
FUNCTION_NAMES = ("payment-api", "payment-processor", "health-monitor", "failover-trigger")


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def of_type(compiled: CompiledSpec, key: str, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in resources(compiled, key).items() if r["Type"] == kind}


def props(compiled: CompiledSpec, key: str, logical_id: str) -> dict[str, Any]:
    return resources(compiled, key)[logical_id]["Properties"]


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def role_statements(compiled: CompiledSpec, key: str, function: str) -> list[dict[str, Any]]:
    return policy_statements(resources(compiled, key), ids.function_role(function))


def granted(statements: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Action -> resources it is granted on, across all statements."""
    grants: dict[str, list[Any]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            grants.setdefault(action, []).extend(statement["Resource"])
    return grants


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_functions_exist_only_in_workload_stacks(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    mine = {ids.function(name) for name in FUNCTION_NAMES}
    for key in WORKLOAD_STACKS:
        # The bucket emptier (dev only) and the reverse replication (production attach stacks)
        # are the compiler's own functions, not the spec's.
        functions = set(of_type(compiled, key, "AWS::Lambda::Function")) - {
            ids.BUCKET_EMPTIER,
            ids.function(reverse_replication.FUNCTION),
        }
        assert functions == mine
    for key in ("us-west-2-base", "global"):
        assert not mine & set(resources(compiled, key))


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_vpc_functions_sit_exactly_in_the_private_subnets(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    azs = compiled.spec.network.availability_zones
    env = compiled.spec.environment
    expected = {
        "us-east-1": [{"Ref": ids.private_subnet(az)} for az in range(azs)],
        "us-west-2-attach": [
            {"Fn::ImportValue": f"payments-us-west-2-base-{env}-{ids.private_subnet(az)}"}
            for az in range(azs)
        ],
    }
    security_group = {
        "us-east-1": {"Fn::GetAtt": ["LambdaSecurityGroup", "GroupId"]},
        "us-west-2-attach": {
            "Fn::ImportValue": f"payments-us-west-2-base-{env}-LambdaSecurityGroupGroupId"
        },
    }
    for key in WORKLOAD_STACKS:
        for function in compiled.spec.functions:
            function_props = props(compiled, key, ids.function(function.name))
            if not function.vpc:
                assert "VpcConfig" not in function_props
                continue
            vpc = function_props["VpcConfig"]
            assert vpc["SubnetIds"] == expected[key]
            assert vpc["SecurityGroupIds"] == [security_group[key]]


def test_processor_consumes_the_payments_queue_reporting_item_failures(
    compiled_prod: CompiledSpec,
) -> None:
    for key in WORKLOAD_STACKS:
        (mapping,) = of_type(compiled_prod, key, "AWS::Lambda::EventSourceMapping").values()
        mapping_props = {k: v for k, v in mapping["Properties"].items() if k != "Tags"}
        assert mapping_props == {
            "FunctionName": {"Ref": "PaymentProcessorFunction"},
            "EventSourceArn": {"Fn::GetAtt": ["PaymentsQueue", "Arn"]},
            "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "Enabled": True,
        }


@pytest.mark.parametrize("fixture", ["compiled_prod", "compiled_dev"])
def test_no_role_grants_a_wildcard_action_or_an_unlisted_wildcard_resource(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    for key in WORKLOAD_STACKS:
        for function in compiled.spec.functions:
            for statement in role_statements(compiled, key, function.name):
                assert all("*" not in action for action in statement["Action"])
                if "*" in statement["Resource"] and statement["Sid"] == "DescribeNetworkInterfaces":
                    # EC2 Describe actions take no resource (VPC functions only).
                    assert function.vpc
                    assert statement["Action"] == [
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSubnets",
                    ]
                elif "*" in statement["Resource"]:
                    # CloudWatch has no metric resource to name; the namespace fences it in.
                    assert statement["Action"] == ["cloudwatch:PutMetricData"]
                    assert statement["Condition"] == {
                        "StringEquals": {
                            "cloudwatch:namespace": "DRCompiler/payments-"
                            + compiled.spec.environment
                        }
                    }


def test_payment_api_role_grants_exactly_its_access(compiled_prod: CompiledSpec) -> None:
    table = sub(
        "arn:${AWS::Partition}:dynamodb:us-east-1:${AWS::AccountId}:table/payments-transactions-prod"
    )
    secret = sub(
        "arn:${AWS::Partition}:secretsmanager:us-east-1:${AWS::AccountId}:"
        "secret:payments-db-credentials-prod-??????"
    )
    table_actions = [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    ]
    log_group = {"Fn::GetAtt": ["PaymentApiLogGroup", "Arn"]}
    ec2 = sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*/*")
    assert granted(role_statements(compiled_prod, "us-east-1", "payment-api")) == {
        "sqs:SendMessage": [
            {"Fn::GetAtt": ["PaymentsQueue", "Arn"]},
            {"Fn::GetAtt": ["PaymentApiFailureQueue", "Arn"]},
        ],
        **{action: [table] for action in table_actions},
        "secretsmanager:GetSecretValue": [secret],
        "rds:DescribeGlobalClusters": [
            sub("arn:${AWS::Partition}:rds::${AWS::AccountId}:global-cluster:payments-global-prod")
        ],
        "kms:Decrypt": [PRIMARY_KEY],
        "kms:GenerateDataKey": [PRIMARY_KEY],
        **{action: [log_group] for action in ("logs:CreateLogStream", "logs:PutLogEvents")},
        # A VPC function: what AWSLambdaVPCAccessExecutionRole grants, in this account and region.
        **{
            f"ec2:{action}": [ec2]
            for action in (
                "CreateNetworkInterface",
                "DeleteNetworkInterface",
                "AssignPrivateIpAddresses",
                "UnassignPrivateIpAddresses",
            )
        },
        "ec2:DescribeNetworkInterfaces": ["*"],
        "ec2:DescribeSubnets": ["*"],
    }


def test_processor_role_consumes_but_cannot_send_to_its_queue(compiled_prod: CompiledSpec) -> None:
    grants = granted(role_statements(compiled_prod, "us-west-2-attach", "payment-processor"))
    queue = {"Fn::GetAtt": ["PaymentsQueue", "Arn"]}
    for action in (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
    ):
        assert grants[action] == [queue]
    assert grants["sqs:SendMessage"] == [{"Fn::GetAtt": ["PaymentProcessorFailureQueue", "Arn"]}]
    assert grants["kms:Decrypt"] == [ATTACH_KEY]


def test_failover_role_promotes_only_the_global_cluster_and_its_members(
    compiled_prod: CompiledSpec,
) -> None:
    grants = granted(role_statements(compiled_prod, "us-west-2-attach", "failover-trigger"))
    global_cluster = sub(
        "arn:${AWS::Partition}:rds::${AWS::AccountId}:global-cluster:payments-global-prod"
    )
    clusters = [
        sub(
            f"arn:${{AWS::Partition}}:rds:{region}:${{AWS::AccountId}}:cluster:payments-db-{region}-prod"
        )
        for region in ("us-east-1", "us-west-2")
    ]
    assert grants["rds:DescribeGlobalClusters"] == [global_cluster]
    assert grants["rds:DescribeDBClusters"] == clusters
    assert grants["rds:FailoverGlobalCluster"] == [global_cluster, *clusters]
    assert grants["rds:SwitchoverGlobalCluster"] == [global_cluster, *clusters]
    assert grants["sns:Publish"] == [{"Fn::ImportValue": ATTACH_PREFIX + "AlertTopic"}]
    # The health monitor only describes: it can never promote.
    monitor = granted(role_statements(compiled_prod, "us-west-2-attach", "health-monitor"))
    assert "rds:FailoverGlobalCluster" not in monitor
    assert "rds:SwitchoverGlobalCluster" not in monitor


def test_payment_api_environment_follows_the_convention(compiled_prod: CompiledSpec) -> None:
    variables = props(compiled_prod, "us-east-1", "PaymentApiFunction")["Environment"]["Variables"]
    assert variables == {
        "APP": "payments",
        "ENVIRONMENT": "prod",
        "PRIMARY_REGION": "us-east-1",
        "HEALTH_URL": "https://api.payments.acmecorp.net/health",
        "TABLE_TRANSACTIONS": "payments-transactions-prod",
        "QUEUE_PAYMENTS_URL": {"Ref": "PaymentsQueue"},
        "GLOBAL_CLUSTER_ID": "payments-global-prod",
        "DB_CLUSTER_ARN": {"Fn::GetAtt": ["DatabaseCluster", "DBClusterArn"]},
        "DB_WRITER_ENDPOINT": {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]},
        "DB_READER_ENDPOINT": {"Fn::GetAtt": ["DatabaseCluster", "ReadEndpoint.Address"]},
        "DB_PORT": "5432",
        "DB_SECRET_ARN": sub(
            "arn:${AWS::Partition}:secretsmanager:us-east-1:${AWS::AccountId}:"
            "secret:payments-db-credentials-prod"
        ),
    }


def test_every_api_connects_only_to_its_own_regions_cluster(compiled_prod: CompiledSpec) -> None:
    # The cluster in the same stack (primary or attach), never the global writer endpoint in
    # another region's VPC; DescribeGlobalClusters (scoped to the global cluster) says which
    # of the two endpoints the region's current role uses.
    for key in ("us-east-1", "us-west-2-attach"):
        template = compiled_prod.stack(key).template
        assert template["Resources"]["DatabaseCluster"]["Type"] == "AWS::RDS::DBCluster"
        variables = props(compiled_prod, key, "PaymentApiFunction")["Environment"]["Variables"]
        assert "DB_ENDPOINT" not in variables
        assert {name: variables[name] for name in variables if name.startswith("DB_")} == {
            "DB_CLUSTER_ARN": {"Fn::GetAtt": ["DatabaseCluster", "DBClusterArn"]},
            "DB_WRITER_ENDPOINT": {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]},
            "DB_READER_ENDPOINT": {"Fn::GetAtt": ["DatabaseCluster", "ReadEndpoint.Address"]},
            "DB_PORT": "5432",
            "DB_SECRET_ARN": variables["DB_SECRET_ARN"],
        }, key
        statements = role_statements(compiled_prod, key, "payment-api")
        rds_statements = [s for s in statements if str(s["Action"]).count("rds:")]
        assert rds_statements == [
            {
                "Sid": "DescribeGlobalCluster",
                "Effect": "Allow",
                "Action": ["rds:DescribeGlobalClusters"],
                "Resource": [
                    sub(
                        "arn:${AWS::Partition}:rds::${AWS::AccountId}:"
                        "global-cluster:payments-global-prod"
                    )
                ],
            }
        ], key


def test_without_write_forwarding_the_api_gets_no_reader_endpoint(
    compiled_prod: CompiledSpec,
) -> None:
    spec = compiled_prod.spec
    spec = dataclasses.replace(
        spec, database=dataclasses.replace(spec.database, write_forwarding=False)
    )
    api = next(f for f in spec.functions if f.name == "payment-api")
    ctx = StackContext(spec, StackId(Phase.ATTACH, "us-west-2"))
    variables = lambda_functions.environment(ctx, api)
    assert "DB_READER_ENDPOINT" not in variables
    assert variables["DB_WRITER_ENDPOINT"].to_dict() == {
        "Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]
    }


def test_secondary_monitor_probes_the_primary_load_balancer(compiled_prod: CompiledSpec) -> None:
    attach = compiled_prod.stack("us-west-2-attach")
    monitor = props(compiled_prod, "us-west-2-attach", "HealthMonitorFunction")
    assert monitor["Environment"]["Variables"]["PRIMARY_API_ADDRESS"] == {
        "Ref": "PrimaryLoadBalancerDnsName"
    }
    (flow,) = [f for f in attach.inbound if f.parameter == "PrimaryLoadBalancerDnsName"]
    assert (flow.source.key, flow.output) == ("us-east-1", "LoadBalancerDnsName")
    primary = props(compiled_prod, "us-east-1", "HealthMonitorFunction")
    assert primary["Environment"]["Variables"]["PRIMARY_API_ADDRESS"] == {
        "Fn::GetAtt": ["LoadBalancer", "DNSName"]
    }


def test_failover_environment_targets_this_regions_cluster(compiled_prod: CompiledSpec) -> None:
    variables = props(compiled_prod, "us-west-2-attach", "FailoverTriggerFunction")["Environment"][
        "Variables"
    ]
    assert variables["GLOBAL_CLUSTER_ID"] == "payments-global-prod"
    assert variables["DB_CLUSTER_ARN"] == {"Fn::GetAtt": ["DatabaseCluster", "DBClusterArn"]}
    assert variables["TABLE_FAILOVER_EVENTS"] == "payments-failover-events-prod"
    assert variables["ALERT_TOPIC_ARN"] == {"Fn::ImportValue": ATTACH_PREFIX + "AlertTopic"}
    assert variables["ALLOW_DATA_LOSS"] == "true"  # specs/base.yaml failover.allow_data_loss
    monitor = props(compiled_prod, "us-west-2-attach", "HealthMonitorFunction")["Environment"][
        "Variables"
    ]
    assert monitor["METRIC_NAMESPACE"] == "DRCompiler/payments-prod"
    assert "ALLOW_DATA_LOSS" not in monitor


def test_the_global_topic_and_the_regional_topic_may_invoke_the_failover_function(
    compiled_prod: CompiledSpec,
) -> None:
    sns_permissions = {
        stack.stack.key: [
            r["Properties"]
            for r in stack.template["Resources"].values()
            if r["Type"] == "AWS::Lambda::Permission"
            and r["Properties"]["Principal"] == "sns.amazonaws.com"
        ]
        for stack in compiled_prod.stacks
    }
    assert sns_permissions == {
        "us-west-2-base": [],
        "us-east-1": [],
        "us-west-2-attach": [
            {
                "FunctionName": {"Ref": "FailoverTriggerFunction"},
                "Action": "lambda:InvokeFunction",
                "Principal": "sns.amazonaws.com",
                "SourceArn": sub(
                    "arn:${AWS::Partition}:sns:us-east-1:${AWS::AccountId}:payments-failover-global-prod"
                ),
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
            {
                "FunctionName": {"Ref": "FailoverTriggerFunction"},
                "Action": "lambda:InvokeFunction",
                "Principal": "sns.amazonaws.com",
                "SourceArn": {"Ref": "FailoverTopic"},
            },
        ],
        "global": [],
    }


@pytest.mark.parametrize(
    ("fixture", "policies"),
    [("compiled_prod", ("RetainExceptOnCreate", "Retain")), ("compiled_dev", ("Delete", "Delete"))],
)
def test_log_groups_are_the_functions_own_encrypted_and_retained_per_spec(
    request: pytest.FixtureRequest, fixture: str, policies: tuple[str, str]
) -> None:
    compiled: CompiledSpec = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    group = resources(compiled, "us-east-1")[ids.function_log_group("payment-api")]
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == policies
    assert group["Properties"]["LogGroupName"] == f"/aws/lambda/payments-payment-api-{env}"
    # monitoring.log_retention_days: a year in production (PCI DSS 10.5.1), 30 days elsewhere.
    retention = 365 if compiled.spec.metadata.production else 30
    assert group["Properties"]["RetentionInDays"] == retention
    assert group["Properties"]["KmsKeyId"] == PRIMARY_KEY
    logging = props(compiled, "us-east-1", "PaymentApiFunction")["LoggingConfig"]
    assert logging == {"LogGroup": {"Ref": ids.function_log_group("payment-api")}}


def test_async_failures_go_to_the_functions_encrypted_failure_queue(
    compiled_prod: CompiledSpec,
) -> None:
    for key, kms_key in (("us-east-1", PRIMARY_KEY), ("us-west-2-attach", ATTACH_KEY)):
        for name in FUNCTION_NAMES:
            queue_id = ids.function_dead_letter_queue(name)
            function = props(compiled_prod, key, ids.function(name))
            assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
            queue = resources(compiled_prod, key)[queue_id]
            assert queue["Type"] == "AWS::SQS::Queue"
            assert queue["Properties"]["KmsMasterKeyId"] == kms_key
            assert queue["Properties"]["MessageRetentionPeriod"] == 1209600
            assert queue["Properties"]["QueueName"] == f"payments-{name}-failures-prod"


def test_health_monitor_schedule_invokes_it_with_a_rule_scoped_permission(
    compiled_prod: CompiledSpec,
) -> None:
    rule_id = "HealthMonitorFunctionSchedule"
    rule = props(compiled_prod, "us-west-2-attach", rule_id)
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    assert rule["Name"] == "payments-health-monitor-schedule-prod"
    assert rule["Targets"] == [
        {"Arn": {"Fn::GetAtt": ["HealthMonitorFunction", "Arn"]}, "Id": "function"}
    ]
    permission = props(compiled_prod, "us-west-2-attach", rule_id + "Permission")
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": "HealthMonitorFunction"}
    assert permission["SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}


def test_api_permission_is_scoped_to_the_target_group_it_precedes(
    compiled_prod: CompiledSpec,
) -> None:
    for key, region in (("us-east-1", "us-east-1"), ("us-west-2-attach", "us-west-2")):
        permission = props(compiled_prod, key, "ApiInvokePermission")
        target_group = resources(compiled_prod, key)[ids.API_TARGET_GROUP]
        name = target_group["Properties"]["Name"]
        assert permission["FunctionName"] == {"Ref": "PaymentApiFunction"}
        assert permission["Principal"] == "elasticloadbalancing.amazonaws.com"
        assert permission["SourceArn"] == sub(
            f"arn:${{AWS::Partition}}:elasticloadbalancing:{region}:${{AWS::AccountId}}:"
            f"targetgroup/{name}/*"
        )
        assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert target_group["DependsOn"] == ["ApiInvokePermission"]


def test_roles_are_named_per_region_and_vpc_access_only_for_vpc_functions(
    compiled_prod: CompiledSpec,
) -> None:
    for key, region in (("us-east-1", "us-east-1"), ("us-west-2-attach", "us-west-2")):
        for function in compiled_prod.spec.functions:
            role_id = ids.function_role(function.name)
            role = props(compiled_prod, key, role_id)
            assert role["RoleName"] == f"payments-{function.name}-{region}-prod"
            # Its own customer managed policy, no AWS managed one (DR081).
            assert role["ManagedPolicyArns"] == [{"Ref": f"{role_id}Policy"}]
            sids = [s["Sid"] for s in role_statements(compiled_prod, key, function.name)]
            network = ["ManageNetworkInterfaces", "DescribeNetworkInterfaces"]
            assert sids[:3] == ["WriteOwnLogs", *network] if function.vpc else sids[:1]
            assert (network[0] in sids) == function.vpc
            assert role["AssumeRolePolicyDocument"]["Statement"] == [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": ["sts:AssumeRole"],
                }
            ]
            function_props = props(compiled_prod, key, ids.function(function.name))
            assert function_props["Role"] == {
                "Fn::GetAtt": [ids.function_role(function.name), "Arn"]
            }


def test_code_comes_from_the_regions_artifact_bucket(compiled_prod: CompiledSpec) -> None:
    for key, region in (("us-east-1", "us-east-1"), ("us-west-2-attach", "us-west-2")):
        for function in compiled_prod.spec.functions:
            function_props = props(compiled_prod, key, ids.function(function.name))
            assert function_props["Code"] == {
                "S3Bucket": sub(f"payments-artifacts-${{AWS::AccountId}}-{region}-prod"),
                "S3Key": compiled_prod.artifact_keys[function.name],
            }
            assert function_props["FunctionName"] == f"payments-{function.name}-prod"
            assert function_props["KmsKeyArn"] == (
                PRIMARY_KEY if key == "us-east-1" else ATTACH_KEY
            )


def built(compiled: CompiledSpec, spec: Spec, stack: StackId) -> dict[str, Any]:
    """Resources the Lambda builder alone emits for `spec` in `stack`, as template dicts."""
    ctx = StackContext(spec, stack, compiled.artifact_keys)
    items = [s.item if isinstance(s, Sourced) else s for s in lambda_functions.build(ctx)]
    return {item.title: item.to_dict() for item in items if isinstance(item, AWSObject)}


def with_function(spec: Spec, name: str, **changes: Any) -> Spec:
    functions = tuple(
        dataclasses.replace(f, **changes) if f.name == name else f for f in spec.functions
    )
    return dataclasses.replace(spec, functions=functions)


def test_large_sqs_batches_get_the_batching_window_lambda_requires(
    compiled_prod: CompiledSpec,
) -> None:
    spec = with_function(compiled_prod.spec, "payment-processor", batch_size=100)
    emitted = built(compiled_prod, spec, StackId(Phase.PRIMARY, "us-east-1"))
    mapping = emitted["PaymentProcessorFunctionQueueTrigger"]["Properties"]
    assert mapping["BatchSize"] == 100
    assert mapping["MaximumBatchingWindowInSeconds"] == 1


def test_bucket_access_grants_objects_and_listing_of_this_regions_bucket(
    compiled_prod: CompiledSpec,
) -> None:
    access = Access(buckets={"documents": "read_write"})
    spec = with_function(compiled_prod.spec, "payment-processor", access=access)
    stack = StackId(Phase.ATTACH, "us-west-2")
    emitted = built(compiled_prod, spec, stack)
    statements = policy_statements(emitted, ids.function_role("payment-processor"))
    bucket = "arn:${AWS::Partition}:s3:::payments-documents-${AWS::AccountId}-us-west-2-prod"
    grants = granted(statements)
    assert grants["s3:ListBucket"] == [sub(bucket)]
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert grants[action] == [sub(bucket + "/*")]
    variables = emitted[ids.function("payment-processor")]["Properties"]["Environment"]["Variables"]
    assert variables["BUCKET_DOCUMENTS"] == sub(
        "payments-documents-${AWS::AccountId}-us-west-2-prod"
    )


def test_the_roles_policy_is_its_logs_network_and_access_statements(
    compiled_prod: CompiledSpec,
) -> None:
    ctx = StackContext(
        compiled_prod.spec, StackId(Phase.PRIMARY, "us-east-1"), compiled_prod.artifact_keys
    )
    for function in compiled_prod.spec.functions:
        statements = lambda_functions.access_statements(ctx, function)
        emitted = role_statements(compiled_prod, "us-east-1", function.name)
        first = 3 if function.vpc else 1
        assert encode_to_dict(statements) == emitted[first:]
