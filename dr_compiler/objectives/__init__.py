"""Recovery objectives (DR090): what each component of a spec can achieve, from the spec alone.

The scenario is the one the architecture is built for: the primary region fails its Route53
health check. For every component the model computes

- its RPO: how much data (in seconds of writes) that failure can lose, and
- its RTO steps: detection, decision, promotion and traffic shift, as far as the component
  needs them before it serves again,

as `Figure`s. Each figure carries the AWS documentation page its number comes from, the spec
values it used (by spec path), and the arithmetic, so a report can show exactly how a total
was reached. Figures that AWS does not bound (S3 replication without RTC, a person deciding
by hand) are `UNBOUNDED` (infinity): they fail every finite objective.

Trigger paths (each starts when the primary fails, and ends with the Aurora promotion):

- Route53: the health check's detection (interval x failure threshold), the health-check
  alarm in us-east-1 (Route53 publishes one datapoint a minute there, and the alarm needs
  failover.datapoints_to_alarm of them), the decision (SNS invokes the failover function,
  bounded by its timeout), the promotion. It needs us-east-1's CloudWatch and SNS.
- the secondary's own probe (when the spec has a health monitor on a schedule): the first
  failing probe (the monitor's schedule period), the rest of the M-of-N evidence (M - 1 more
  one-minute datapoints), the decision, the promotion. It needs nothing of the primary's
  region.
- a person, when no automatic path survives the loss of the primary region (or the spec is
  manual): the page (the first surviving alarm), the decision a person is committed to
  (failover.decision_seconds; unbounded without it), the promotion.

Critical paths per component:

- dns: detection (health-check interval x failure threshold), then traffic shift (the record's
  TTL, which resolvers may still hold; alias records carry the load balancer's 60 s).
- tables and buckets: the same as dns. Every region already holds a readable (for DynamoDB,
  writable) replica, so the component is back as soon as clients reach the secondary.
- database: the fastest trigger path that survives the loss of the primary region.
- failover: that path end to end, plus the traffic shift, counted serially (DNS starts moving
  clients at detection, in parallel with the promotion, so the serial sum is an upper bound;
  it is the figure the objective is held to because a client is only served once its DNS
  answer has expired *and* the database is writable). When the fastest path overall is
  another one (the Route53 path, with a primary in us-east-1), it is reported separately as
  "failover (fastest path)".
- backups: RPO only (the schedule's period, when copies reach the secondaries). Restoring a
  recovery point is not part of the failover path, and its duration depends on the data size,
  so no RTO is estimated.

Known limits, stated where they apply: the DNS TTL is what resolvers are asked to honour,
not a guarantee; Aurora documents promotion as "under a minute" and the end-to-end RTO as "in
the order of minutes" (this model decomposes the latter); CloudWatch may notify "several
minutes" after a health check fails in the worst case; cron schedules with L, W or # are not

The package, by concern: `aws` (the figures AWS documents, with their pages), `figures`
(Figure, Metric, ComponentEstimate: the numbers and their arithmetic), `steps` (one figure per
RTO step: detection, alarms, decision, promotion, traffic shift), `plan` (the ARC Region switch
plan's workflow), `paths` (the trigger paths that start the promotion), `estimators` (one
estimate per component; `estimate` is the entry point) and `text` (how seconds and spec values
are written).
"""

from __future__ import annotations

from dr_compiler.objectives.estimators import estimate

__all__ = ["estimate"]
