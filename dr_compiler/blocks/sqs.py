"""SQS queues: the spec's queues, their dead-letter queues and each function's failure queue."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, CloudWatchMetric, Keeps, ResourceKind

QUEUE = ResourceKind(
    "AWS::SQS::Queue", "queue", name_properties=("QueueName",), keeps=Keeps.MESSAGES
)
QUEUE_POLICY = ResourceKind("AWS::SQS::QueuePolicy", "queue policy")

# Messages available in a queue: in a dead-letter queue, failures nobody handled
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
VISIBLE_MESSAGES = CloudWatchMetric("AWS/SQS", "ApproximateNumberOfMessagesVisible", ("QueueName",))

BLOCK = Block("queue", (QUEUE, QUEUE_POLICY), spec_collection="queues")
