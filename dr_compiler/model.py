"""Stage 3 (model): the validated document as frozen dataclasses with every default filled.

Nothing downstream reads the raw document; everything reads a `Spec`. The spec keeps its
source map so findings can point at the line that set a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dr_compiler.errors import Location
from dr_compiler.loader import SourceDocument, SourceMap
from dr_compiler.semantics import rotation_days

# The latest Lambda Python runtime: the one cfn-lint's runtime lifecycle data
# (cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json) names as every other's successor.
DEFAULT_RUNTIME = "python3.14"


@dataclass(frozen=True)
class Objective:
    rto_seconds: int
    rpo_seconds: int


@dataclass(frozen=True)
class Objectives:
    rto_seconds: int
    rpo_seconds: int
    components: dict[str, Objective] = field(default_factory=dict)

    def for_component(self, component: str) -> Objective:
        """The component's own objective, else the spec-wide one."""
        return self.components.get(component, Objective(self.rto_seconds, self.rpo_seconds))


@dataclass(frozen=True)
class Metadata:
    app: str
    environment: str
    production: bool
    tags: dict[str, str]
    output: str = "by_environment"
    """Output layout: "by_environment" (templates_out/<env>/) or "by_app"
    (templates_out/<app>/<env>/)."""


@dataclass(frozen=True)
class Regions:
    primary: str
    secondaries: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return (self.primary, *self.secondaries)

    @property
    def failover_target(self) -> str:
        """The region a failover promotes: the first secondary, the one place that says so."""
        return self.secondaries[0]


@dataclass(frozen=True)
class Deployment:
    accounts: tuple[str, ...]
    organizational_units: tuple[str, ...]
    permission_model: str
    failure_tolerance: int
    max_concurrent: int
    region_concurrency: str
    administration_region: str
    # Service-managed StackSets (AWS Organizations): see docs/deploy.md.
    administration_account: str = ""
    account_filter_type: str = "NONE"
    filter_accounts: tuple[str, ...] = ()
    call_as: str = "SELF"
    auto_deployment: bool = True
    retain_stacks_on_account_removal: bool = False
    managed_execution: bool = False
    # Percentages replace the counts above when the spec gives them.
    failure_tolerance_percentage: int | None = None
    max_concurrent_percentage: int | None = None

    @property
    def service_managed(self) -> bool:
        return self.permission_model == "service_managed"


@dataclass(frozen=True)
class Network:
    cidrs: dict[str, str]
    availability_zones: int
    egress: str
    peering: bool
    flow_logs_retention_days: int


@dataclass(frozen=True)
class Database:
    engine: str
    engine_version: str
    min_acu: float
    max_acu: float
    credentials: str
    master_username: str
    database_name: str
    backup_retention_days: int
    instances_per_region: int
    write_forwarding: bool
    port: int = 5432
    rotation_days: int = 0
    """Days between rotations of the master secret by Secrets Manager; 0: never rotated."""


@dataclass(frozen=True)
class Bucket:
    name: str
    rtc: bool
    replicated: bool
    noncurrent_version_expiration_days: int
    index: int


@dataclass(frozen=True)
class Key:
    name: str
    type: str


@dataclass(frozen=True)
class TableIndex:
    """A global secondary index of a table."""

    name: str
    partition_key: Key
    sort_key: Key | None
    projection: str


@dataclass(frozen=True)
class Table:
    name: str
    partition_key: Key
    sort_key: Key | None
    consistency: str
    index: int
    ttl_attribute: str | None = None
    indexes: tuple[TableIndex, ...] = ()
    stream: str = "new_and_old_images"
    """The stream's view type, lowercase (StreamViewType in lowercase)."""


@dataclass(frozen=True)
class Queue:
    name: str
    max_receive_count: int
    visibility_timeout_seconds: int
    retention_seconds: int
    index: int
    fifo: bool = False
    content_based_deduplication: bool = False


@dataclass(frozen=True)
class Access:
    queues: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    database: str | None = None
    alerts: str | None = None
    metrics: str | None = None


@dataclass(frozen=True)
class SecretRef:
    """A secret a function reads at run time: `variable` holds the ARN of the secret or
    parameter in the function's own region, never its value."""

    variable: str
    service: str
    """"secretsmanager" or "ssm"."""
    name: str
    """The secret's name or the parameter's full name (starting with '/')."""


@dataclass(frozen=True)
class Function:
    name: str
    source: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    vpc: bool
    trigger_queue: str | None
    batch_size: int
    trigger_alarm: str | None
    schedule: str | None
    access: Access
    reserved_concurrency: int | None
    index: int
    trigger_table: str | None = None
    """A table whose stream invokes the function (in the primary region)."""
    environment: dict[str, str] = field(default_factory=dict)
    """Literal environment variables the spec sets (never secrets: DR010)."""
    secrets: tuple[SecretRef, ...] = ()


@dataclass(frozen=True)
class Route:
    method: str
    path: str


@dataclass(frozen=True)
class Api:
    function: str
    routes: tuple[Route, ...]
    certificate_arns: dict[str, str]
    ssl_policy: str
    waf_rate_limit: int = 2000
    """Requests per client IP per `waf_rate_window_seconds` before WAF blocks it."""
    waf_rate_window_seconds: int = 300


@dataclass(frozen=True)
class HealthCheck:
    protocol: str
    port: int
    path: str
    interval_seconds: int
    failure_threshold: int


@dataclass(frozen=True)
class Dns:
    zone: str
    record: str
    ttl_seconds: int | None
    health_check: HealthCheck
    hosted_zone_id: str | None = None
    """An existing hosted zone for `zone`; None: the global stack creates one."""
    routing: str = "failover"
    """"failover" (active-passive, the primary then the secondaries in order) or "latency"
    (active-active: the healthy region nearest each client)."""

    @property
    def latency(self) -> bool:
        return self.routing == "latency"

    @property
    def fqdn(self) -> str:
        return f"{self.record}.{self.zone}"


@dataclass(frozen=True)
class Alarms:
    replication_lag_ms: int
    lambda_errors: int
    dlq_depth: int
    period_seconds: int
    evaluation_periods: int


@dataclass(frozen=True)
class CustomAlarm:
    """An alarm on any metric, compiled into every regional workload stack."""

    name: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    comparison: str
    threshold: float
    missing_data: str
    index: int


@dataclass(frozen=True)
class Monitoring:
    email: tuple[str, ...]
    alarms: Alarms
    dashboard: bool
    log_retention_days: int
    custom_alarms: tuple[CustomAlarm, ...] = ()


@dataclass(frozen=True)
class Failover:
    automatic: bool
    allow_data_loss: bool
    function: str | None
    evaluation_periods: int = 3
    """N of the trigger alarms' M-of-N evidence (DR063)."""
    datapoints_to_alarm: int = 2
    """M: failing one-minute datapoints within N before a trigger alarm fires."""
    decision_seconds: int | None = None
    """A person's committed time to decide, for a manual failover (automatic: false)."""
    orchestrator: str = "lambda"
    """What runs the failover: "lambda" (the failover function) or "region_switch" (an ARC
    Region switch plan compiled from the spec)."""

    @property
    def region_switch(self) -> bool:
        return self.orchestrator == "region_switch"


@dataclass(frozen=True)
class Backup:
    schedule: str
    retention_days: int
    copy_to_secondaries: bool
    # A copy of every recovery point in a vault of another account (empty: none).
    isolated_account: str = ""
    isolated_vault: str = ""  # "logically_air_gapped" | "locked"
    isolated_retention_days: int = 0


@dataclass(frozen=True)
class Waiver:
    rule: str
    resource: str
    reason: str
    expires: str
    index: int


@dataclass(frozen=True)
class Policy:
    packs: tuple[str, ...]
    waivers: tuple[Waiver, ...]
    waiver_horizon_days: int = 365


@dataclass(frozen=True)
class Spec:
    """A whole disaster-recovery spec, normalized."""

    file: str
    files: tuple[str, ...]
    metadata: Metadata
    objectives: Objectives
    regions: Regions
    deployment: Deployment
    network: Network
    database: Database | None
    """The Aurora global database; None for a service without a relational database."""
    buckets: tuple[Bucket, ...]
    tables: tuple[Table, ...]
    queues: tuple[Queue, ...]
    functions: tuple[Function, ...]
    api: Api | None
    """The public API behind a load balancer; None (with dns) for a service without one."""
    dns: Dns | None
    monitoring: Monitoring
    failover: Failover
    backup: Backup
    force_destroy: bool
    policy: Policy
    source_map: SourceMap = field(repr=False, compare=False, hash=False)

    @property
    def app(self) -> str:
        return self.metadata.app

    @property
    def environment(self) -> str:
        return self.metadata.environment

    def locate(self, *path: str | int) -> Location:
        """Where the value at `path` was written (or its closest written ancestor)."""
        return self.source_map.locate(tuple(path))

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)

    def queue(self, name: str) -> Queue:
        return next(q for q in self.queues if q.name == name)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    @property
    def failover_function(self) -> Function | None:
        """The function `failover.function` names, if the spec has it."""
        return next((f for f in self.functions if f.name == self.failover.function), None)

    @property
    def reverse_replicated_buckets(self) -> tuple[Bucket, ...]:
        """Buckets whose secondary copies replicate back to the primary all the time, so
        writes made in a secondary during a failover reach the primary at failback: compiled
        in production (a custom resource per secondary); elsewhere the runbook sets it up."""
        if not (self.metadata.production and self.regions.secondaries):
            return ()
        return tuple(b for b in self.buckets if b.replicated)

    @property
    def rotation_days(self) -> int:
        """Days between rotations of the database secret; 0: no database, or rotation off."""
        return self.database.rotation_days if self.database is not None else 0

    @property
    def health_monitor(self) -> Function | None:
        """The function publishing the custom health metrics (the probe of the primary API)."""
        return next((f for f in self.functions if f.access.metrics == "publish"), None)


def build_model(document: SourceDocument) -> Spec:
    """The normalized model of a schema-valid document."""
    data = document.data
    regions = Regions(data["regions"]["primary"], tuple(data["regions"]["secondaries"]))
    return Spec(
        file=document.file,
        files=document.files,
        metadata=_metadata(data["metadata"]),
        objectives=_objectives(data["objectives"]),
        regions=regions,
        deployment=_deployment(data["deployment"], regions),
        network=_network(data["network"], data["metadata"]["production"]),
        database=(
            _database(data["database"], data["metadata"]["production"])
            if "database" in data
            else None
        ),
        buckets=tuple(
            _bucket(b, i) for i, b in enumerate(data.get("storage", {}).get("buckets", []))
        ),
        tables=tuple(_table(t, i) for i, t in enumerate(data.get("tables", []))),
        queues=tuple(_queue(q, i) for i, q in enumerate(data.get("queues", []))),
        functions=tuple(_function(f, i) for i, f in enumerate(data.get("functions", []))),
        api=_api(data["api"]) if "api" in data else None,
        dns=_dns(data["dns"]) if "dns" in data else None,
        monitoring=_monitoring(data["monitoring"], data["metadata"]["production"]),
        failover=_failover(data.get("failover", {})),
        backup=_backup(data["backup"]),
        force_destroy=data["lifecycle"]["force_destroy"],
        policy=_policy(data.get("policy", {})),
        source_map=document.source_map,
    )


def _metadata(raw: dict[str, Any]) -> Metadata:
    return Metadata(
        raw["app"],
        raw["environment"],
        raw["production"],
        dict(raw["tags"]),
        raw.get("output", "by_environment"),
    )


def _objectives(raw: dict[str, Any]) -> Objectives:
    base = Objective(raw["rto_seconds"], raw["rpo_seconds"])
    components = {
        name: Objective(
            values.get("rto_seconds", base.rto_seconds), values.get("rpo_seconds", base.rpo_seconds)
        )
        for name, values in raw.get("components", {}).items()
    }
    return Objectives(base.rto_seconds, base.rpo_seconds, components)


def _deployment(raw: dict[str, Any], regions: Regions) -> Deployment:
    return Deployment(
        accounts=tuple(raw.get("accounts", ())),
        organizational_units=tuple(raw.get("organizational_units", ())),
        permission_model=raw["permission_model"],
        failure_tolerance=raw.get("failure_tolerance", 0),
        max_concurrent=raw.get("max_concurrent", 1),
        region_concurrency=raw.get("region_concurrency", "SEQUENTIAL"),
        administration_region=raw.get("administration_region", regions.primary),
        administration_account=raw.get("administration_account", ""),
        account_filter_type=raw.get("account_filter", {}).get("type", "NONE"),
        filter_accounts=tuple(raw.get("account_filter", {}).get("accounts", ())),
        call_as=raw.get("call_as", "SELF"),
        auto_deployment=raw.get("auto_deployment", {}).get("enabled", True),
        retain_stacks_on_account_removal=raw.get("auto_deployment", {}).get(
            "retain_stacks_on_account_removal", False
        ),
        managed_execution=raw.get("managed_execution", False),
        failure_tolerance_percentage=raw.get("failure_tolerance_percentage"),
        max_concurrent_percentage=raw.get("max_concurrent_percentage"),
    )


AUDIT_LOG_DAYS = 365
"""Production keeps a year of logs unless the spec says otherwise (PCI DSS 10.5.1, DR085)."""


def _network(raw: dict[str, Any], production: bool) -> Network:
    return Network(
        cidrs=dict(raw["cidrs"]),
        availability_zones=raw.get("availability_zones", 3),
        egress=raw.get("egress", "vpc_endpoints"),
        peering=raw.get("peering", False),
        flow_logs_retention_days=raw.get(
            "flow_logs_retention_days", AUDIT_LOG_DAYS if production else 90
        ),
    )


def _database(raw: dict[str, Any], production: bool) -> Database:
    return Database(
        engine=raw["engine"],
        engine_version=raw["engine_version"],
        min_acu=float(raw["serverless_v2"]["min_acu"]),
        max_acu=float(raw["serverless_v2"]["max_acu"]),
        credentials=raw["credentials"],
        master_username=raw.get("master_username", "dbadmin"),
        database_name=raw.get("database_name", "app"),
        backup_retention_days=raw.get("backup_retention_days", 7),
        instances_per_region=raw.get("instances_per_region", 1),
        write_forwarding=raw.get("write_forwarding", True),
        rotation_days=rotation_days(raw, production),
    )


def _bucket(raw: dict[str, Any], index: int) -> Bucket:
    replication = raw.get("replication")
    return Bucket(
        name=raw["name"],
        rtc=bool(replication and replication.get("rtc", False)),
        replicated=replication is not None,
        noncurrent_version_expiration_days=raw.get("noncurrent_version_expiration_days", 90),
        index=index,
    )


def _key(raw: dict[str, Any] | None) -> Key | None:
    return Key(raw["name"], raw["type"]) if raw else None


def _table(raw: dict[str, Any], index: int) -> Table:
    return Table(
        name=raw["name"],
        partition_key=Key(raw["partition_key"]["name"], raw["partition_key"]["type"]),
        sort_key=_key(raw.get("sort_key")),
        consistency=raw.get("consistency", "eventual"),
        index=index,
        ttl_attribute=raw.get("ttl_attribute"),
        stream=raw.get("stream", "new_and_old_images"),
        indexes=tuple(
            TableIndex(
                i["name"],
                Key(i["partition_key"]["name"], i["partition_key"]["type"]),
                _key(i.get("sort_key")),
                i.get("projection", "all"),
            )
            for i in raw.get("indexes", [])
        ),
    )


def _queue(raw: dict[str, Any], index: int) -> Queue:
    return Queue(
        name=raw["name"],
        max_receive_count=raw.get("max_receive_count", 5),
        visibility_timeout_seconds=raw.get("visibility_timeout_seconds", 30),
        retention_seconds=raw.get("retention_seconds", 345600),
        index=index,
        fifo=raw.get("fifo", False),
        content_based_deduplication=raw.get("content_based_deduplication", False),
    )


def _function(raw: dict[str, Any], index: int) -> Function:
    trigger = raw.get("trigger", {})
    access = raw.get("access", {})
    return Function(
        name=raw["name"],
        source=raw["source"].rstrip("/"),
        handler=raw["handler"],
        runtime=raw.get("runtime", DEFAULT_RUNTIME),
        memory_mb=raw.get("memory_mb", 256),
        timeout_seconds=raw.get("timeout_seconds", 15),
        vpc=raw.get("vpc", True),
        trigger_queue=trigger.get("queue"),
        batch_size=trigger.get("batch_size", 10),
        trigger_alarm=trigger.get("alarm"),
        schedule=raw.get("schedule"),
        access=Access(
            queues=dict(access.get("queues", {})),
            tables=dict(access.get("tables", {})),
            buckets=dict(access.get("buckets", {})),
            database=access.get("database"),
            alerts=access.get("alerts"),
            metrics=access.get("metrics"),
        ),
        reserved_concurrency=raw.get("reserved_concurrency"),
        index=index,
        trigger_table=trigger.get("table"),
        environment=dict(raw.get("environment", {})),
        secrets=tuple(_secret(variable, ref) for variable, ref in raw.get("secrets", {}).items()),
    )


def _secret(variable: str, raw: dict[str, str]) -> SecretRef:
    if "ssm" in raw:
        return SecretRef(variable, "ssm", raw["ssm"])
    return SecretRef(variable, "secretsmanager", raw["secretsmanager"])


def _api(raw: dict[str, Any]) -> Api:
    return Api(
        function=raw["function"],
        routes=tuple(Route(r["method"], r["path"]) for r in raw["routes"]),
        certificate_arns=dict(raw["certificate_arns"]),
        ssl_policy=raw.get("ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06"),
        waf_rate_limit=raw.get("waf", {}).get("rate_limit", 2000),
        waf_rate_window_seconds=raw.get("waf", {}).get("rate_window_seconds", 300),
    )


def _dns(raw: dict[str, Any]) -> Dns:
    check = raw["health_check"]
    protocol = check.get("protocol", "HTTPS")
    return Dns(
        zone=raw["zone"],
        record=raw["record"],
        ttl_seconds=raw.get("ttl_seconds"),
        health_check=HealthCheck(
            protocol=protocol,
            port=check.get("port", 443 if protocol == "HTTPS" else 80),
            path=check["path"],
            interval_seconds=check.get("interval_seconds", 30),
            failure_threshold=check.get("failure_threshold", 3),
        ),
        hosted_zone_id=raw.get("hosted_zone_id"),
        routing=raw.get("routing", "failover"),
    )


def _monitoring(raw: dict[str, Any], production: bool) -> Monitoring:
    alarms = raw.get("alarms", {})
    return Monitoring(
        email=tuple(raw["email"]),
        alarms=Alarms(
            replication_lag_ms=alarms.get("replication_lag_ms", 1000),
            lambda_errors=alarms.get("lambda_errors", 1),
            dlq_depth=alarms.get("dlq_depth", 1),
            period_seconds=alarms.get("period_seconds", 60),
            evaluation_periods=alarms.get("evaluation_periods", 1),
        ),
        dashboard=raw.get("dashboard", True),
        log_retention_days=raw.get("log_retention_days", AUDIT_LOG_DAYS if production else 30),
        custom_alarms=tuple(
            CustomAlarm(
                name=a["name"],
                namespace=a["namespace"],
                metric=a["metric"],
                dimensions=dict(a.get("dimensions", {})),
                statistic=a["statistic"],
                comparison=a["comparison"],
                threshold=a["threshold"],
                missing_data=a.get("missing_data", "missing"),
                index=index,
            )
            for index, a in enumerate(raw.get("custom_alarms", []))
        ),
    )


def _failover(raw: dict[str, Any]) -> Failover:
    return Failover(
        automatic=raw.get("automatic", False),
        allow_data_loss=raw.get("allow_data_loss", False),
        function=raw.get("function"),
        evaluation_periods=raw.get("evaluation_periods", 3),
        datapoints_to_alarm=raw.get("datapoints_to_alarm", 2),
        decision_seconds=raw.get("decision_seconds"),
        orchestrator=raw.get("orchestrator", "lambda"),
    )


def _backup(raw: dict[str, Any]) -> Backup:
    return Backup(
        schedule=raw["schedule"],
        retention_days=raw.get("retention_days", 35),
        copy_to_secondaries=raw.get("copy_to_secondaries", True),
        isolated_account=raw.get("isolated_copy", {}).get("account", ""),
        isolated_vault=raw.get("isolated_copy", {}).get("vault", ""),
        isolated_retention_days=raw.get("isolated_copy", {}).get(
            "retention_days", raw.get("retention_days", 35)
        ),
    )


def _policy(raw: dict[str, Any]) -> Policy:
    return Policy(
        packs=tuple(raw.get("packs", ("dr-core",))),
        waivers=tuple(
            Waiver(w["rule"], w["resource"], w["reason"], w["expires"], i)
            for i, w in enumerate(raw.get("waivers", []))
        ),
        waiver_horizon_days=raw.get("waiver_horizon_days", 365),
    )
