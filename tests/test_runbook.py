"""The generated runbook: every manual step has its command and the spec line it comes from."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from dr_compiler.pipeline import build, load_model
from dr_compiler.runbook import render_runbook
from tests.specbuild import PROD_SPEC

BASE = PROD_SPEC.parent / "base.yaml"


def base_line(text: str) -> int:
    """The 1-based line of base.yaml that starts with `text` (after indentation)."""
    lines = BASE.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(text))


def steps(markdown: str) -> list[tuple[str, str, list[str]]]:
    """(title, spec location, commands) of every numbered step."""
    found = []
    for block in re.split(r"^### ", markdown, flags=re.MULTILINE)[1:]:
        title = block.splitlines()[0]
        location = re.search(r"^From `([^`]+)`", block, flags=re.MULTILINE)
        commands = re.search(r"```sh\n(.*?)```", block, flags=re.DOTALL)
        assert location and commands, title
        found.append((title, location.group(1), commands.group(1).splitlines()))
    return found


def test_prod_runbook_lists_every_manual_step_with_command_and_spec_line() -> None:
    found = steps(render_runbook(load_model(PROD_SPEC)))
    assert [(title, where) for title, where, _ in found] == [
        (
            "1. See which cluster is the writer",
            f"specs/base.yaml:{base_line('engine: aurora-postgresql')}",
        ),
        (
            "2. Promote us-west-2 with failover-trigger",
            f"specs/base.yaml:{base_line('function: failover-trigger')}",
        ),
        (
            "3. Check that the promoted cluster in us-west-2 takes the secret's password",
            f"specs/base.yaml:{base_line('rotation_days: 30')}",
        ),
        (
            "4. Make the database secret writable in us-west-2 (only if us-east-1 stays down)",
            f"specs/base.yaml:{base_line('credentials: generated')}",
        ),
        (
            "5. Check that bucket documents replicates back to us-east-1",
            f"specs/base.yaml:{base_line('replication: {rtc: true}')}",
        ),
        (
            "6. Wait until bucket documents has replicated back to us-east-1",
            f"specs/base.yaml:{base_line('replication: {rtc: true}')}",
        ),
        (
            "7. Switch the writer back to us-east-1",
            f"specs/base.yaml:{base_line('primary: us-east-1')}",
        ),
        (
            "8. Replicate the database secret from us-east-1 again",
            f"specs/base.yaml:{base_line('credentials: generated')}",
        ),
        (
            "9. Rotate the database secret in us-east-1 now",
            f"specs/base.yaml:{base_line('rotation_days: 30')}",
        ),
    ]
    commands = {title: lines for title, _, lines in found}
    assert commands["2. Promote us-west-2 with failover-trigger"][0].startswith(
        "aws lambda invoke --region us-west-2 --function-name payments-failover-trigger-prod "
    )
    assert commands[
        "4. Make the database secret writable in us-west-2 (only if us-east-1 stays down)"
    ] == [
        "aws secretsmanager stop-replication-to-replica --region us-west-2 "
        "--secret-id payments-db-credentials-prod"
    ]
    # Production compiles the reverse replication: the runbook checks it, waits for it to
    # drain before failback, and never deletes it.
    assert commands["5. Check that bucket documents replicates back to us-east-1"] == [
        "aws s3api get-bucket-replication --region us-west-2 "
        '--bucket "payments-documents-${ACCOUNT_ID}-us-west-2-prod" '
        "--query 'ReplicationConfiguration.Rules[].[ID,Status]'"
    ]
    dimensions = (
        "--dimensions Name=SourceBucket,Value=payments-documents-${ACCOUNT_ID}-us-west-2-prod "
        "Name=DestinationBucket,Value=payments-documents-${ACCOUNT_ID}-us-east-1-prod "
        "Name=RuleId,Value=replicate-to-us-east-1"
    )
    pending, failed = commands["6. Wait until bucket documents has replicated back to us-east-1"]
    assert pending.startswith(
        "aws cloudwatch get-metric-statistics --region us-west-2 --namespace AWS/S3 "
        f"--metric-name OperationsPendingReplication {dimensions} --statistics Maximum "
    )
    assert failed.startswith(
        "aws cloudwatch get-metric-statistics --region us-west-2 --namespace AWS/S3 "
        f"--metric-name OperationsFailedReplication {dimensions} --statistics Sum "
    )
    assert commands["3. Check that the promoted cluster in us-west-2 takes the secret's password"][
        1
    ] == (
        "aws rds modify-db-cluster --region us-west-2 --db-cluster-identifier "
        "payments-db-us-west-2-prod --apply-immediately --master-user-password "
        '"$(aws secretsmanager get-secret-value --region us-west-2 --secret-id '
        "payments-db-credentials-prod --query SecretString --output text | python3 -c "
        '\'import json, sys; print(json.load(sys.stdin)["password"])\')"'
    )
    assert commands["9. Rotate the database secret in us-east-1 now"] == [
        "aws secretsmanager rotate-secret --region us-east-1 "
        "--secret-id payments-db-credentials-prod"
    ]
    assert all(
        line.startswith(("aws ", "cat ", "{", "}", " ", "EOF", ")")) or line == ""
        for _, _, lines in found
        for line in lines
    )


def test_a_manual_failover_without_a_function_promotes_through_rds() -> None:
    spec = load_model(PROD_SPEC)
    manual = dataclasses.replace(
        spec, failover=dataclasses.replace(spec.failover, automatic=False, function=None)
    )
    markdown = render_runbook(manual)
    promote = next(s for s in steps(markdown) if s[0] == "2. Promote us-west-2")
    assert promote[2] == [
        "aws rds failover-global-cluster --region us-west-2 "
        "--global-cluster-identifier payments-global-prod --target-db-cluster-identifier "
        "arn:aws:rds:us-west-2:${ACCOUNT_ID}:cluster:payments-db-us-west-2-prod --allow-data-loss"
    ]
    assert "starts by itself" not in markdown


def test_the_runbook_says_how_the_api_reaches_the_database_with_and_without_forwarding() -> None:
    spec = load_model(PROD_SPEC)
    forwarding = (
        "the API connects only to its own region's cluster: the writer endpoint where that "
        "cluster is the writer, else the reader endpoint, which forwards writes to the writer "
        "(global write forwarding), and it follows a promotion by itself"
    )
    assert forwarding in render_runbook(spec)
    off = dataclasses.replace(
        spec, database=dataclasses.replace(spec.database, write_forwarding=False)
    )
    markdown = render_runbook(off)
    assert forwarding not in markdown
    assert (
        "without write forwarding (database.write_forwarding: false) a secondary's API is "
        "unhealthy until its cluster is promoted, and healthy after without a redeploy"
    ) in markdown


def test_build_writes_the_runbook_with_the_templates(tmp_path: Path) -> None:
    result = build(PROD_SPEC, out_base=tmp_path)
    written = (tmp_path / "prod" / "runbook.md").read_bytes()
    assert written == result.files["runbook.md"] == render_runbook(result.spec).encode()


def test_a_region_switch_runbook_runs_the_plan_instead_of_the_promotion_commands() -> None:
    staging = load_model(PROD_SPEC.parent / "staging.yaml")
    markdown = render_runbook(staging)
    found = steps(markdown)
    titles = [title for title, _, _ in found]
    assert titles[:3] == [
        "1. See which cluster is the writer",
        "2. Activate us-west-2 with the Region switch plan",
        "3. Check what moves DNS",
    ]
    _, where, commands = found[1]
    staging_file = PROD_SPEC.parent / "staging.yaml"
    line = next(
        i
        for i, text in enumerate(staging_file.read_text().splitlines(), 1)
        if text.strip().startswith("orchestrator:")
    )
    assert where == f"specs/staging.yaml:{line}"
    assert commands == [
        "PLAN_ARN=$(aws arc-region-switch list-plans-in-region --region us-west-2 "
        "--query \"plans[?name=='payments-failover-staging'].arn\" --output text)",
        'aws arc-region-switch list-plan-executions --region us-west-2 --plan-arn "$PLAN_ARN"',
        "EXECUTION_ID=$(aws arc-region-switch start-plan-execution --region us-west-2 "
        '--plan-arn "$PLAN_ARN" --target-region us-west-2 --action activate --mode graceful '
        "--comment 'describe the outage' --query executionId --output text)",
        "aws arc-region-switch get-plan-execution --region us-west-2 "
        '--plan-arn "$PLAN_ARN" --execution-id "$EXECUTION_ID"',
    ]
    failback = next(c for t, _, c in found if "Activate us-east-1 again" in t)
    assert failback[-1] == (
        'aws arc-region-switch start-plan-execution --region us-east-1 --plan-arn "$PLAN_ARN" '
        "--target-region us-east-1 --action activate --mode graceful --comment 'failback'"
    )
    # The plan covers the promotion and the switchover back: no manual RDS or Lambda call.
    assert "aws lambda invoke" not in markdown
    assert "switchover-global-cluster" not in markdown
    assert "failover-global-cluster --region" not in markdown


def test_a_manual_region_switch_plan_waits_for_an_approval() -> None:
    staging = load_model(PROD_SPEC.parent / "staging.yaml")
    manual = dataclasses.replace(
        staging, failover=dataclasses.replace(staging.failover, automatic=False)
    )
    found = steps(render_runbook(manual))
    title, _, commands = found[2]
    assert title == "3. Approve the promotion"
    assert commands == [
        "aws arc-region-switch approve-plan-execution-step --region us-west-2 --plan-arn "
        '"$PLAN_ARN" --execution-id "$EXECUTION_ID" --step-name approve-failover '
        "--approval approve",
    ]


def test_without_rotation_the_runbook_has_no_rotation_steps() -> None:
    spec = load_model(PROD_SPEC)
    off = dataclasses.replace(spec, database=dataclasses.replace(spec.database, rotation_days=0))
    markdown = render_runbook(off)
    assert [
        title for title, _, _ in steps(markdown) if "otate" in title or "password" in title
    ] == []
    assert "does not rotate" not in markdown


def test_a_stream_consumer_is_said_to_run_in_the_primary_only() -> None:
    spec = load_model(PROD_SPEC)
    processor = dataclasses.replace(
        spec.function("payment-processor"), trigger_queue=None, trigger_table="transactions"
    )
    functions = tuple(processor if f.name == processor.name else f for f in spec.functions)
    runbook = render_runbook(dataclasses.replace(spec, functions=functions))
    assert (
        "payment-processor consumes table transactions's stream in us-east-1 only: changes "
        "made while that region is down reach its stream when replication resumes (records "
        "are kept 24 hours), so they are handled late, not lost, and not twice."
    ) in runbook
    assert "consumes table" not in render_runbook(spec)


def test_forcing_dns_by_hand_says_how_latency_routing_answers() -> None:
    orders = load_model(PROD_SPEC.parent / "orders" / "prod.yaml")
    failover = render_runbook(orders)
    latency = render_runbook(
        dataclasses.replace(orders, dns=dataclasses.replace(orders.dns, routing="latency"))
    )
    assert "answers with the next region in the failover chain." in failover
    assert "and leaves it out of its latency answers." in latency
    assert "failover chain" not in latency


def test_outside_production_the_runbook_writes_and_removes_the_reverse_replication() -> None:
    spec = load_model(PROD_SPEC)
    staging = dataclasses.replace(
        spec, metadata=dataclasses.replace(spec.metadata, production=False)
    )
    assert staging.reverse_replicated_buckets == ()
    commands = {title: lines for title, _, lines in steps(render_runbook(staging))}
    replication = "\n".join(
        commands["5. Replicate bucket documents back to us-east-1 once it answers again"]
    )
    assert replication.startswith(
        "aws s3api put-bucket-replication --region us-west-2 "
        '--bucket "payments-documents-${ACCOUNT_ID}-us-west-2-prod"'
    )
    assert '"Role": "arn:aws:iam::${ACCOUNT_ID}:role/payments-replication-us-west-2-prod"' in (
        replication
    )
    assert commands["9. Stop replicating bucket documents back from us-west-2"] == [
        "aws s3api delete-bucket-replication --region us-west-2 "
        '--bucket "payments-documents-${ACCOUNT_ID}-us-west-2-prod"'
    ]
    assert not any("get-metric-statistics" in line for lines in commands.values() for line in lines)
