"""The one naming function: every physical name the compiler emits comes from here.

Names read `<app>-<parts>[-<account>][-<region>]-<env>`: the environment suffix is always
its own last `-`-delimited token (DR001), and names that must be globally unique (S3
buckets) carry the account id and region (DR003). The account id is not known at compile
time, so it is the `${AWS::AccountId}` pseudo parameter inside an `Fn::Sub`.
"""

from __future__ import annotations

from troposphere import AWSHelperFn, Sub

from dr_compiler.model import Spec

ACCOUNT = "${AWS::AccountId}"
ACCOUNT_ID_LENGTH = 12


def physical_name(spec: Spec, *parts: str, region: str | None = None, account: bool = False) -> str:
    """The name text; contains `${AWS::AccountId}` when `account` is set."""
    tokens = [spec.app, *parts]
    if account:
        tokens.append(ACCOUNT)
    if region:
        tokens.append(region)
    tokens.append(spec.environment)
    return "-".join(tokens)


def cfn(name: str) -> str | AWSHelperFn:
    """The template value of a name: a plain string, or `Fn::Sub` when it has a placeholder."""
    return Sub(name) if "${" in name else name


def arn(service: str, region: str, resource: str, *, account: bool = True) -> Sub:
    """An ARN in the aws partition, e.g. arn("sqs", "us-east-1", "payments-payments-prod")."""
    account_part = ACCOUNT if account else ""
    return Sub(f"arn:${{AWS::Partition}}:{service}:{region}:{account_part}:{resource}")


def rendered_length(name: str) -> int:
    """Length of a name once CloudFormation substitutes the account id."""
    return len(name.replace(ACCOUNT, "0" * ACCOUNT_ID_LENGTH))


def stack_set_name(spec: Spec, stack: str) -> str:
    return physical_name(spec, stack)


def artifact_bucket(spec: Spec, region: str) -> str:
    """The per-region artifact bucket that `bootstrap` creates and `deploy` uploads to."""
    return physical_name(spec, "artifacts", region=region, account=True)


# Names that more than one builder needs: defined once here.


def global_cluster_identifier(spec: Spec) -> str:
    return physical_name(spec, "global")


def db_cluster_identifier(spec: Spec, region: str) -> str:
    return physical_name(spec, "db", region=region)


def db_secret_name(spec: Spec) -> str:
    return physical_name(spec, "db-credentials")


def table_name(spec: Spec, table: str) -> str:
    return physical_name(spec, table)


def queue_name(spec: Spec, queue: str) -> str:
    return physical_name(spec, queue)


def dead_letter_queue_name(spec: Spec, queue: str) -> str:
    return physical_name(spec, queue, "dlq")


def function_name(spec: Spec, function: str) -> str:
    return physical_name(spec, function)


def bucket_name(spec: Spec, bucket: str, region: str) -> str:
    return physical_name(spec, bucket, region=region, account=True)


def backup_vault_name(spec: Spec, region: str) -> str:
    return physical_name(spec, "vault", region=region)


def alert_topic_name(spec: Spec, region: str) -> str:
    """`region` is a region code, or "global" for the us-east-1 topic of the global stack."""
    return physical_name(spec, "alerts", region)


def failover_topic_name(spec: Spec) -> str:
    return physical_name(spec, "failover", "global")


def metric_namespace(spec: Spec) -> str:
    """Namespace of the custom metrics the health monitor publishes."""
    return f"DRCompiler/{spec.app}-{spec.environment}"
