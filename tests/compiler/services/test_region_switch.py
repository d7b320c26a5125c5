"""The Region switch builder: the plan's steps, their order and their targets against the spec."""

from __future__ import annotations

import dataclasses
from typing import Any

from dr_compiler.compiler.services import region_switch
from dr_compiler.compiler.stage import CompiledSpec, compile_spec
from dr_compiler.model import Spec
from tests.compiler.roles import policy_statements

ACCOUNT_ARN = "arn:${AWS::Partition}:{service}:{region}:${AWS::AccountId}:{resource}"


def sub(service: str, region: str, resource: str) -> dict[str, str]:
    text = ACCOUNT_ARN.replace("{service}", service).replace("{region}", region)
    return {"Fn::Sub": text.replace("{resource}", resource)}


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return dict(compiled.stack(key).template["Resources"])


def plan(compiled: CompiledSpec) -> dict[str, Any]:
    return dict(resources(compiled, "global")[region_switch.PLAN]["Properties"])


def recompiled(compiled: CompiledSpec, **failover: Any) -> CompiledSpec:
    spec: Spec = compiled.spec
    changed = dataclasses.replace(spec, failover=dataclasses.replace(spec.failover, **failover))
    return compile_spec(changed, compiled.artifact_keys)


def steps(compiled: CompiledSpec) -> dict[str, list[tuple[str, str]]]:
    """Per activated region, the (name, block type) of each step in order."""
    return {
        w["WorkflowTargetRegion"]: [(s["Name"], s["ExecutionBlockType"]) for s in w["Steps"]]
        for w in plan(compiled)["Workflows"]
    }


def test_staging_plan_spans_its_regions_in_the_global_stack(compiled_staging: CompiledSpec) -> None:
    props = plan(compiled_staging)
    assert resources(compiled_staging, "global")[region_switch.PLAN]["Type"] == (
        "AWS::ARCRegionSwitch::Plan"
    )
    assert props["Name"] == "payments-failover-staging"
    assert props["Regions"] == ["us-east-1", "us-west-2"]
    assert props["PrimaryRegion"] == "us-east-1"
    assert props["RecoveryApproach"] == "activePassive"
    # objectives.rto_seconds 300 -> 5 minutes
    assert props["RecoveryTimeObjectiveMinutes"] == 5
    assert props["ExecutionRole"] == {"Fn::GetAtt": [region_switch.EXECUTION_ROLE, "Arn"]}
    for key in ("us-east-1", "us-west-2-base", "us-west-2-attach"):
        assert region_switch.PLAN not in resources(compiled_staging, key)


def test_an_automatic_lossy_plan_promotes_then_moves_dns(compiled_staging: CompiledSpec) -> None:
    assert steps(compiled_staging) == {
        "us-west-2": [
            ("promote-database", "AuroraGlobalDatabase"),
            ("shift-dns", "Route53HealthCheck"),
        ],
        "us-east-1": [
            ("promote-database", "AuroraGlobalDatabase"),
            ("shift-dns", "Route53HealthCheck"),
        ],
    }
    failover, failback = plan(compiled_staging)["Workflows"]
    assert failover["WorkflowTargetAction"] == failback["WorkflowTargetAction"] == "activate"
    aurora = failover["Steps"][0]["ExecutionBlockConfiguration"]["GlobalAuroraConfig"]
    # allow_data_loss: toward the secondary the block may fail over (a trigger cannot ask
    # for an ungraceful execution); back toward the primary it only switches over.
    assert aurora == {
        "Behavior": "failover",
        "GlobalClusterIdentifier": "payments-global-staging",
        "DatabaseClusterArns": [
            sub("rds", "us-east-1", "cluster:payments-db-us-east-1-staging"),
            sub("rds", "us-west-2", "cluster:payments-db-us-west-2-staging"),
        ],
    }
    back = failback["Steps"][0]["ExecutionBlockConfiguration"]["GlobalAuroraConfig"]
    assert back == {**aurora, "Behavior": "switchoverOnly"}
    workflow = failover
    dns = workflow["Steps"][1]["ExecutionBlockConfiguration"]["Route53HealthCheckConfig"]
    records = {
        r["Properties"]["SetIdentifier"]: r["Properties"]["Name"]
        for r in resources(compiled_staging, "global").values()
        if r["Type"] == "AWS::Route53::RecordSet"
    }
    assert dns == {
        "HostedZoneId": {"Ref": "HostedZone"},
        "RecordName": "api.staging.payments.acmecorp.net",
        "RecordSets": [
            {"RecordSetIdentifier": "primary-us-east-1", "Region": "us-east-1"},
            {"RecordSetIdentifier": "secondary-us-west-2", "Region": "us-west-2"},
        ],
    }
    assert set(records) == {"primary-us-east-1", "secondary-us-west-2"}
    assert set(records.values()) == {"api.staging.payments.acmecorp.net."}


def test_without_data_loss_the_plan_only_switches_over(compiled_staging: CompiledSpec) -> None:
    lossless = recompiled(compiled_staging, allow_data_loss=False)
    for workflow in plan(lossless)["Workflows"]:
        aurora = workflow["Steps"][0]["ExecutionBlockConfiguration"]["GlobalAuroraConfig"]
        assert aurora["Behavior"] == "switchoverOnly"
        assert "Ungraceful" not in aurora
    promote = next(
        s
        for s in policy_statements(resources(lossless, "global"), region_switch.EXECUTION_ROLE)
        if s["Sid"] == "PromoteGlobalDatabase"
    )
    assert promote["Action"] == ["rds:SwitchoverGlobalCluster"]


def test_a_manual_plan_asks_for_approval_first(compiled_staging: CompiledSpec) -> None:
    manual = recompiled(compiled_staging, automatic=False, decision_seconds=120)
    assert steps(manual)["us-west-2"] == [
        ("approve-failover", "ManualApproval"),
        ("promote-database", "AuroraGlobalDatabase"),
        ("shift-dns", "Route53HealthCheck"),
    ]
    approval = plan(manual)["Workflows"][0]["Steps"][0]["ExecutionBlockConfiguration"]
    assert approval == {
        "ExecutionApprovalConfig": {
            "ApprovalRole": {"Fn::GetAtt": [region_switch.APPROVAL_ROLE, "Arn"]}
        }
    }
    (statement,) = policy_statements(resources(manual, "global"), region_switch.APPROVAL_ROLE)
    assert statement["Action"] == ["arc-region-switch:ApprovePlanExecutionStep"]
    assert statement["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:arc-region-switch::${AWS::AccountId}:"
            "plan/payments-failover-staging:*"
        }
    ]
    # A person decides, but the secondary's alarm still starts the plan (and pages).
    assert plan(manual)["Triggers"][0]["TargetRegion"] == "us-west-2"
    assert region_switch.APPROVAL_ROLE not in resources(compiled_staging, "global")


def test_the_trigger_is_the_secondary_probe_alarm(compiled_staging: CompiledSpec) -> None:
    props = plan(compiled_staging)
    name = "payments-failover-trigger-us-west-2-staging"
    assert props["AssociatedAlarms"] == {
        name: {
            "AlarmType": "trigger",
            "ResourceIdentifier": sub("cloudwatch", "us-west-2", f"alarm:{name}"),
        }
    }
    assert props["Triggers"] == [
        {
            "Action": "activate",
            "TargetRegion": "us-west-2",
            "Conditions": [{"AssociatedAlarmName": name, "Condition": "red"}],
            "MinDelayMinutesBetweenExecutions": region_switch.TRIGGER_MIN_DELAY_MINUTES,
            "Description": "us-west-2's probe of the us-east-1 API fails",
        }
    ]
    attach = resources(compiled_staging, "us-west-2-attach")
    alarm = attach["FailoverTriggerAlarm"]["Properties"]
    assert alarm["AlarmName"] == name
    assert (alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (2, 3)
    # The plan reads the alarm itself: no topic, subscription or permission to a function.
    assert alarm["AlarmActions"] == [
        {"Fn::ImportValue": "payments-us-west-2-base-staging-AlertTopic"}
    ]
    assert not {"FailoverTopic", "FailoverTopicSubscription"} & set(attach)
    assert not {"FailoverTopic", "FailoverTopicSubscription"} & set(
        resources(compiled_staging, "global")
    )
    requires = {(r.source.key, r.reason) for r in compiled_staging.stack("global").requires}
    assert (
        "us-west-2-attach",
        "the plan's trigger is us-west-2's FailoverTriggerAlarm, created by that stack",
    ) in requires


def test_the_execution_role_holds_what_each_step_needs(compiled_staging: CompiledSpec) -> None:
    role = resources(compiled_staging, "global")[region_switch.EXECUTION_ROLE]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "arc-region-switch.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    granted = {
        s["Sid"]: (s["Action"], s["Resource"])
        for s in policy_statements(
            resources(compiled_staging, "global"), region_switch.EXECUTION_ROLE
        )
    }
    database = [
        {
            "Fn::Sub": "arn:${AWS::Partition}:rds::${AWS::AccountId}:"
            "global-cluster:payments-global-staging"
        },
        sub("rds", "us-east-1", "cluster:payments-db-us-east-1-staging"),
        sub("rds", "us-west-2", "cluster:payments-db-us-west-2-staging"),
    ]
    assert granted == {
        "DescribeGlobalDatabase": (
            ["rds:DescribeGlobalClusters", "rds:DescribeDBClusters"],
            database,
        ),
        "PromoteGlobalDatabase": (
            ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
            database,
        ),
        "ReadFailoverRecords": (
            ["route53:ListResourceRecordSets"],
            [
                {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:route53:::hostedzone/${Zone}",
                        {"Zone": {"Ref": "HostedZone"}},
                    ]
                }
            ],
        ),
        "ReadTriggerAlarm": (
            ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"],
            [sub("cloudwatch", "us-west-2", "alarm:payments-failover-trigger-us-west-2-staging")],
        ),
        "StartOnTrigger": (
            ["arc-region-switch:StartPlanExecution"],
            [
                {
                    "Fn::Sub": "arn:${AWS::Partition}:arc-region-switch::${AWS::AccountId}:"
                    "plan/payments-failover-staging:*"
                }
            ],
        ),
        "WriteReports": (
            ["s3:PutObject"],
            [
                {
                    "Fn::Sub": "arn:${AWS::Partition}:s3:::"
                    "payments-plan-reports-${AWS::AccountId}-us-west-2-staging/*"
                }
            ],
        ),
        "EncryptReports": (
            ["kms:GenerateDataKey", "kms:Encrypt"],
            [{"Ref": region_switch.REPORT_KEY_PARAMETER}],
        ),
    }


def test_reports_go_to_a_protected_bucket_in_the_secondary(compiled_staging: CompiledSpec) -> None:
    report = plan(compiled_staging)["ReportConfiguration"]["ReportOutput"][0]["S3Configuration"]
    name = "payments-plan-reports-${AWS::AccountId}-us-west-2-staging"
    assert report == {"BucketOwner": {"Ref": "AWS::AccountId"}, "BucketPath": {"Fn::Sub": name}}
    base = resources(compiled_staging, "us-west-2-base")
    bucket = base[region_switch.REPORT_BUCKET]
    assert bucket["Properties"]["BucketName"] == {"Fn::Sub": name}
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(bucket["Properties"]["PublicAccessBlockConfiguration"].values()) == {True}
    # staging force-destroys: the base stack's emptier empties the report bucket too.
    emptier = base[f"{region_switch.REPORT_BUCKET}Emptier"]
    assert emptier["DependsOn"] == [region_switch.REPORT_BUCKET]
    key = [
        i
        for i in compiled_staging.stack("global").inbound
        if i.parameter == region_switch.REPORT_KEY_PARAMETER
    ]
    assert [(i.source.key, i.output) for i in key] == [("us-west-2-base", "KmsKeyArn")]


def test_the_lambda_orchestrator_compiles_no_plan(compiled_prod: CompiledSpec) -> None:
    for stack in compiled_prod.stacks:
        kinds = {r["Type"] for r in stack.template["Resources"].values()}
        assert "AWS::ARCRegionSwitch::Plan" not in kinds
        assert region_switch.REPORT_BUCKET not in stack.template["Resources"]
