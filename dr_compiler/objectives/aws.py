"""What AWS documents: each figure of an estimate cites exactly one of these pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Documented:
    """A number AWS documents, the page that documents it, and what the page says."""

    seconds: float
    url: str
    says: str


ROUTE53_HEALTH_CHECKS_URL = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
"""Health checkers request every 10 or 30 s; 'failure threshold' consecutive failures make
the endpoint unhealthy: detection takes interval x threshold."""
ROUTE53_METRIC_PERIOD = Documented(
    seconds=60,
    url="https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html",
    says="health-check status reaches CloudWatch in one-minute intervals; several minutes may "
    "elapse before the SNS notification",
)
CLOUDWATCH_ALARM_EVALUATION_URL = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html"
)
ALIAS_TTL = Documented(
    seconds=60,
    url="https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html",
    says="the load balancer's DNS entry has a TTL of 60 seconds; Route53 alias records to a "
    "load balancer use it (the Route53 FAQ: 'fixed TTL of 60 seconds')",
)
RECORD_TTL_URL = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-basic.html#rrsets-values-basic-ttl"
LAMBDA_SNS_URL = "https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html"
AURORA_REPLICATION_LAG = Documented(
    seconds=1,
    url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html",
    says="Aurora replicates to the secondary Regions with latency typically under a second",
)
AURORA_PROMOTION = Documented(
    seconds=60,
    url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html",
    says="a secondary Region can be promoted to take full read/write workloads in under a "
    "minute (the BCDR guide puts the end-to-end RTO 'in the order of minutes')",
)
AURORA_SWITCHOVER = Documented(
    seconds=0,
    url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html",
    says="a switchover synchronizes the secondaries before promoting: RPO 0, but it needs "
    "every cluster healthy; a failover after an outage loses the replication lag",
)
DYNAMODB_REPLICATION = Documented(
    seconds=1,
    url="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html",
    says="multi-Region eventual consistency replicates changes typically within a second or "
    "less; multi-Region strong consistency gives RPO 0 with exactly three Regions",
)
S3_RTC = Documented(
    seconds=900,
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html",
    says="S3 RTC replicates 99.99 % of objects within 15 minutes, backed by an SLA; "
    "15 minutes is the only setting",
)
S3_REPLICATION_URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html"
AWS_BACKUP_PLAN_URL = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html"
)
ROUTE53_METRICS_REGION = "us-east-1"
"""Route53 publishes health-check metrics only here (ROUTE53_METRIC_PERIOD's page)."""
AURORA_MANUAL_FAILOVER_URL = AURORA_SWITCHOVER.url
"""The Aurora page describing the unplanned failover a person runs."""
STANDARD_PERIOD_SECONDS = 60
"""Custom metrics put without StorageResolution are one datapoint a minute."""

# Route53 health checks allow these request intervals; the fast one is the floor.
FAST_HEALTH_CHECK_INTERVAL = 10
MRSC_REGIONS = 3


REGION_SWITCH_URL = "https://docs.aws.amazon.com/r53recovery/latest/dg/region-switch.html"
"""Region switch runs a plan's workflow step by step in the Region being activated (a data
plane in each Region); CloudWatch alarm triggers start it."""
