"""The one naming function: every physical name the compiler emits comes from here.

Names read `<app>-<parts>[-<account>][-<region>]-<env>`: the environment suffix is always
its own last `-`-delimited token (DR001), and names that must be globally unique (S3
buckets) carry the account id and region (DR003). The account id is not known at compile
time, so it is the `${AWS::AccountId}` pseudo parameter inside an `Fn::Sub`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dr_compiler.model import Spec

if TYPE_CHECKING:
    from troposphere import AWSHelperFn, Sub

ACCOUNT = "${AWS::AccountId}"
ACCOUNT_ID_LENGTH = 12
# The StackSet role names, AWS's own rather than ours: self-managed StackSets use these unless
# told otherwise, and every StackSet of the account shares them
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html).
ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"


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
    return _sub(name) if "${" in name else name


def arn_text(service: str, region: str, resource: str, *, account: bool = True) -> str:
    """The text of an ARN in the stack's partition, with `${...}` placeholders for Fn::Sub."""
    account_part = ACCOUNT if account else ""
    return f"arn:${{AWS::Partition}}:{service}:{region}:{account_part}:{resource}"


def arn(service: str, region: str, resource: str, *, account: bool = True) -> Sub:
    """An ARN in the aws partition, e.g. arn("sqs", "us-east-1", "payments-payments-prod")."""
    return _sub(arn_text(service, region, resource, account=account))


def _sub(text: str) -> Sub:
    """Fn::Sub of `text`. troposphere is imported on first use: the spec rules read names
    here (DR002) and `validate`, which runs only them, does not load troposphere."""
    from troposphere import Sub

    return Sub(text)


def rendered_length(name: str) -> int:
    """Length of a name once CloudFormation substitutes the account id."""
    return len(name.replace(ACCOUNT, "0" * ACCOUNT_ID_LENGTH))


def stack_set_name(spec: Spec, stack: str) -> str:
    return physical_name(spec, stack)


def artifact_bucket(spec: Spec, region: str) -> str:
    """The per-region artifact bucket that `bootstrap` creates and `deploy` uploads to.

    Self-managed: one per target account. Service-managed: the administering account's, which
    every account of the organization may read (aws:PrincipalOrgID, see deploy/bootstrap.py),
    so an account that joins a target unit needs no upload: Lambda's Code.S3Bucket "can be in
    a different AWS account" in the function's Region
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html).
    """
    deployment = spec.deployment
    if deployment.service_managed:
        return physical_name(spec, "artifacts", deployment.administration_account, region=region)
    return physical_name(spec, "artifacts", region=region, account=True)


# Names that more than one builder needs: defined once here.


def global_cluster_identifier(spec: Spec) -> str:
    return physical_name(spec, "global")


def db_cluster_identifier(spec: Spec, region: str) -> str:
    return physical_name(spec, "db", region=region)


def global_cluster_arn(spec: Spec) -> Sub:
    # Global clusters are not regional: their ARN has an empty region field.
    return arn("rds", "", f"global-cluster:{global_cluster_identifier(spec)}")


def cluster_arn(spec: Spec, region: str) -> Sub:
    return arn("rds", region, f"cluster:{db_cluster_identifier(spec, region)}")


def cluster_arns(spec: Spec) -> list[Sub]:
    """Every member cluster of the global database, in `regions.all` order."""
    return [cluster_arn(spec, region) for region in spec.regions.all]


def db_secret_name(spec: Spec) -> str:
    return physical_name(spec, "db-credentials")


def table_name(spec: Spec, table: str) -> str:
    return physical_name(spec, table)


def queue_name(spec: Spec, queue: str) -> str:
    return physical_name(spec, queue) + _fifo_suffix(spec, queue)


def dead_letter_queue_name(spec: Spec, queue: str) -> str:
    return physical_name(spec, queue, "dlq") + _fifo_suffix(spec, queue)


def _fifo_suffix(spec: Spec, queue: str) -> str:
    """A FIFO queue's name must end in .fifo, and so must its dead-letter queue's, which has
    to be FIFO too (SQS developer guide, "Amazon SQS FIFO queues" and "dead-letter queues":
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fifo-queues.html,
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html)."""
    return ".fifo" if spec.queue(queue).fifo else ""


def function_name(spec: Spec, function: str) -> str:
    return physical_name(spec, function)


def bucket_name(spec: Spec, bucket: str, region: str) -> str:
    return physical_name(spec, bucket, region=region, account=True)


def log_bucket_name(spec: Spec, region: str) -> str:
    """The region's access log bucket (services/access_logs.py): WAF logs only to a bucket
    whose name starts with `aws-waf-logs-`
    (https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html)."""
    return "aws-waf-logs-" + physical_name(spec, region=region, account=True)


def log_bucket_arn(spec: Spec, region: str) -> Sub:
    return arn("s3", "", log_bucket_name(spec, region), account=False)


def bucket_arn(spec: Spec, bucket: str, region: str, *, objects: bool = False) -> Sub:
    """The computable ARN of a bucket (or of every object in it): S3 ARNs have no region
    or account field, the name carries both."""
    suffix = "/*" if objects else ""
    return arn("s3", "", bucket_name(spec, bucket, region) + suffix, account=False)


def target_group_name(spec: Spec) -> str:
    """The API target group's name (32 characters at most, DR002); regional by nature."""
    return physical_name(spec, "api")


def health_check_name(spec: Spec, region: str) -> str:
    """Name of `region`'s Route53 health check, and of the global stack's alarm on it."""
    return physical_name(spec, "health-check", region=region)


def backup_vault_name(spec: Spec, region: str) -> str:
    return physical_name(spec, "vault", region=region)


def isolated_vault_name(spec: Spec, region: str) -> str:
    """The backup account's vault in `region` (backup.isolated_copy)."""
    return physical_name(spec, "isolated", region=region)


def isolated_vault_stack_name(spec: Spec) -> str:
    """The plain stack of the backup account's vault, the same name in every region."""
    return physical_name(spec, "isolated-vault")


def isolated_vault_arn(spec: Spec, region: str) -> Sub:
    account = spec.backup.isolated_account
    name = isolated_vault_name(spec, region)
    return _sub(f"arn:${{AWS::Partition}}:backup:{region}:{account}:backup-vault:{name}")


def alert_topic_name(spec: Spec, region: str) -> str:
    """`region` is a region code, or "global" for the us-east-1 topic of the global stack."""
    return physical_name(spec, "alerts", region)


def failover_topic_name(spec: Spec) -> str:
    return physical_name(spec, "failover", "global")


def metric_namespace(spec: Spec) -> str:
    """Namespace of the custom metrics the health monitor publishes."""
    return f"DRCompiler/{spec.app}-{spec.environment}"
