"""The deploy journal: a deploy with nothing to change reads no instance one by one, and
anything that may have changed an inbound value makes it read them all again."""

from __future__ import annotations

import io
import json

import pytest

from dr_compiler.deploy.aws import AwsClients
from dr_compiler.deploy.bundle import from_directory
from dr_compiler.deploy.executor import Executor
from dr_compiler.deploy.progress import LineProgress
from dr_compiler.pipeline import load_model
from tests.deploy.conftest import ACCOUNT, ADMIN_REGION, Deployment, client

pytestmark = pytest.mark.e2e

JOURNAL = "journal/payments-dev.json"
BUCKET = f"payments-artifacts-{ACCOUNT}-{ADMIN_REGION}-dev"
PER_INSTANCE = {"cloudformation:DescribeStackInstance", "cloudformation:DescribeStacks"}


def planned(deployment: Deployment) -> tuple[bool, dict[str, int]]:
    """Whether the plan changes anything, and the calls it made."""
    bundle = from_directory(load_model(deployment.spec), deployment.build_dir)
    executor = Executor(bundle, AwsClients.connect(None, ADMIN_REGION))
    changed = executor.plan().changed
    return changed, dict(executor.clients.calls.counts)


def test_the_deploy_records_what_each_stack_set_with_inbound_values_got(
    deployed: Deployment,
) -> None:
    body = client("s3").get_object(Bucket=BUCKET, Key=JOURNAL)["Body"].read()
    journal = json.loads(body)
    assert sorted(journal["stack_sets"]) == [
        "payments-global-dev",
        "payments-us-west-2-attach-dev",
    ]
    # The secondary's probe targets the primary's load balancer (DR062): that name flows.
    attach = journal["stack_sets"]["payments-us-west-2-attach-dev"]
    assert sorted(attach["sources"]) == ["payments-us-east-1-dev"]
    assert list(attach["overrides"]) == [f"{ACCOUNT}/us-west-2"]
    assert list(attach["overrides"][f"{ACCOUNT}/us-west-2"]) == ["PrimaryLoadBalancerDnsName"]


def test_an_unchanged_deployment_is_planned_without_reading_instances(
    deployed: Deployment,
) -> None:
    changed, calls = planned(deployed)
    assert not changed
    assert PER_INSTANCE.isdisjoint(calls)
    assert calls["s3:GetObject"] == 1


def test_without_the_journal_every_instance_is_read_and_the_plan_is_the_same(
    deployed: Deployment,
) -> None:
    client("s3").delete_object(Bucket=BUCKET, Key=JOURNAL)
    changed, calls = planned(deployed)
    assert not changed
    assert calls["cloudformation:DescribeStackInstance"] == 2
    assert calls["cloudformation:DescribeStacks"] >= 2


def test_a_changed_source_makes_its_consumers_read_their_instances(
    deployed: Deployment,
) -> None:
    # An operation on the primary's StackSet outside this deploy (here: a new template) changes
    # its fingerprint: the secondary's attach stack, which takes the primary's load balancer
    # name, no longer trusts its entry.
    cfn = client("cloudformation")
    source = cfn.describe_stack_set(StackSetName="payments-us-east-1-dev")["StackSet"]
    template = json.loads(source["TemplateBody"])
    template["Description"] = "changed outside dr-compiler"
    cfn.update_stack_set(
        StackSetName="payments-us-east-1-dev",
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    changed, calls = planned(deployed)
    assert changed  # the base itself differs from the build
    assert calls["cloudformation:DescribeStackInstance"] >= 1

    result = deployed.deploy()
    assert result.code == 0, result.err
    changed, calls = planned(deployed)
    assert not changed
    assert PER_INSTANCE.isdisjoint(calls)


def test_an_interrupted_deploy_leaves_no_entry_for_the_stack_set_it_was_changing(
    deployed: Deployment,
) -> None:
    bundle = from_directory(load_model(deployed.spec), deployed.build_dir)
    executor = Executor(bundle, AwsClients.connect(None, ADMIN_REGION))
    executor.journal.forget("payments-us-west-2-attach-dev")  # what deploy does before operating
    changed, calls = planned(deployed)
    assert not changed
    assert calls["cloudformation:DescribeStackInstance"] == 1
    executor.deploy(LineProgress(io.StringIO()))  # nothing to change: the entry comes back
    changed, calls = planned(deployed)
    assert PER_INSTANCE.isdisjoint(calls)
