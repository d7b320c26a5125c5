"""Lambda: the spec's functions in every workload stack (primary, each secondary's attach).

Per function: a KMS-encrypted log group, an execution role with its own customer managed
policy (writing its own log group, network interfaces for VPC functions, and exactly what its
`access` asks for, DR071/DR081), a
failure queue for async invocations (DR071), the function itself (private subnets only,
DR050), and its trigger: an SQS event source mapping, a table stream's event source mapping
(primary stack only, see `_stream_trigger`), an EventBridge schedule, or (first
secondary only) the permission for the global failover topic to invoke it. The API function
also gets the permission that lets its ALB target group invoke it.

Environment variable convention (the function code reads these): APP, ENVIRONMENT,
PRIMARY_REGION, HEALTH_URL for all; then TABLE_<NAME>, QUEUE_<NAME>_URL, BUCKET_<NAME>,
GLOBAL_CLUSTER_ID/DB_CLUSTER_ARN/DB_WRITER_ENDPOINT/DB_READER_ENDPOINT/DB_PORT/DB_SECRET_ARN
(database connect), GLOBAL_CLUSTER_ID/DB_CLUSTER_ARN (database describe or failover),
ALERT_TOPIC_ARN, METRIC_NAMESPACE from `access`;
PRIMARY_API_ADDRESS for the health monitor (the primary load balancer it probes); and
ALLOW_DATA_LOSS and FAILOVER_AHEAD (the secondaries before this one in line) for the
alarm-triggered failover function. Then the spec's own `environment` (literals) and `secrets`:
each secret's variable holds the ARN of the secret or parameter in the function's own region
and the role may read exactly that one, so the value is fetched at run time
(GetSecretValue / GetParameter) and never written into the template. A CloudFormation dynamic
reference would not do: a resolved `{{resolve:secretsmanager:...}}` "may show up in the service
whose resource it's being used in" (here the function configuration, readable by anyone allowed
lambda:GetFunctionConfiguration) and a rotated secret reaches the function only at the next
stack update (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html);
`ssm-secure` works only in the properties its page lists, and Lambda's Environment is not one
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm-secure-strings.html).

`database: connect` gives GLOBAL_CLUSTER_ID, DB_CLUSTER_ARN and this region's own cluster
endpoints, DB_WRITER_ENDPOINT and (with database.write_forwarding) DB_READER_ENDPOINT (GetAtt
Endpoint.Address and ReadEndpoint.Address; the cluster is in the same stack), and the right to
describe the global cluster. The function never leaves its region's VPC: from
DescribeGlobalClusters it learns whether its own cluster is the writer and connects to the
writer endpoint if so, else to the reader endpoint, whose instances forward writes to the
writer with global write forwarding on (aurora.py, EnableGlobalWriteForwarding; "Aurora
handles the cross-Region networking setup",
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-write-forwarding.html).
So no peering is needed (DR054) and a secondary's API serves before promotion.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awacs import cloudwatch, dynamodb, ec2, kms, logs, rds, s3, secretsmanager, sns, sqs, ssm
from awacs.aws import Action, Condition, Statement, StringEquals
from troposphere import AWSHelperFn, AWSObject, GetAtt, Output, Ref, Sub, awslambda
from troposphere.events import Rule, Target
from troposphere.logs import LogGroup
from troposphere.sqs import Queue

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import (
    GLOBAL_REGION,
    Inbound,
    Phase,
    Sourced,
    StackContext,
    sourced,
)
from dr_compiler.compiler.services import failover
from dr_compiler.compiler.services.alb import API_INVOKE_PERMISSION
from dr_compiler.compiler.services.sqs import DEAD_LETTER_RETENTION_SECONDS, tls_only_policy
from dr_compiler.model import Api, Function, SecretRef

# Lambda refuses an SQS batch above 10 without a batching window (the API's rule).
UNBATCHED_MAX = 10

_TABLE_READ = [dynamodb.GetItem, dynamodb.Query, dynamodb.BatchGetItem, dynamodb.DescribeTable]
_TABLE_WRITE = [
    dynamodb.PutItem,
    dynamodb.UpdateItem,
    dynamodb.DeleteItem,
    dynamodb.BatchWriteItem,
    dynamodb.ConditionCheckItem,
]
_QUEUE_ACTIONS = {
    "send": [sqs.SendMessage],
    "consume": [
        sqs.ReceiveMessage,
        sqs.DeleteMessage,
        sqs.GetQueueAttributes,
        sqs.ChangeMessageVisibility,
    ],
}
_RDS_PROMOTE = [rds.FailoverGlobalCluster, rds.SwitchoverGlobalCluster]
# What Lambda needs to read a table's stream for the function (the DynamoDB guide's policy,
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html).
_STREAM_READ = [
    dynamodb.DescribeStream,
    dynamodb.GetRecords,
    dynamodb.GetShardIterator,
    dynamodb.ListStreams,
]
# A failing stream batch is retried this many times, split in two each time, before Lambda
# records it in the failure queue and moves on: without a bound, one bad record holds its shard
# until it expires (CreateEventSourceMapping MaximumRetryAttempts, default -1: "infinite",
# https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
STREAM_RETRIES = 3


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Sourced | Inbound]:
    if not ctx.in_regional_workload:
        return
    if ctx.phase is Phase.ATTACH:
        yield from _primary_values(ctx)
    for function in ctx.spec.functions:
        yield from sourced(_core(ctx, function), "functions", function.index)
        yield from _triggers(ctx, function)
        yield Output(
            f"{ids.function(function.name)}Arn",
            Value=GetAtt(ids.function(function.name), "Arn"),
            Description=f"ARN of {function.name} in this region",
        )
    if ctx.spec.api is not None:
        yield from sourced([_api_invoke_permission(ctx, ctx.spec.api)], "api", "function")


# What every function has, the spec's and the bucket emptier alike: a log group, a failure
# queue, an execution role and the function, all named after the function.

# What the AWS managed AWSLambdaVPCAccessExecutionRole grants for the network interfaces of a
# VPC function, named here instead so that the role holds no AWS managed policy (DR081): the
# Lambda guide lists these actions
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions)
# and the policy's v3 adds ec2:DescribeSubnets
# (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
_NETWORK_INTERFACE_ACTIONS = [
    ec2.CreateNetworkInterface,
    ec2.DeleteNetworkInterface,
    ec2.AssignPrivateIpAddresses,
    ec2.UnassignPrivateIpAddresses,
]
# The guide: DescribeNetworkInterfaces "only works if it's allowed on all resources"; EC2
# Describe actions take no resource (DR081's allow-list).
_DESCRIBE_NETWORK_ACTIONS = [ec2.DescribeNetworkInterfaces, ec2.DescribeSubnets]


def log_group(ctx: StackContext, name: str, policies: dict[str, str]) -> LogGroup:
    """The function's KMS-encrypted log group, under Lambda's default name."""
    return LogGroup(
        ids.function_log_group(name),
        LogGroupName=f"/aws/lambda/{naming.function_name(ctx.spec, name)}",
        RetentionInDays=ctx.spec.monitoring.log_retention_days,
        KmsKeyId=ctx.key_arn,
        **policies,
    )


def failure_queue(ctx: StackContext, name: str, policies: dict[str, str]) -> list[AWSObject]:
    """Where an asynchronous invocation lands after failing every retry (DR071): an
    encrypted, TLS-only queue keeping messages as long as SQS allows."""
    queue_id = ids.function_dead_letter_queue(name)
    return [
        Queue(
            queue_id,
            QueueName=ctx.name(name, "failures"),
            KmsMasterKeyId=ctx.key_arn,
            MessageRetentionPeriod=DEAD_LETTER_RETENTION_SECONDS,
            **policies,
        ),
        tls_only_policy(f"{queue_id}Policy", [queue_id]),
    ]


def execution_role(
    ctx: StackContext,
    name: str,
    statements: list[Statement],
    *,
    vpc: bool = False,
    **extra: Any,
) -> list[AWSObject]:
    """The function's role and its customer managed policy: writing its own log group, the
    network interfaces of a VPC function, then `statements`. IAM is global: the role name
    carries the region so each region's copy is distinct."""
    return iam.role_with_policy(
        ids.function_role(name),
        [*_log_statements(name), *(_network_statements() if vpc else []), *statements],
        RoleName=ctx.name(name, regional=True),
        AssumeRolePolicyDocument=iam.service_trust("lambda.amazonaws.com"),
        **extra,
    )


def failure_statements(ctx: StackContext, name: str) -> list[Statement]:
    """A function of the compiler's own (a custom resource) reporting failed invocations to
    its KMS-encrypted failure queue: a data key for the message, and Decrypt to reuse a
    cached data key, through SQS only."""
    return [
        iam.allow(
            "SendFailures",
            [sqs.SendMessage],
            [GetAtt(ids.function_dead_letter_queue(name), "Arn")],
        ),
        iam.allow(
            "EncryptFailures",
            [kms.GenerateDataKey, kms.Decrypt],
            [ctx.key_arn],
            Condition=Condition(iam.via_service("sqs", ctx.region)),
        ),
    ]


def _log_statements(name: str) -> list[Statement]:
    """What AWSLambdaBasicExecutionRole grants on every log group, on this function's own
    group only: the group is in the stack, so no logs:CreateLogGroup. Its Arn attribute ends
    in ":*", covering its streams
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html)."""
    return [
        iam.allow(
            "WriteOwnLogs",
            [logs.CreateLogStream, logs.PutLogEvents],
            [GetAtt(ids.function_log_group(name), "Arn")],
        )
    ]


def _network_statements() -> list[Statement]:
    """The network interfaces Lambda manages for a VPC function with its role. The guide's
    advice for DeleteNetworkInterface is "include all resource IDs" of the account and
    region (arn:aws:ec2:<region>:<account>:*/*), which covers the subnets and security groups
    CreateNetworkInterface also authorizes on."""
    return [
        iam.allow(
            "ManageNetworkInterfaces",
            _NETWORK_INTERFACE_ACTIONS,
            [Sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*/*")],
        ),
        iam.allow("DescribeNetworkInterfaces", _DESCRIBE_NETWORK_ACTIONS, ["*"]),
    ]


def lambda_function(ctx: StackContext, name: str, **properties: Any) -> awslambda.Function:
    """The function, its code from the region's artifact bucket, wired to its role, log
    group and failure queue."""
    spec = ctx.spec
    return awslambda.Function(
        ids.function(name),
        FunctionName=naming.function_name(spec, name),
        Code=awslambda.Code(
            S3Bucket=naming.cfn(naming.artifact_bucket(spec, ctx.region)),
            S3Key=ctx.artifact_keys[name],
        ),
        Role=GetAtt(ids.function_role(name), "Arn"),
        LoggingConfig=awslambda.LoggingConfig(LogGroup=Ref(ids.function_log_group(name))),
        DeadLetterConfig=awslambda.DeadLetterConfig(
            TargetArn=GetAtt(ids.function_dead_letter_queue(name), "Arn")
        ),
        **properties,
    )


def _core(ctx: StackContext, function: Function) -> list[AWSObject]:
    return [
        log_group(ctx, function.name, ctx.data_policies(blocks.logs.LOG_GROUP)),
        *execution_role(ctx, function.name, access_statements(ctx, function), vpc=function.vpc),
        *failure_queue(ctx, function.name, ctx.data_policies(blocks.sqs.QUEUE)),
        _function(ctx, function),
    ]


def _function(ctx: StackContext, function: Function) -> awslambda.Function:
    extra: dict[str, Any] = {}
    if function.vpc:
        extra["VpcConfig"] = awslambda.VPCConfig(
            SubnetIds=ctx.private_subnets(),
            SecurityGroupIds=[ctx.get_att(ids.LAMBDA_SECURITY_GROUP, "GroupId")],
        )
    if function.reserved_concurrency is not None:
        extra["ReservedConcurrentExecutions"] = function.reserved_concurrency
    return lambda_function(
        ctx,
        function.name,
        Runtime=function.runtime,
        Handler=function.handler,
        MemorySize=function.memory_mb,
        Timeout=function.timeout_seconds,
        KmsKeyArn=ctx.key_arn,
        Environment=awslambda.Environment(Variables=environment(ctx, function)),
        **extra,
    )


# Environment variables.


def _env_token(name: str) -> str:
    """`failover-events` -> `FAILOVER_EVENTS`."""
    return name.replace("-", "_").upper()


def _secret_name_arn(ctx: StackContext) -> Sub:
    """The database secret's ARN without Secrets Manager's random suffix (a partial ARN,
    which GetSecretValue resolves); computed, so no lookup and no cross-stack value."""
    return naming.arn("secretsmanager", ctx.region, f"secret:{naming.db_secret_name(ctx.spec)}")


def environment(ctx: StackContext, function: Function) -> dict[str, str | AWSHelperFn]:
    """The function's environment variables (see the module docstring for the convention)."""
    spec = ctx.spec
    access = function.access
    variables: dict[str, str | AWSHelperFn] = {
        "APP": spec.app,
        "ENVIRONMENT": spec.environment,
        "PRIMARY_REGION": spec.regions.primary,
    }
    if spec.dns is not None:
        variables["HEALTH_URL"] = f"https://{spec.dns.fqdn}{spec.dns.health_check.path}"
    for table in sorted(access.tables):
        variables[f"TABLE_{_env_token(table)}"] = naming.table_name(spec, table)
    for queue in sorted(access.queues):
        variables[f"QUEUE_{_env_token(queue)}_URL"] = Ref(ids.queue(queue))
    for bucket in sorted(access.buckets):
        variables[f"BUCKET_{_env_token(bucket)}"] = naming.cfn(
            naming.bucket_name(spec, bucket, ctx.region)
        )
    if access.database in ("connect", "describe", "failover"):
        variables["GLOBAL_CLUSTER_ID"] = naming.global_cluster_identifier(spec)
        variables["DB_CLUSTER_ARN"] = ctx.get_att(ids.DB_CLUSTER, "DBClusterArn")
    if access.database == "connect":
        # Database access without a database section is refused by the schema stage.
        assert spec.database is not None, "database access needs the spec's database"
        # This region's own endpoints only (see the module docstring); the reader endpoint
        # serves only with write forwarding, which DR064 checks.
        variables["DB_WRITER_ENDPOINT"] = ctx.get_att(ids.DB_CLUSTER, "Endpoint.Address")
        if spec.database.write_forwarding:
            variables["DB_READER_ENDPOINT"] = ctx.get_att(ids.DB_CLUSTER, "ReadEndpoint.Address")
        variables["DB_PORT"] = str(spec.database.port)
        variables["DB_SECRET_ARN"] = _secret_name_arn(ctx)
    if access.alerts == "publish":
        variables["ALERT_TOPIC_ARN"] = ctx.ref(ids.ALERT_TOPIC)
    if access.metrics == "publish":
        variables["METRIC_NAMESPACE"] = naming.metric_namespace(spec)
        variables["PRIMARY_API_ADDRESS"] = failover.primary_load_balancer(ctx)
    if function.trigger_alarm:
        variables["ALLOW_DATA_LOSS"] = str(spec.failover.allow_data_loss).lower()
        variables["FAILOVER_AHEAD"] = ",".join(_secondaries_ahead(ctx))
    # The schema keeps the spec's names apart from the compiler's.
    variables.update(sorted(function.environment.items()))
    for secret in function.secrets:
        variables[secret.variable] = _secret_arn(ctx, secret)
    return variables


def _secret_arn(ctx: StackContext, secret: SecretRef, *, in_policy: bool = False) -> Sub:
    """The ARN of a spec secret in this region. A parameter's ARN carries its name without
    the leading '/' (`parameter/app/key`). A secret's ARN ends in its name, `-` and six
    random characters: GetSecretValue resolves the partial ARN without them, and a policy
    (`in_policy`) matches them with `-??????`
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html)."""
    if secret.service == "ssm":
        return naming.arn("ssm", ctx.region, f"parameter/{secret.name.lstrip('/')}")
    suffix = "-??????" if in_policy else ""
    return naming.arn("secretsmanager", ctx.region, f"secret:{secret.name}{suffix}")


def _secondaries_ahead(ctx: StackContext) -> tuple[str, ...]:
    """The secondaries before this region in `regions.secondaries` (the DNS SECONDARY
    record points at the first): this region's function defers to them while they can
    take over (none in the primary, which is never the failover target)."""
    secondaries = ctx.spec.regions.secondaries
    if ctx.region not in secondaries:
        return ()
    return secondaries[: secondaries.index(ctx.region)]


def _primary_values(ctx: StackContext) -> Iterator[Inbound]:
    """What this attach stack's functions read of the primary stack, as parameters."""
    if ctx.spec.health_monitor is not None:
        yield failover.primary_load_balancer_inbound(ctx)


# The role's policy: what the function's `access` asks for.


def _table_arns(ctx: StackContext, table: str) -> list[Sub]:
    """The table, and its indexes when it has any (a Query on an index is authorized on
    `table/<name>/index/<index>`)."""
    name = naming.table_name(ctx.spec, table)
    arns = [naming.arn("dynamodb", ctx.region, f"table/{name}")]
    if ctx.spec.table(table).indexes:
        arns.append(naming.arn("dynamodb", ctx.region, f"table/{name}/index/*"))
    return arns


def _queue_statements(function: Function) -> list[Statement]:
    return [
        iam.allow(
            f"{mode.capitalize()}{ids.queue(queue)}",
            _QUEUE_ACTIONS[mode],
            [GetAtt(ids.queue(queue), "Arn")],
        )
        for queue, mode in sorted(function.access.queues.items())
    ]


def _table_statements(ctx: StackContext, function: Function) -> list[Statement]:
    return [
        iam.allow(
            f"{'ReadWrite' if mode == 'read_write' else 'Read'}{ids.table(table)}",
            _TABLE_READ + (_TABLE_WRITE if mode == "read_write" else []),
            _table_arns(ctx, table),
        )
        for table, mode in sorted(function.access.tables.items())
    ]


def _stream_statements(ctx: StackContext, function: Function) -> list[Statement]:
    """Reading the trigger table's stream, where the mapping is (the primary stack)."""
    if function.trigger_table is None or ctx.phase is not Phase.PRIMARY:
        return []
    name = naming.table_name(ctx.spec, function.trigger_table)
    return [
        iam.allow(
            f"ReadStream{ids.table(function.trigger_table)}",
            _STREAM_READ,
            [naming.arn("dynamodb", ctx.region, f"table/{name}/stream/*")],
        )
    ]


def _bucket_statements(ctx: StackContext, function: Function) -> list[Statement]:
    statements = []
    for bucket, mode in sorted(function.access.buckets.items()):
        objects = [s3.GetObject] + ([s3.PutObject, s3.DeleteObject] if mode == "read_write" else [])
        statements += [
            iam.allow(
                f"List{ids.bucket(bucket)}",
                [s3.ListBucket],
                [naming.bucket_arn(ctx.spec, bucket, ctx.region)],
            ),
            iam.allow(
                f"Objects{ids.bucket(bucket)}",
                objects,
                [naming.bucket_arn(ctx.spec, bucket, ctx.region, objects=True)],
            ),
        ]
    return statements


def _database_statements(ctx: StackContext, function: Function) -> list[Statement]:
    mode = function.access.database
    if mode == "connect":
        # The network path is the security groups'; the role reads the credentials and
        # which member is the writer (see the module docstring).
        secret = f"secret:{naming.db_secret_name(ctx.spec)}-??????"
        return [
            iam.allow(
                "ReadDatabaseSecret",
                [secretsmanager.GetSecretValue],
                [naming.arn("secretsmanager", ctx.region, secret)],
            ),
            iam.allow(
                "DescribeGlobalCluster",
                [rds.DescribeGlobalClusters],
                [naming.global_cluster_arn(ctx.spec)],
            ),
        ]
    if mode not in ("describe", "failover"):
        return []
    statements = [
        iam.allow(
            "DescribeGlobalCluster",
            [rds.DescribeGlobalClusters],
            [naming.global_cluster_arn(ctx.spec)],
        ),
        iam.allow("DescribeClusters", [rds.DescribeDBClusters], naming.cluster_arns(ctx.spec)),
    ]
    if mode == "failover":
        statements.append(
            iam.allow(
                "PromoteCluster",
                _RDS_PROMOTE,
                [naming.global_cluster_arn(ctx.spec), *naming.cluster_arns(ctx.spec)],
            )
        )
    return statements


def _monitoring_statements(ctx: StackContext, function: Function) -> list[Statement]:
    statements = []
    if function.access.alerts == "publish":
        statements.append(iam.allow("PublishAlerts", [sns.Publish], [ctx.ref(ids.ALERT_TOPIC)]))
    if function.access.metrics == "publish":
        # PutMetricData has no resource to name: `*`, fenced in by the namespace condition
        # (the pattern AWS documents for it).
        statements.append(
            iam.allow(
                "PublishMetrics",
                [cloudwatch.PutMetricData],
                ["*"],
                Condition=Condition(
                    StringEquals("cloudwatch:namespace", naming.metric_namespace(ctx.spec))
                ),
            )
        )
    return statements


_SECRET_ACTIONS: dict[str, list[Action]] = {
    "secretsmanager": [secretsmanager.GetSecretValue],
    "ssm": [ssm.GetParameter],
}


def _secret_statements(ctx: StackContext, function: Function) -> list[Statement]:
    """Reading exactly the spec's secrets, each in this region. Decrypting needs no key
    statement: the AWS managed keys (aws/secretsmanager, aws/ssm) allow their service's
    callers in the account, and the app's own key is `UseRegionKey` below."""
    return [
        iam.allow(
            f"ReadSecret{secret.variable.title().replace('_', '')}",
            _SECRET_ACTIONS[secret.service],
            [_secret_arn(ctx, secret, in_policy=True)],
        )
        for secret in sorted(function.secrets, key=lambda s: s.variable)
    ]


def access_statements(ctx: StackContext, function: Function) -> list[Statement]:
    """The statements of the function's `access`: exactly what it needs,
    plus sending to its own failure queue and using the region's key. The key covers the
    encrypted queues, topic, secret and buckets it touches and the Lambda service's
    delivery of failed events (DynamoDB needs no caller key permissions)."""
    return [
        *_queue_statements(function),
        *_table_statements(ctx, function),
        *_stream_statements(ctx, function),
        *_bucket_statements(ctx, function),
        *_database_statements(ctx, function),
        *_monitoring_statements(ctx, function),
        *_secret_statements(ctx, function),
        iam.allow(
            "SendFailedEvents",
            [sqs.SendMessage],
            [GetAtt(ids.function_dead_letter_queue(function.name), "Arn")],
        ),
        iam.allow("UseRegionKey", [kms.Decrypt, kms.GenerateDataKey], [ctx.key_arn]),
    ]


# Triggers.


def _triggers(ctx: StackContext, function: Function) -> Iterator[Sourced]:
    if function.trigger_queue:
        trigger = _queue_trigger(function, function.trigger_queue)
        yield from sourced([trigger], "functions", function.index, "trigger")
    if function.trigger_table and ctx.phase is Phase.PRIMARY:
        trigger = _stream_trigger(function, function.trigger_table)
        yield from sourced([trigger], "functions", function.index, "trigger")
    if function.schedule:
        yield from sourced(_schedule(ctx, function), "functions", function.index, "schedule")
    if function.trigger_alarm and _is_failover_region(ctx) and not ctx.spec.failover.region_switch:
        yield from sourced(
            [_failover_permission(ctx, function)], "functions", function.index, "trigger"
        )


def _queue_trigger(function: Function, queue: str) -> awslambda.EventSourceMapping:
    batching: dict[str, int] = {}
    if function.batch_size > UNBATCHED_MAX:
        batching["MaximumBatchingWindowInSeconds"] = 1
    return awslambda.EventSourceMapping(
        f"{ids.function(function.name)}QueueTrigger",
        FunctionName=Ref(ids.function(function.name)),
        EventSourceArn=GetAtt(ids.queue(queue), "Arn"),
        BatchSize=function.batch_size,
        # Only the failed messages of a batch return to the queue (and on to its DLQ).
        FunctionResponseTypes=["ReportBatchItemFailures"],
        Enabled=True,
        **batching,
    )


def _stream_trigger(function: Function, table: str) -> awslambda.EventSourceMapping:
    """The table's stream in the primary stack, where the global table is (its StreamArn is
    this region's replica's). One consumer, not one per region: every replica's stream carries
    every change, replicated ones included, so a consumer per region would see each change
    once per region."""
    return awslambda.EventSourceMapping(
        f"{ids.function(function.name)}StreamTrigger",
        FunctionName=Ref(ids.function(function.name)),
        EventSourceArn=GetAtt(ids.table(table), "StreamArn"),
        # From the oldest record kept (24 hours), so nothing written before the mapping
        # existed, or while it was failing, is skipped.
        StartingPosition="TRIM_HORIZON",
        BatchSize=function.batch_size,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=STREAM_RETRIES,
        DestinationConfig=awslambda.DestinationConfig(
            OnFailure=awslambda.OnFailure(
                Destination=GetAtt(ids.function_dead_letter_queue(function.name), "Arn")
            )
        ),
        Enabled=True,
    )


def _schedule(ctx: StackContext, function: Function) -> list[AWSObject]:
    rule_id = f"{ids.function(function.name)}Schedule"
    return [
        Rule(
            rule_id,
            Name=ctx.name(function.name, "schedule"),
            Description=f"Runs {function.name} on {function.schedule}",
            ScheduleExpression=function.schedule,
            State="ENABLED",
            Targets=[Target(Arn=GetAtt(ids.function(function.name), "Arn"), Id="function")],
        ),
        awslambda.Permission(
            f"{rule_id}Permission",
            FunctionName=Ref(ids.function(function.name)),
            Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com",
            SourceArn=GetAtt(rule_id, "Arn"),
        ),
    ]


def _is_failover_region(ctx: StackContext) -> bool:
    """The failover topic invokes the failover function in the first secondary only."""
    return ctx.phase is Phase.ATTACH and ctx.region == ctx.spec.regions.failover_target


def _failover_permission(ctx: StackContext, function: Function) -> awslambda.Permission:
    topic = naming.arn("sns", GLOBAL_REGION, naming.failover_topic_name(ctx.spec))
    return awslambda.Permission(
        f"{ids.function(function.name)}FailoverTopicPermission",
        FunctionName=Ref(ids.function(function.name)),
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
        SourceAccount=Ref("AWS::AccountId"),
    )


def _api_invoke_permission(ctx: StackContext, api: Api) -> awslambda.Permission:
    """Lets the ALB target group invoke the API function.

    The target group registers the function when it is created, and Lambda rejects that
    unless this permission already exists, so the target group DependsOn it; a SourceArn of
    Ref(target group) would then be a dependency cycle. The target group's ARN ends in an id
    AWS generates, but its name is ours: Lambda matches SourceArn as a pattern (ArnLike), so
    `targetgroup/<name>/*` in this account and region pins it to this target group.
    """
    name = naming.target_group_name(ctx.spec)
    return awslambda.Permission(
        API_INVOKE_PERMISSION,
        FunctionName=Ref(ids.function(api.function)),
        Action="lambda:InvokeFunction",
        Principal="elasticloadbalancing.amazonaws.com",
        SourceArn=naming.arn("elasticloadbalancing", ctx.region, f"targetgroup/{name}/*"),
        SourceAccount=Ref("AWS::AccountId"),
    )
