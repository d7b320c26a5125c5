"""deploy end to end: real StackSet calls against a moto server, through the command line.

What moto 5.2 does not do, and so these tests do not check (see moto_compat for the resources
it cannot create):
- StackSet operations: moto runs them synchronously and reports every one SUCCEEDED at once;
  it ignores OperationPreferences; an instance that fails comes back as an error of the
  CreateStackInstances call itself (tests/deploy/test_operations.py covers real AWS's
  asynchronous FAILED results with recorded responses).
- UpdateStackSet stores the new template but updates no instance's stack, and
  UpdateStackInstances only records new parameter values: a changed resource is checked in
  the StackSet's template, not in the resource.
- DynamoDB global tables, Aurora, alarms, backup, secrets, queue and bucket policies, SNS
  subscriptions: not created (no moto CloudFormation model).
"""

from __future__ import annotations

import io
import json

import pytest

from tests.deploy.conftest import ACCOUNT, Deployment, client

pytestmark = pytest.mark.e2e

STACK_SETS = {
    "payments-us-west-2-base-dev": "us-west-2",
    "payments-us-east-1-dev": "us-east-1",
    "payments-us-west-2-attach-dev": "us-west-2",
    "payments-global-dev": "us-east-1",
}
FUNCTIONS = ("payment-api", "payment-processor", "health-monitor", "failover-trigger")
QUEUE_WITH_240 = """queues:
  - name: payments
    max_receive_count: 5
    visibility_timeout_seconds: 240
"""


def operation_counts() -> dict[str, int]:
    cfn = client("cloudformation")
    counts = {}
    for name in STACK_SETS:
        try:
            counts[name] = len(cfn.list_stack_set_operations(StackSetName=name)["Summaries"])
        except cfn.exceptions.StackSetNotFoundException:
            counts[name] = 0
    return counts


def vpc_id(region: str, cidr: str) -> str:
    vpcs = client("ec2", region).describe_vpcs(Filters=[{"Name": "cidr", "Values": [cidr]}])
    (vpc,) = vpcs["Vpcs"]
    return str(vpc["VpcId"])


def overrides(stack_set: str, region: str) -> dict[str, str]:
    instance = client("cloudformation").describe_stack_instance(
        StackSetName=stack_set, StackInstanceAccount=ACCOUNT, StackInstanceRegion=region
    )["StackInstance"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in instance["ParameterOverrides"]}


def assert_fully_deployed() -> None:
    """What an uninterrupted deploy leaves: every StackSet, instance and resource in place."""
    cfn = client("cloudformation")
    for name, region in STACK_SETS.items():
        assert cfn.describe_stack_set(StackSetName=name)["StackSet"]["Status"] == "ACTIVE"
        instances = cfn.list_stack_instances(StackSetName=name)["Summaries"]
        assert [(i["Account"], i["Region"], i["Status"]) for i in instances] == [
            (ACCOUNT, region, "CURRENT")
        ]
    for region in ("us-east-1", "us-west-2"):
        queues = client("sqs", region).list_queues()["QueueUrls"]
        assert {url.rsplit("/", 1)[1] for url in queues} >= {
            "payments-payments-dev",
            "payments-payments-dlq-dev",
        }
        functions = {
            f["FunctionName"] for f in client("lambda", region).list_functions()["Functions"]
        }
        assert functions >= {f"payments-{f}-dev" for f in FUNCTIONS}
        topics = {
            t["TopicArn"].rsplit(":", 1)[1] for t in client("sns", region).list_topics()["Topics"]
        }
        assert f"payments-alerts-{region}-dev" in topics
        kms = client("kms", region)
        aliases = {a["AliasName"]: a["TargetKeyId"] for a in kms.list_aliases()["Aliases"]}
        key = aliases[f"alias/payments-{region}-dev"]
        assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert {f"payments-documents-{ACCOUNT}-{r}-dev" for r in ("us-east-1", "us-west-2")} <= buckets
    zones = client("route53").list_hosted_zones()["HostedZones"]
    assert [z["Name"].rstrip(".") for z in zones] == ["dev.payments.acmecorp.net"]
    # Values flow between waves as parameter overrides, read from the earlier waves' outputs.
    assert overrides("payments-us-east-1-dev", "us-east-1") == {}  # no peering (DR054)
    (west_alb,) = client("elbv2", "us-west-2").describe_load_balancers()["LoadBalancers"]
    assert (
        overrides("payments-global-dev", "us-east-1")["LoadBalancerDnsNameUsWest2"]
        == (west_alb["DNSName"])
    )


def test_a_changed_spec_value_is_planned_exactly_and_deployed(deployed: Deployment) -> None:
    deployed.rebuild(QUEUE_WITH_240)
    before = operation_counts()

    plan = json.loads(deployed.plan("--format", "json").out)
    changes = [
        (s["name"], e["name"], c["path"], c["old"], c["new"])
        for s in plan["stack_sets"]
        for e in s["template"]
        for c in e["changes"]
    ]
    assert changes == [
        ("payments-us-east-1-dev", "PaymentsQueue", "Properties.VisibilityTimeout", 180, 240),
        (
            "payments-us-west-2-attach-dev",
            "PaymentsQueue",
            "Properties.VisibilityTimeout",
            180,
            240,
        ),
    ]
    assert plan["summary"] == {"create": 0, "update": 2, "unchanged": 2}
    text = deployed.plan().out
    assert "      ~ PaymentsQueue (AWS::SQS::Queue)\n" in text
    assert "          Properties.VisibilityTimeout: 180 → 240\n" in text

    result = deployed.deploy()
    assert result.code == 0, result.err
    assert "deployed: 0 created, 2 updated, 2 unchanged" in result.out
    assert "payments-us-east-1-dev 123456789012/us-east-1: succeeded (UpdateStackSet)" in result.out
    after = operation_counts()
    assert {n: after[n] - before[n] for n in STACK_SETS} == {
        "payments-us-west-2-base-dev": 0,
        "payments-us-east-1-dev": 1,
        "payments-us-west-2-attach-dev": 1,
        "payments-global-dev": 0,
    }
    # moto's UpdateStackSet keeps the new template but leaves the instance's queue as it was,
    # so the StackSet's template is where the applied change shows.
    for name in ("payments-us-east-1-dev", "payments-us-west-2-attach-dev"):
        body = client("cloudformation").describe_stack_set(StackSetName=name)["StackSet"]
        queue = json.loads(body["TemplateBody"])["Resources"]["PaymentsQueue"]
        assert queue["Properties"]["VisibilityTimeout"] == 240
    assert "No changes" in deployed.plan().out


def test_a_failed_instance_stops_the_deploy_before_the_next_wave(deployment: Deployment) -> None:
    # A certificate the account does not have: moto's ALB listener refuses it, so the primary
    # region's stack instance fails. moto reports it as an error of CreateStackInstances and
    # leaves the half-made stack behind (it has no rollback), so this failure cannot be resumed
    # in moto; the next test resumes from a failure moto can recover from.
    certificates = deployment.certificates()
    certificates["us-east-1"] = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0000-missing"
    deployment.rebuild(certificates=certificates)
    assert deployment.bootstrap().code == 0

    # The preflight would refuse the missing certificate before any operation
    # (tests/deploy/test_preflight.py): skip it to see how a failed instance is handled.
    result = deployment.deploy("--skip-preflight")

    assert result.code == 1
    assert (
        "wave 2: payments-us-east-1-dev failed in account 123456789012 region us-east-1: "
        "CreateStackInstances: Supplied certificate was not found"
    ) in result.err
    assert "waves before 2 are deployed" in result.err
    assert operation_counts() == {
        "payments-us-west-2-base-dev": 1,
        "payments-us-east-1-dev": 0,
        "payments-us-west-2-attach-dev": 0,
        "payments-global-dev": 0,
    }


def test_deploy_resumes_after_a_failed_wave(deployment: Deployment) -> None:
    assert deployment.bootstrap().code == 0
    # The primary region's artifact bucket is gone, so its Lambda code cannot be put there.
    s3 = client("s3")
    bucket = f"payments-artifacts-{ACCOUNT}-us-east-1-dev"
    versions = s3.list_object_versions(Bucket=bucket)
    for version in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)

    failed = deployment.deploy()

    assert failed.code == 1
    assert (
        "wave 2: payments-us-east-1-dev failed in account 123456789012 region us-east-1: "
        f"artifact bucket {bucket} does not exist"
    ) in failed.err
    assert operation_counts()["payments-us-west-2-base-dev"] == 1
    assert operation_counts()["payments-us-east-1-dev"] == 0

    s3.create_bucket(Bucket=bucket)  # the fix: the bucket is back
    resumed = deployment.deploy()

    assert resumed.code == 0, resumed.err
    assert "deployed: 3 created, 0 updated, 1 unchanged" in resumed.out
    assert_fully_deployed()
    # Exactly the operations of an uninterrupted deploy: one per StackSet, none repeated.
    assert operation_counts() == dict.fromkeys(STACK_SETS, 1)
    assert "No changes" in deployment.plan().out


def test_a_plan_that_removes_resources_needs_confirmation(
    deployed: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed.rebuild("monitoring:\n  dashboard: false\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask

    refused = deployed.deploy()

    assert refused.code == 2
    assert "      - DisasterRecoveryDashboard (AWS::CloudWatch::Dashboard)\n" in refused.out
    assert "This plan removes resources or stack instances. Pass --yes to confirm" in refused.err
    assert operation_counts() == dict.fromkeys(STACK_SETS, 1)

    confirmed = deployed.deploy("--yes")

    assert confirmed.code == 0, confirmed.err
    assert "deployed: 0 created, 1 updated, 3 unchanged" in confirmed.out
