"""SNS: the region's alert topic (KMS-encrypted) with the spec's email subscriptions.

Every alarm of a region notifies its own region's topic (DR030). The global stack has its
own topic in us-east-1 for the Route53 health-check alarms, plus a failover topic that
invokes the failover function when the primary's health alarm fires.
"""

from __future__ import annotations

from collections.abc import Iterator

from troposphere import AWSObject, Output, Ref
from troposphere.sns import SubscriptionResource, Topic

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, StackContext, sourced
from dr_compiler.compiler.naming import alert_topic_name


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
