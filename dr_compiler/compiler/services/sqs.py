"""SQS: every spec queue with its dead-letter queue, in each region that runs the workload.

Queues live where the functions that use them live (the primary stack and each secondary's
attach stack). Queue names are regional, so the same name in every region needs no region
token. Both queues are encrypted with the region's customer key (DR080) and accept only
TLS requests. A message that fails `max_receive_count` times moves to the dead-letter
queue, which only its own source queue may redrive into (RedriveAllowPolicy byQueue).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from troposphere import AWSHelperFn, AWSObject, GetAtt, Output, Ref
from troposphere.sqs import Queue, QueuePolicy, RedrivePolicy

from dr_compiler import blocks
from dr_compiler.compiler import iam, ids, naming
from dr_compiler.compiler.context import StackContext, sourced
from dr_compiler.model import Queue as SpecQueue

DEAD_LETTER_RETENTION_SECONDS = 1_209_600
"""14 days, the SQS maximum: the longest window to inspect and redrive failed messages."""


def queue_arn(ctx: StackContext, name: str) -> AWSHelperFn:
    """The computable ARN of a queue of this region, by its physical name."""
    return naming.arn("sqs", ctx.region, name)


def tls_only_policy(logical_id: str, queue_ids: Sequence[str]) -> QueuePolicy:
    """A queue policy denying every request that does not arrive over TLS."""
    return QueuePolicy(
        logical_id,
        Queues=[Ref(queue_id) for queue_id in queue_ids],
        PolicyDocument=iam.deny_insecure_transport(
            "sqs", [GetAtt(queue_id, "Arn") for queue_id in queue_ids]
        ),
    )


def build(ctx: StackContext) -> Iterator[object]:
    if not ctx.in_regional_workload:
        return
    for queue in ctx.spec.queues:
        yield from sourced(_queue_resources(ctx, queue), "queues", queue.index)


def _queue_resources(ctx: StackContext, queue: SpecQueue) -> Iterator[AWSObject | Output]:
    spec = ctx.spec
    queue_id, dlq_id = ids.queue(queue.name), ids.dead_letter_queue(queue.name)
    key = ctx.key_arn
    fifo = {"FifoQueue": True} if queue.fifo else {}
    yield Queue(
        dlq_id,
        QueueName=naming.dead_letter_queue_name(spec, queue.name),
        **fifo,
        KmsMasterKeyId=key,
        MessageRetentionPeriod=DEAD_LETTER_RETENTION_SECONDS,
        # The source queue's ARN is computed: referencing it would be a cycle, since the
        # source queue's RedrivePolicy references this queue.
        RedriveAllowPolicy={
            "redrivePermission": "byQueue",
            "sourceQueueArns": [queue_arn(ctx, naming.queue_name(spec, queue.name))],
        },
        **ctx.data_policies(blocks.sqs.QUEUE),
    )
    yield Queue(
        queue_id,
        QueueName=naming.queue_name(spec, queue.name),
        **fifo,
        **({"ContentBasedDeduplication": True} if queue.content_based_deduplication else {}),
        KmsMasterKeyId=key,
        VisibilityTimeout=queue.visibility_timeout_seconds,
        MessageRetentionPeriod=queue.retention_seconds,
        RedrivePolicy=RedrivePolicy(
            deadLetterTargetArn=GetAtt(dlq_id, "Arn"), maxReceiveCount=queue.max_receive_count
        ),
        **ctx.data_policies(blocks.sqs.QUEUE),
    )
    yield tls_only_policy(f"{queue_id}Policy", [queue_id, dlq_id])
    for logical_id, label in ((queue_id, "queue"), (dlq_id, "dead-letter queue")):
        yield Output(
            f"{logical_id}Url", Value=Ref(logical_id), Description=f"{queue.name} {label} URL"
        )
        yield Output(
            f"{logical_id}Arn",
            Value=GetAtt(logical_id, "Arn"),
            Description=f"{queue.name} {label} ARN",
        )
