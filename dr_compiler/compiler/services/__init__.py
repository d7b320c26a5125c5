"""Service builders: one module per service, each `build(ctx) -> Iterable[template object]`.

A builder decides from `ctx.phase` and `ctx.region` what, if anything, it contributes to the
stack being built. This table is the only list of builders; its order is the order
resources appear in a template (JSON output is sorted anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dr_compiler.compiler.context import StackContext
from dr_compiler.compiler.services import (
    access_logs,
    alarms,
    alb,
    aurora,
    backup,
    bucket_emptier,
    dashboard,
    dynamodb,
    failover,
    kms,
    lambda_functions,
    network,
    peering,
    region_switch,
    reverse_replication,
    route53,
    s3,
    sns,
    sqs,
    waf,
)

Builder = Callable[[StackContext], Iterable[Any]]

BUILDERS: tuple[Builder, ...] = (
    kms.build,
    network.build,
    peering.build,
    sns.build,
    access_logs.build,
    s3.build,
    bucket_emptier.build,
    dynamodb.build,
    aurora.build,
    sqs.build,
    lambda_functions.build,
    reverse_replication.build,
    alb.build,
    waf.build,
    route53.build,
    failover.build,
    alarms.build,
    region_switch.build,
    dashboard.build,
    backup.build,
)
