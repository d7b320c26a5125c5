"""One estimate per component of a spec (database, tables, buckets, backups, dns, failover), in
report order: `estimate`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dr_compiler import blocks
from dr_compiler.blocks.descriptor import Block
from dr_compiler.loader import format_path
from dr_compiler.model import Backup, Bucket, Database, Spec, Table
from dr_compiler.objectives.aws import (
    AURORA_REPLICATION_LAG,
    AURORA_SWITCHOVER,
    AWS_BACKUP_PLAN_URL,
    DYNAMODB_REPLICATION,
    MRSC_REGIONS,
    ROUTE53_HEALTH_CHECKS_URL,
    S3_REPLICATION_URL,
    S3_RTC,
)
from dr_compiler.objectives.figures import UNBOUNDED, ComponentEstimate, Figure, SpecPath
from dr_compiler.objectives.paths import fastest_path, paths_note, surviving_path, trigger_paths
from dr_compiler.objectives.plan import plan_workflow_text
from dr_compiler.objectives.steps import detection, traffic_shift
from dr_compiler.objectives.text import fmt_seconds
from dr_compiler.schedules import EVENTBRIDGE_SCHEDULES_URL, UnsupportedSchedule, schedule_period


def _estimate(
    spec: Spec,
    block: Block,
    label: str,
    rpo: tuple[Figure, ...],
    rto: tuple[Figure, ...],
    notes: tuple[str, ...] = (),
    not_counted: tuple[Figure, ...] = (),
) -> ComponentEstimate:
    assert block.component is not None, f"{block.name} is judged under no component"
    return ComponentEstimate(
        component=block.component,
        label=label,
        objective=block.objective(spec),
        rpo=rpo,
        rto_steps=rto,
        notes=notes,
        not_counted=not_counted,
    )


def _database(spec: Spec, database: Database) -> ComponentEstimate:
    lag = Figure(
        name="replication lag",
        seconds=AURORA_REPLICATION_LAG.seconds,
        source_url=AURORA_REPLICATION_LAG.url,
        spec_inputs={"database.engine": database.engine},
        arithmetic="typically under 1 s",
        # Whoever promotes after a regional loss (the function or a person), the writes not
        # yet replicated are lost; only a switchover, which needs a healthy primary, is 0.
        note=f"{AURORA_REPLICATION_LAG.says}; {AURORA_SWITCHOVER.says}",
    )
    path = surviving_path(spec)
    return _estimate(
        spec, blocks.aurora.BLOCK, "database", (lag,), path.steps, notes=(f"path: {path.name}",)
    )


def _table(spec: Spec, table: Table) -> ComponentEstimate:
    rpo = _table_rpo(spec, table)
    label = f"table {table.name}"
    return _estimate(spec, blocks.dynamodb.BLOCK, label, (rpo,), _dns_steps(spec))


def _table_rpo(spec: Spec, table: Table) -> Figure:
    consistency: SpecPath = ("tables", table.index, "consistency")
    inputs = {
        format_path(consistency): table.consistency,
        "regions.secondaries": list(spec.regions.secondaries),
    }
    if table.consistency != "strong":
        can_be_strong = len(spec.regions.all) == MRSC_REGIONS
        return Figure(
            name="replication lag",
            seconds=DYNAMODB_REPLICATION.seconds,
            source_url=DYNAMODB_REPLICATION.url,
            spec_inputs=inputs,
            arithmetic="eventual consistency: typically within a second",
            note=DYNAMODB_REPLICATION.says,
            setting=consistency if can_be_strong else ("regions", "secondaries"),
            advice=(
                f"set consistency: strong on table {table.name}: multi-Region strong "
                "consistency has RPO 0"
                if can_be_strong
                else f"table {table.name} replicates asynchronously; RPO 0 needs consistency: "
                f"strong, which needs exactly {MRSC_REGIONS} regions"
            ),
        )
    if len(spec.regions.all) != MRSC_REGIONS:
        return Figure(
            name="replication",
            seconds=UNBOUNDED,
            source_url=DYNAMODB_REPLICATION.url,
            spec_inputs=inputs,
            arithmetic=f"strong consistency with {len(spec.regions.all)} regions",
            note="multi-Region strong consistency cannot be created with this many regions",
            setting=("regions", "secondaries"),
            advice=f"consistency: strong on table {table.name} needs exactly {MRSC_REGIONS} "
            f"regions, the spec has {len(spec.regions.all)}",
        )
    return Figure(
        name="replication",
        seconds=0.0,
        source_url=DYNAMODB_REPLICATION.url,
        spec_inputs=inputs,
        arithmetic="strong consistency: writes commit in more than one region",
        note=DYNAMODB_REPLICATION.says,
    )


def _bucket(spec: Spec, bucket: Bucket) -> ComponentEstimate:
    rto = _dns_steps(spec)
    return _estimate(spec, blocks.s3.BLOCK, f"bucket {bucket.name}", (_bucket_rpo(bucket),), rto)


def _bucket_rpo(bucket: Bucket) -> Figure:
    path: SpecPath = ("storage", "buckets", bucket.index, "replication")
    if not bucket.replicated:
        return Figure(
            name="replication",
            seconds=UNBOUNDED,
            source_url=S3_REPLICATION_URL,
            spec_inputs={format_path(path): None},
            arithmetic="not replicated",
            note="objects exist only in the primary region",
            setting=("storage", "buckets", bucket.index),
            advice=f"add replication: {{rtc: true}} to bucket {bucket.name}: without "
            "replication its objects exist only in the primary region",
        )
    inputs = {format_path((*path, "rtc")): bucket.rtc}
    if not bucket.rtc:
        return Figure(
            name="replication",
            seconds=UNBOUNDED,
            source_url=S3_REPLICATION_URL,
            spec_inputs=inputs,
            arithmetic="replication without RTC",
            note="most objects replicate quickly, but S3 states no bound without RTC",
            setting=path,
            advice=f"enable rtc on bucket {bucket.name}: replication without RTC has no time bound",
        )
    return Figure(
        name="replication",
        seconds=S3_RTC.seconds,
        source_url=S3_RTC.url,
        spec_inputs=inputs,
        arithmetic="RTC: 99.99 % within 15 min",
        note=S3_RTC.says,
    )


def _backups(spec: Spec) -> ComponentEstimate:
    backup = spec.backup
    schedule: SpecPath = ("backup", "schedule")
    inputs = {
        format_path(schedule): backup.schedule,
        "backup.copy_to_secondaries": backup.copy_to_secondaries,
    }
    if not backup.copy_to_secondaries:
        rpo = Figure(
            name="backup period",
            seconds=UNBOUNDED,
            source_url=AWS_BACKUP_PLAN_URL,
            spec_inputs=inputs,
            arithmetic="recovery points stay in the primary region",
            note="a regional failure takes the primary's vault with it",
            setting=("backup", "copy_to_secondaries"),
            advice="set backup.copy_to_secondaries: true: recovery points in the failed "
            "region are out of reach",
        )
    else:
        rpo = _backup_period(backup.schedule, inputs)
    notes = (
        "restoring a recovery point is not part of the failover path and depends on the "
        "data size: no RTO is estimated",
        *_isolated_copy_note(backup),
    )
    return _estimate(spec, blocks.backup.BLOCK, "backups", (rpo,), (), notes=notes)


def _isolated_copy_note(backup: Backup) -> tuple[str, ...]:
    """With backup.isolated_copy, the same period bounds what an account compromise loses."""
    if not backup.isolated_account:
        return ()
    return (
        f"every recovery point is also copied to the {backup.isolated_vault.replace('_', ' ')} "
        f"vault of account {backup.isolated_account} in its own region: a compromise of the "
        "protected accounts loses at most the backup period too (the copy is out of their "
        "reach; it does not survive the loss of that region)",
    )


def _backup_period(expression: str, inputs: dict[str, Any]) -> Figure:
    try:
        period = schedule_period(expression)
        arithmetic = f"longest gap between runs of {expression}"
        advice = (
            f"run backup.schedule more often: recovery points are up to {fmt_seconds(period)} apart"
        )
    except UnsupportedSchedule as unsupported:
        period, arithmetic = UNBOUNDED, f"not modelled: {unsupported}"
        advice = "use a rate() or a plain cron() backup.schedule (no L, W or #)"
    return Figure(
        name="backup period",
        seconds=period,
        source_url=AWS_BACKUP_PLAN_URL,
        spec_inputs=inputs,
        arithmetic=arithmetic,
        # The compiled plan lets a job start up to an hour late (AWS Backup's minimum
        # start window), which the DR090 design leaves out of the figure.
        note="a recovery point per scheduled run, copied to every secondary; the schedule "
        "is a cron expression in UTC (EventBridge syntax)",
        setting=("backup", "schedule"),
        advice=advice,
    )


def _dns(spec: Spec) -> ComponentEstimate:
    return _estimate(spec, blocks.route53.BLOCK, "dns", (), _dns_steps(spec))


def _dns_steps(spec: Spec) -> tuple[Figure, ...]:
    """Moving clients to another region: detection and the traffic shift; nothing for a
    service without a public API (no clients to move: each region's workers use their own
    region's replicas)."""
    if spec.dns is None:
        return ()
    return (detection(spec), traffic_shift(spec))


def _failover_loss(spec: Spec) -> Figure:
    if spec.database is None:
        return Figure(
            name="failover data loss",
            seconds=0.0,
            source_url=ROUTE53_HEALTH_CHECKS_URL,
            spec_inputs={"database": None},
            arithmetic="no promotion: nothing is lost by moving DNS",
            note="the tables' own replication lag is each table's RPO, estimated per table",
        )
    return Figure(
        name="promotion data loss",
        seconds=(
            AURORA_REPLICATION_LAG.seconds
            if spec.failover.allow_data_loss
            else AURORA_SWITCHOVER.seconds
        ),
        source_url=AURORA_SWITCHOVER.url,
        spec_inputs={"failover.allow_data_loss": spec.failover.allow_data_loss},
        arithmetic="failover loses the replication lag"
        if spec.failover.allow_data_loss
        else "switchover loses nothing",
        note=AURORA_SWITCHOVER.says,
    )


def _failover(spec: Spec) -> tuple[ComponentEstimate, ...]:
    """The path that survives the loss of the primary region; and the fastest path, when it
    is another one (it then needs the primary's region)."""
    loss = _failover_loss(spec)
    serial = (
        "steps counted serially: DNS starts moving clients at detection, in parallel "
        "with the promotion, so the total is an upper bound"
    )
    surviving, fastest = surviving_path(spec), fastest_path(spec)
    estimates = [
        _estimate(
            spec,
            blocks.region_switch.BLOCK,
            "failover",
            (loss,),
            (*surviving.steps, *_dns_steps(spec)[1:]),
            notes=(
                f"path surviving the loss of {spec.regions.primary}: {surviving.name}",
                paths_note(spec),
                serial,
                *((plan_workflow_text(spec),) if spec.failover.region_switch else ()),
            ),
            not_counted=tuple(_monitor_schedules(spec)),
        )
    ]
    if fastest.name != surviving.name:
        estimates.append(
            _estimate(
                spec,
                blocks.region_switch.BLOCK,
                "failover (fastest path)",
                (loss,),
                (*fastest.steps, *_dns_steps(spec)[1:]),
                notes=(
                    f"fastest path: {fastest.name}; it needs {fastest.needs_region}, so it "
                    f"does not survive the loss of {spec.regions.primary}",
                    serial,
                ),
            )
        )
    return tuple(estimates)


def _monitor_schedules(spec: Spec) -> list[Figure]:
    """Scheduled functions that no trigger path counts: shown, but they only page."""
    in_path = {
        path
        for trigger in trigger_paths(spec)
        for figure in trigger.steps
        for path in figure.spec_inputs
    }
    figures = []
    for function in spec.functions:
        if function.schedule is None:
            continue
        path: SpecPath = ("functions", function.index, "schedule")
        if format_path(path) in in_path:
            continue
        try:
            period = schedule_period(function.schedule)
        except UnsupportedSchedule:
            period = UNBOUNDED
        figures.append(
            Figure(
                name=f"{function.name} schedule",
                seconds=period,
                source_url=EVENTBRIDGE_SCHEDULES_URL,
                spec_inputs={format_path(path): function.schedule},
                arithmetic=f"longest gap between runs of {function.schedule}",
                note="its alarm notifies the alert topic only; it does not start the failover",
            )
        )
    return figures


STORE_ESTIMATORS: Mapping[str, Callable[[Spec, Any], ComponentEstimate]] = {
    blocks.aurora.BLOCK.name: _database,
    blocks.dynamodb.BLOCK.name: _table,
    blocks.s3.BLOCK.name: _bucket,
}
"""The estimate of one store of each block judged under an objective component of its own
(blocks.JUDGED_STORES)."""


def _store_estimates(spec: Spec) -> Iterator[ComponentEstimate]:
    for block in blocks.JUDGED_STORES:
        for store in block.instances(spec):
            yield STORE_ESTIMATORS[block.name](spec, store)


def estimate(spec: Spec) -> tuple[ComponentEstimate, ...]:
    """Every component's estimate, in report order: the stores first (blocks order)."""
    return (
        *_store_estimates(spec),
        _backups(spec),
        *((_dns(spec),) if spec.dns is not None else ()),
        *_failover(spec),
    )
