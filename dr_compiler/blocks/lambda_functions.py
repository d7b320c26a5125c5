"""Lambda functions with their permissions, triggers (queue mappings, schedules) and
asynchronous-invocation settings."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, CloudWatchMetric, ResourceKind

FUNCTION = ResourceKind("AWS::Lambda::Function", "function", name_properties=("FunctionName",))
PERMISSION = ResourceKind("AWS::Lambda::Permission", "permission")
EVENT_SOURCE_MAPPING = ResourceKind("AWS::Lambda::EventSourceMapping", "event source mapping")
EVENT_INVOKE_CONFIG = ResourceKind("AWS::Lambda::EventInvokeConfig", "event invoke config")
SCHEDULE_RULE = ResourceKind("AWS::Events::Rule", "EventBridge rule", name_properties=("Name",))

# Invocations that ended in an error
# (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
ERRORS = CloudWatchMetric("AWS/Lambda", "Errors", ("FunctionName",))

BLOCK = Block(
    "function",
    (FUNCTION, PERMISSION, EVENT_SOURCE_MAPPING, EVENT_INVOKE_CONFIG, SCHEDULE_RULE),
    spec_collection="functions",
)
