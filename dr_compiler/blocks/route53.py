"""DNS failover: hosted zone, failover (or latency) records, health checks."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, CloudWatchMetric, ResourceKind

HOSTED_ZONE = ResourceKind("AWS::Route53::HostedZone", "hosted zone")
RECORD_SET = ResourceKind("AWS::Route53::RecordSet", "record set")
RECORD_SET_GROUP = ResourceKind("AWS::Route53::RecordSetGroup", "record set group")
HEALTH_CHECK = ResourceKind("AWS::Route53::HealthCheck", "health check")

# Published in us-east-1 only
# (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-cloudwatch.html).
HEALTH_CHECK_STATUS = CloudWatchMetric("AWS/Route53", "HealthCheckStatus", ("HealthCheckId",))

BLOCK = Block(
    "DNS",
    (RECORD_SET, RECORD_SET_GROUP, HEALTH_CHECK, HOSTED_ZONE),
    spec_collection="dns",
    component="dns",
)
