"""KMS: one customer key per region, rotation on, used by every data store, queue, topic,
log group and backup vault of that region (DR080). Its alias has a computable name, so other
regions reach it (DynamoDB replicas, S3 replication destinations) without a lookup.
"""

from __future__ import annotations

from collections.abc import Iterator

from awacs.aws import (
    Allow,
    ArnLike,
    Condition,
    ConditionElement,
    Policy,
    Principal,
    Statement,
    StringEquals,
    StringLike,
)
from awacs.kms import Action as KmsAction
from troposphere import AWSObject, Output, Ref, Sub
from troposphere.kms import Alias, Key

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import Phase, StackContext
from dr_compiler.compiler.naming import arn, physical_name

_ROOT = Principal("AWS", arn("iam", "", "root"))
KEY_ARN_OUTPUT = "KmsKeyArn"
"""The output carrying the region's key ARN (read by attach stacks and the global stack)."""


def key_alias(ctx: StackContext, region: str | None = None) -> str:
    """The alias name of a region's key, e.g. alias/payments-us-east-1-prod.

    The global stack shares us-east-1 with the primary when the primary is us-east-1, so its
    key's alias says "global" instead of a region: aliases are unique per account and region.
    """
    return "alias/" + physical_name(ctx.spec, region or ctx.scope)


def key_alias_arn(ctx: StackContext, region: str) -> Sub:
    return arn("kms", region, key_alias(ctx, region))


def key_policy(ctx: StackContext) -> Policy:
    """The account administers the key; two AWS services use it on the account's behalf, each
    scoped to this account's own resources of this region (the confused-deputy defence, DR084).

    - CloudWatch Logs encrypts the log groups. It calls KMS with the log group's ARN as
      encryption context, and the condition pins that context to this account and region
      (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS", step 2,
      https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
    - CloudWatch alarms publish to the region's encrypted topics, which needs kms:Decrypt and
      kms:GenerateDataKey* for cloudwatch.amazonaws.com (SNS Developer Guide, "Enable
      compatibility between event sources from AWS services and encrypted topics",
      https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). The statement admits
      only this app's alarms of this account and region (aws:SourceArn) encrypting for this
      app's topics of the region (kms:EncryptionContext:aws:sns:topicArn, the context SNS sends
      with the topic's ARN). That pair is the documented key policy for a service that
      publishes to an encrypted topic (Amazon GameLift FlexMatch guide, "Set up an SNS topic
      with server-side encryption",
      https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html);
      aws:SourceAccount is added because the IAM guide's confused-deputy advice pairs it with
      aws:SourceArn (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).

    - SNS moves what it cannot deliver to a Lambda subscription into the subscription's
      encrypted dead-letter queue (sns.subscription_dead_letter), which needs kms:Decrypt and
      kms:GenerateDataKey* for sns.amazonaws.com ("Amazon SNS dead-letter queues", encrypted
      queues, https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html); scoped
      to this app's topics of this account and region (aws:SourceArn, aws:SourceAccount).

    No other service principal: EventBridge targets only functions here (no encrypted topic or
    queue), so it does not call KMS for this stack. A builder that adds such a path adds its
    own scoped statement.
    """
    region = ctx.region
    own = physical_name(ctx.spec, "*")  # every name of this app and environment
    use = [
        KmsAction("Encrypt"),
        KmsAction("Decrypt"),
        KmsAction("ReEncrypt*"),
        KmsAction("GenerateDataKey*"),
        KmsAction("DescribeKey"),
    ]
    return iam.policy(
        [
            Statement(
                Sid="AccountAdministers",
                Effect=Allow,
                Principal=_ROOT,
                Action=[KmsAction("*")],
                Resource=["*"],
            ),
            Statement(
                Sid="LogsEncryptLogGroups",
                Effect=Allow,
                Principal=Principal("Service", f"logs.{region}.amazonaws.com"),
                Action=use,
                Resource=["*"],
                Condition=Condition(
                    ArnLike("kms:EncryptionContext:aws:logs:arn", arn("logs", region, "*"))
                ),
            ),
            _sends_for_this_account(
                "AlarmsPublishToEncryptedTopics",
                "cloudwatch.amazonaws.com",
                arn("cloudwatch", region, "alarm:" + own),
                StringLike("kms:EncryptionContext:aws:sns:topicArn", arn("sns", region, own)),
            ),
            _sends_for_this_account(
                "TopicsDeadLetterToEncryptedQueues", "sns.amazonaws.com", arn("sns", region, own)
            ),
        ]
    )


def _sends_for_this_account(
    sid: str, service: str, sources: Sub, *extra: ConditionElement
) -> Statement:
    """`service` encrypts messages with the key (Decrypt, GenerateDataKey*) on behalf of
    this account's resources matching `sources` only (aws:SourceAccount + aws:SourceArn)."""
    return Statement(
        Sid=sid,
        Effect=Allow,
        Principal=Principal("Service", service),
        Action=[KmsAction("Decrypt"), KmsAction("GenerateDataKey*")],
        Resource=["*"],
        Condition=Condition(
            [
                StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                ArnLike("aws:SourceArn", sources),
                *extra,
            ]
        ),
    )


def build(ctx: StackContext) -> Iterator[AWSObject | Output]:
    if not (ctx.in_regional_base or ctx.phase is Phase.GLOBAL):
        return
    yield Key(
        ids.KMS_KEY,
        Description=f"{ctx.spec.app} {ctx.spec.environment} {ctx.region}: data at rest",
        EnableKeyRotation=True,
        KeyPolicy=key_policy(ctx),
        PendingWindowInDays=30 if ctx.retain_data else 7,
        **ctx.data_policies(blocks.kms.KEY),
    )
    yield Alias(ids.KMS_ALIAS, AliasName=key_alias(ctx), TargetKeyId=Ref(ids.KMS_KEY))
    yield Output(KEY_ARN_OUTPUT, Value=ctx.key_arn, Description="Region's customer key")
