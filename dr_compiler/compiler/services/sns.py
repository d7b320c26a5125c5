"""SNS: the region's alert topic (KMS-encrypted) with the spec's email subscriptions.

Every alarm of a region notifies its own region's topic (DR030). The global stack has its
own topic in us-east-1 for the Route53 health-check alarms, plus a failover topic that
invokes the failover function when the primary's health alarm fires.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awacs.aws import Allow, ArnEquals, Condition, Principal, Statement
from awacs.sqs import SendMessage
from troposphere import AWSObject, GetAtt, Output, Ref
from troposphere.sns import SubscriptionResource, Topic
from troposphere.sqs import Queue, QueuePolicy

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids
from dr_compiler.compiler.context import Phase, StackContext, sourced
from dr_compiler.compiler.naming import alert_topic_name

SUBSCRIPTION_DEAD_LETTER_QUEUE = "FailoverTopicDeadLetterQueue"
# SQS keeps a message at most 14 days (MessageRetentionPeriod maximum).
SUBSCRIPTION_DEAD_LETTER_RETENTION_SECONDS = 1_209_600


def subscription_dead_letter(ctx: StackContext, name: str, topic: Any) -> list[AWSObject]:
    """The queue where SNS puts what it could not deliver to a Lambda subscription of `topic`
    once its delivery policy is exhausted, instead of dropping it
    (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html): encrypted with
    the stack's customer key (the key policy lets SNS use it, kms.key_policy), TLS-only, and
    writable by SNS for this topic only."""
    queue_id = SUBSCRIPTION_DEAD_LETTER_QUEUE
    queue_arn = GetAtt(queue_id, "Arn")
    deny = iam.deny_insecure_transport("sqs", [queue_arn]).Statement
    allow = Statement(
        Sid="TopicDeadLetters",
        Effect=Allow,
        Principal=Principal("Service", "sns.amazonaws.com"),
        Action=[SendMessage],
        Resource=[queue_arn],
        Condition=Condition(ArnEquals("aws:SourceArn", topic)),
    )
    return [
        Queue(
            queue_id,
            QueueName=ctx.name(name),
            KmsMasterKeyId=ctx.key_arn,
            MessageRetentionPeriod=SUBSCRIPTION_DEAD_LETTER_RETENTION_SECONDS,
            # Kept like every queue of the stack: a production stack deletion must not drop
            # the failover alerts SNS could not deliver.
            **ctx.data_policies(blocks.sqs.QUEUE),
        ),
        QueuePolicy(
            f"{queue_id}Policy",
            Queues=[Ref(queue_id)],
            PolicyDocument=iam.policy([*deny, allow]),
        ),
    ]


def redrive_policy() -> dict[str, Any]:
    """A subscription's RedrivePolicy to the stack's subscription dead-letter queue."""
    return {"deadLetterTargetArn": GetAtt(SUBSCRIPTION_DEAD_LETTER_QUEUE, "Arn")}


def build(ctx: StackContext) -> Iterator[AWSObject | Output]:
    if not (ctx.in_regional_base or ctx.phase is Phase.GLOBAL):
        return
    yield from sourced(
        [
            Topic(
                ids.ALERT_TOPIC,
                TopicName=alert_topic_name(ctx.spec, ctx.scope),
                DisplayName=f"{ctx.spec.app} {ctx.spec.environment} alerts",
                KmsMasterKeyId=ctx.key_arn,
            )
        ],
        "monitoring",
    )
    for index, address in enumerate(ctx.spec.monitoring.email):
        yield from sourced(
            [
                SubscriptionResource(
                    f"AlertEmail{index + 1}",
                    TopicArn=Ref(ids.ALERT_TOPIC),
                    Protocol="email",
                    Endpoint=address,
                )
            ],
            "monitoring",
            "email",
            index,
        )
    yield Output("AlertTopicArn", Value=Ref(ids.ALERT_TOPIC), Description="Region's alert topic")
