"""The failover as an AWS ARC Region switch plan (`failover.orchestrator: region_switch`).

What AWS documents, and how it shapes this module:

- A plan is a partition-global resource (its ARN, `arn:aws:arc-region-switch::<account>:
  plan/<name>:<suffix>`, has no region) spanning exactly two Regions (`Regions`: fixed 2
  items, API_Plan: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Plan.html).
  So the plan covers the primary and the first secondary, and a spec with more secondaries
  cannot use it (DR065). Its control plane (CreatePlan, UpdatePlan, DeletePlan) is served
  from the partition's leader region (botocore's arc-region-switch endpoint rules route those
  operations, and only those, to `arc-region-switch-control-plane.<implicitGlobalRegion>`:
  us-east-1 in the aws partition); executions, approvals and trigger evaluation run on the
  data plane of each Region ("a data plane in each AWS Region",
  https://docs.aws.amazon.com/r53recovery/latest/dg/region-switch.html).
- Hence the stack: the plan lives in the global stack (us-east-1), next to the hosted zone
  and records it names, because the plan's CloudFormation handler calls that control plane
  whichever stack holds it, and because the global stack is the last wave: the global
  cluster and both member clusters (primary and attach stacks) and the secondary's trigger
  alarm (attach stack) exist before the plan names them. The plan reads them by computable
  names, so no value flows; a `Requires` on the secondary's attach stack states the order.
- Workflow (objectives.plan.plan_steps is the one description of it): a ManualApproval step when
  a person decides (`failover.automatic: false`); the AuroraGlobalDatabase step, whose
  `switchoverOnly` behavior calls SwitchoverGlobalCluster (no data loss, needs the primary)
  and `failover` calls FailoverGlobalCluster with AllowDataLoss (API_GlobalAuroraConfiguration:
  https://docs.aws.amazon.com/arc-region-switch/latest/api/API_GlobalAuroraConfiguration.html):
  `failover` only toward the secondary and only with `allow_data_loss`
  (`lossy_promotion`), `switchoverOnly` otherwise and always for failback; then the
  Route53HealthCheck step for the API's failover records (its hosted zone, record name and
  the record sets' identifiers mapped to Regions,
  https://docs.aws.amazon.com/r53recovery/latest/dg/route53-health-check-block.html).
  DynamoDB global tables and replicated buckets need no step: every region already serves
  them (DR065 checks that each global table has a replica in both of the plan's Regions,
  DR040 that each bucket replicates to the secondary). Lambda functions have no capacity to
  scale (Region switch's scaling blocks are for EC2 Auto Scaling, ECS, EKS and Aurora
  capacity), and both regions compile the same Aurora Serverless v2 range, so no scaling
  step either. Nothing the plan needs is beyond Region
  switch's own blocks, so there is no custom Lambda step.
- Not expressible today: the Route53HealthCheck block *creates* Route 53 health checks that
  must then be attached to the records ("which you then attach to Route 53 DNS records",
  the page above). CloudFormation exposes their ids only after the plan exists, as the
  read-only `PlanHealthChecks` list with no region per id (cfn-lint's schema; the per-region
  `HealthChecksForPlan` is an object cfn-lint refuses as a string and `Route53HealthChecks`
  is deprecated), so the records keep the endpoint health checks of route53.py, which move
  DNS on their own from Route 53's data plane. runbook.md says how to attach the plan's.
- Triggers: CloudWatch alarms associated with the plan (type `trigger`) whose state `red`
  starts `activate` toward a target Region (API_Trigger:
  https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Trigger.html). The trigger is
  the secondary's own FailoverTriggerAlarm (its probe of the primary API, M-of-N evidence,
  DR063): the outside view, evaluated where the failover goes (DR066).
- Execution role: trusted by `arc-region-switch.amazonaws.com`
  (https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_trust_policy.html),
  holding exactly what each block's documented sample policy lists, scoped to this plan's
  resources: Aurora (security_iam_region_switch_aurora.html), Route 53
  (security_iam_region_switch_route53.html), triggers and reports (cloudwatch:DescribeAlarms
  on the trigger alarm, s3:PutObject into the report bucket, kms:GenerateDataKey and
  kms:Encrypt on its key, security_iam_region_switch_reports.html). The approval role holds
  arc-region-switch:ApprovePlanExecutionStep on this plan only
  (security_iam_region_switch_manual_approval.html). The plan's ARN ends in a suffix AWS
  picks, so statements name `plan/<name>:*`.
- Reports: `ReportConfiguration` writes a report after each execution to one S3 location
  (ReportOutput: exactly one item). The bucket lives in the base stack of the Region the
  plan fails over to (a report of a failover away from the primary must land where the
  failover goes), encrypted with that Region's key, versioned, TLS-only, public access
  blocked; the key's ARN reaches the global stack as a parameter from that stack's output.
- Quotas and availability: cfn-lint's resource data lists AWS::ARCRegionSwitch::Plan in every
  commercial region it ships (not in the China regions); RecoveryTimeObjectiveMinutes takes 1
  to 10080; a trigger takes 1 to 10 conditions; the plan name is 1 to 32 characters of
  `[a-zA-Z0-9-]` (DR002 keeps it there).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeAlias

from awacs import arc_region_switch, cloudwatch, s3
from awacs import kms as kms_actions
from awacs import rds as rds_actions
from awacs import route53 as route53_actions
from awacs.aws import Allow, Condition, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AccountId, AWSObject, GetAtt, Output, Ref, Sub, arcregionswitch
from troposphere.s3 import Bucket

from dr_compiler import blocks
from dr_compiler.compiler import iam, naming
from dr_compiler.compiler.context import (
    Inbound,
    Phase,
    Requires,
    Sourced,
    StackContext,
    StackId,
    sourced,
)
from dr_compiler.compiler.services import access_logs, failover, kms, route53
from dr_compiler.compiler.services import s3 as s3_buckets
from dr_compiler.model import Spec
from dr_compiler.objectives.plan import PlanStep, plan_objective_minutes, plan_steps

PLAN = "RegionSwitchPlan"
EXECUTION_ROLE = "RegionSwitchExecutionRole"
APPROVAL_ROLE = "RegionSwitchApprovalRole"
REPORT_BUCKET = "RegionSwitchReportBucket"
REPORT_KEY_PARAMETER = "RegionSwitchReportKeyArn"
SERVICE = "arc-region-switch.amazonaws.com"
TRIGGER_MIN_DELAY_MINUTES = 60
"""One automatic execution an hour at most: a flapping trigger alarm cannot start a second
failover while the first one's DNS and database settle."""

Item: TypeAlias = AWSObject | Output | Inbound | Requires | Sourced


def has_report_bucket(ctx: StackContext) -> bool:
    """The report bucket lives in the base stack of the Region the plan fails over to: the
    report of a failover away from the primary must land in a Region that survives it, and
    that stack already owns the Region's key (and, with force_destroy, its bucket emptier)."""
    spec = ctx.spec
    return (
        spec.failover.region_switch
        and ctx.phase is Phase.BASE
        and ctx.region == plan_regions(spec)[1]
    )


def report_bucket_name(spec: Spec, region: str) -> str:
    return naming.physical_name(spec, "plan-reports", region=region, account=True)


def plan_name(spec: Spec) -> str:
    return naming.physical_name(spec, "failover")


def plan_arn_pattern(spec: Spec) -> Sub:
    """Every version of this plan: its ARN ends in a suffix AWS chooses at creation."""
    return Sub(
        f"arn:${{AWS::Partition}}:arc-region-switch::${{AWS::AccountId}}:plan/{plan_name(spec)}:*"
    )


def plan_regions(spec: Spec) -> tuple[str, str]:
    """(primary, the secondary the plan activates): a plan spans exactly two Regions."""
    return route53.failover_regions(spec)


def trigger_alarm_arn(spec: Spec) -> Sub:
    _, secondary = plan_regions(spec)
    name = failover.trigger_alarm_name(spec, secondary)
    return naming.arn("cloudwatch", secondary, f"alarm:{name}")


def build(ctx: StackContext) -> Iterator[Item]:
    spec = ctx.spec
    if has_report_bucket(ctx):
        yield from sourced(
            [_report_bucket(ctx), s3_buckets.tls_only(REPORT_BUCKET)], "failover", "orchestrator"
        )
        yield Output(
            "RegionSwitchReportBucketName",
            Value=Ref(REPORT_BUCKET),
            Description="Region switch execution reports",
        )
    if ctx.phase is not Phase.GLOBAL or not spec.failover.region_switch:
        return
    _, secondary = plan_regions(spec)
    triggered = spec.health_monitor is not None
    steps = plan_steps(spec)
    yield Inbound(
        REPORT_KEY_PARAMETER,
        StackId(Phase.BASE, secondary),
        kms.KEY_ARN_OUTPUT,
        f"{secondary}'s customer key, which encrypts the plan's execution reports",
    )
    yield from sourced(_execution_role(ctx, steps, triggered), "failover", "orchestrator")
    if not spec.failover.automatic:
        yield from sourced(_approval_role(spec), "failover", "automatic")
    yield from sourced([_plan(ctx, steps, triggered)], "failover", "orchestrator")
    if triggered:
        yield Requires(
            StackId(Phase.ATTACH, secondary),
            f"the plan's trigger is {secondary}'s FailoverTriggerAlarm, created by that stack",
        )
    yield Output("RegionSwitchPlanArn", Value=GetAtt(PLAN, "Arn"), Description="Failover plan")


def _plan(ctx: StackContext, steps: tuple[PlanStep, ...], triggered: bool) -> arcregionswitch.Plan:
    spec = ctx.spec
    primary, secondary = plan_regions(spec)
    optional: dict[str, object] = {}
    if triggered:
        alarm_name = failover.trigger_alarm_name(spec, secondary)
        optional["AssociatedAlarms"] = {
            alarm_name: arcregionswitch.AssociatedAlarm(
                AlarmType="trigger", ResourceIdentifier=trigger_alarm_arn(spec)
            )
        }
        optional["Triggers"] = [
            arcregionswitch.Trigger(
                Action="activate",
                TargetRegion=secondary,
                Conditions=[
                    arcregionswitch.TriggerCondition(
                        AssociatedAlarmName=alarm_name, Condition="red"
                    )
                ],
                MinDelayMinutesBetweenExecutions=TRIGGER_MIN_DELAY_MINUTES,
                Description=f"{secondary}'s probe of the {primary} API fails",
            )
        ]
    return arcregionswitch.Plan(
        PLAN,
        Name=plan_name(spec),
        Description=f"{spec.app} {spec.environment}: fail over from {primary} to {secondary}",
        ExecutionRole=GetAtt(EXECUTION_ROLE, "Arn"),
        RecoveryApproach="activePassive",
        Regions=[primary, secondary],
        PrimaryRegion=primary,
        RecoveryTimeObjectiveMinutes=plan_objective_minutes(spec),
        Workflows=[
            # Failover activates the secondary; failback is the same steps toward the primary.
            arcregionswitch.Workflow(
                WorkflowTargetAction="activate",
                WorkflowTargetRegion=region,
                WorkflowDescription=f"Activate {region}",
                Steps=[_step(ctx, step, region) for step in steps],
            )
            for region in (secondary, primary)
        ],
        ReportConfiguration=arcregionswitch.ReportConfiguration(
            ReportOutput=[
                arcregionswitch.ReportOutputConfiguration(
                    S3Configuration=arcregionswitch.S3ReportOutputConfiguration(
                        BucketOwner=AccountId,
                        BucketPath=naming.cfn(report_bucket_name(spec, secondary)),
                    )
                )
            ]
        ),
        **optional,
    )


def _step(ctx: StackContext, step: PlanStep, activated: str) -> arcregionswitch.Step:
    configuration = {
        "approval": _approval_block,
        "database": _database_block,
        "dns": _dns_block,
    }[step.component](ctx, activated)
    return arcregionswitch.Step(
        Name=step.name,
        ExecutionBlockType=step.block,
        ExecutionBlockConfiguration=configuration,
        Description=step.figure.note,
    )


def _approval_block(
    ctx: StackContext, activated: str
) -> arcregionswitch.ExecutionBlockConfiguration:
    return arcregionswitch.ExecutionBlockConfiguration(
        ExecutionApprovalConfig=arcregionswitch.ExecutionApprovalConfiguration(
            ApprovalRole=GetAtt(APPROVAL_ROLE, "Arn")
        )
    )


def lossy_promotion(spec: Spec, activated: str) -> bool:
    """Whether activating `activated` may fail over with data loss: toward the secondary,
    with allow_data_loss. A trigger cannot choose the execution mode (API_Trigger has no
    mode), so an automatic failover that must work with the primary gone needs `failover` as
    the block's behavior, which "might cause data loss, including during graceful
    execution" (API_GlobalAuroraConfiguration). Failback toward the primary, planned while
    both Regions answer, only ever switches over."""
    return spec.failover.allow_data_loss and activated != spec.regions.primary


def _database_block(
    ctx: StackContext, activated: str
) -> arcregionswitch.ExecutionBlockConfiguration:
    spec = ctx.spec
    aurora = arcregionswitch.GlobalAuroraConfiguration(
        GlobalClusterIdentifier=naming.global_cluster_identifier(spec),
        DatabaseClusterArns=[naming.cluster_arn(spec, region) for region in plan_regions(spec)],
    )
    # troposphere 4.11 types Behavior as a dict (the provider schema wraps the enum in an
    # allOf); the property is the string enum switchoverOnly | failover, so set it directly.
    lossy = lossy_promotion(spec, activated)
    aurora.properties["Behavior"] = "failover" if lossy else "switchoverOnly"
    return arcregionswitch.ExecutionBlockConfiguration(GlobalAuroraConfig=aurora)


def _dns_block(ctx: StackContext, activated: str) -> arcregionswitch.ExecutionBlockConfiguration:
    spec = ctx.spec
    assert spec.dns is not None, "the schema stage refuses a Region switch plan without dns"
    primary, secondary = plan_regions(spec)
    return arcregionswitch.ExecutionBlockConfiguration(
        Route53HealthCheckConfig=arcregionswitch.Route53HealthCheckConfiguration(
            HostedZoneId=route53.zone_id(spec),
            RecordName=spec.dns.fqdn,
            RecordSets=[
                arcregionswitch.Route53ResourceRecordSet(
                    RecordSetIdentifier=route53.set_identifier(failover_kind, region),
                    Region=region,
                )
                for failover_kind, region in (("PRIMARY", primary), ("SECONDARY", secondary))
            ],
        )
    )


def _execution_role(
    ctx: StackContext, steps: tuple[PlanStep, ...], triggered: bool
) -> list[AWSObject]:
    spec = ctx.spec
    components = {step.component for step in steps}
    statements = []
    if "database" in components:
        clusters = [naming.cluster_arn(spec, region) for region in plan_regions(spec)]
        global_cluster = naming.global_cluster_arn(spec)
        statements += [
            iam.allow(
                "DescribeGlobalDatabase",
                [rds_actions.DescribeGlobalClusters, rds_actions.DescribeDBClusters],
                [global_cluster, *clusters],
            ),
            iam.allow(
                "PromoteGlobalDatabase",
                [
                    rds_actions.SwitchoverGlobalCluster,
                    # Only a block that may fail over calls FailoverGlobalCluster.
                    *([rds_actions.FailoverGlobalCluster] if spec.failover.allow_data_loss else []),
                ],
                [global_cluster, *clusters],
            ),
        ]
    if "dns" in components:
        zone = Sub("arn:${AWS::Partition}:route53:::hostedzone/${Zone}", Zone=route53.zone_id(spec))
        statements.append(
            iam.allow("ReadFailoverRecords", [route53_actions.ListResourceRecordSets], [zone])
        )
    if triggered:
        statements.append(
            iam.allow(
                "ReadTriggerAlarm",
                [cloudwatch.DescribeAlarms, cloudwatch.DescribeAlarmHistory],
                [trigger_alarm_arn(spec)],
            )
        )
        statements.append(
            iam.allow(
                "StartOnTrigger", [arc_region_switch.StartPlanExecution], [plan_arn_pattern(spec)]
            )
        )
    _, secondary = plan_regions(spec)
    reports = naming.arn("s3", "", f"{report_bucket_name(spec, secondary)}/*", account=False)
    statements += [
        iam.allow("WriteReports", [s3.PutObject], [reports]),
        iam.allow(
            "EncryptReports",
            [kms_actions.GenerateDataKey, kms_actions.Encrypt],
            [Ref(REPORT_KEY_PARAMETER)],
        ),
    ]
    return iam.role_with_policy(
        EXECUTION_ROLE,
        statements,
        RoleName=naming.physical_name(spec, "region-switch"),
        AssumeRolePolicyDocument=_trust(),
    )


def _trust() -> object:
    """Region switch assumes the role for this account's plans only (aws:SourceAccount)."""
    return iam.policy(
        [
            Statement(
                Effect=Allow,
                Principal=Principal("Service", SERVICE),
                Action=[AssumeRole],
                Condition=Condition(StringEquals("aws:SourceAccount", AccountId)),
            )
        ]
    )


def _approval_role(spec: Spec) -> list[AWSObject]:
    """The role on-call assumes to approve (or decline) the promotion of a manual failover."""
    return iam.role_with_policy(
        APPROVAL_ROLE,
        [
            iam.allow(
                "ApproveFailover",
                [arc_region_switch.ApprovePlanExecutionStep],
                [plan_arn_pattern(spec)],
            )
        ],
        RoleName=naming.physical_name(spec, "region-switch-approver"),
        AssumeRolePolicyDocument=iam.policy(
            [
                Statement(
                    Effect=Allow,
                    Principal=Principal("AWS", naming.arn("iam", "", "root")),
                    Action=[AssumeRole],
                )
            ]
        ),
    )


def _report_bucket(ctx: StackContext) -> Bucket:
    return Bucket(
        REPORT_BUCKET,
        BucketName=naming.cfn(report_bucket_name(ctx.spec, ctx.region)),
        # The report bucket lives in a base stack, beside the region's log bucket (DR085).
        LoggingConfiguration=access_logs.server_access_logging("region-switch-reports"),
        # Execution reports are audit records: kept as long as the spec keeps logs.
        LifecycleConfiguration=access_logs.log_lifecycle(ctx.spec.monitoring.log_retention_days),
        **s3_buckets.protected_bucket(ctx),
        **ctx.data_policies(blocks.s3.BUCKET),
    )
