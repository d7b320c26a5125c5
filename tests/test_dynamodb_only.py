"""A service without a relational database (no `database` section): the orders example.

Its failover is DNS alone; nothing of Aurora is compiled, estimated, drawn or written in the
runbook, and nothing may ask for database access.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from dr_compiler.cli import run
from dr_compiler.objectives.estimators import estimate
from dr_compiler.objectives.paths import trigger_paths
from dr_compiler.pipeline import build, load_model
from dr_compiler.runbook import render_runbook
from tests.compiler.services.test_route53 import dns_answers
from tests.specbuild import ORDERS_SPEC

REPO = ORDERS_SPEC.parents[2]


@pytest.fixture(scope="module")
def orders_build(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build(ORDERS_SPEC, out_base=tmp_path_factory.mktemp("out"))


def test_no_database_section_compiles_no_aurora_and_no_database_port(orders_build) -> None:  # type: ignore[no-untyped-def]
    types = {
        resource["Type"]
        for stack in orders_build.compiled.stacks
        for resource in stack.template["Resources"].values()
    }
    assert not {t for t in types if t.startswith("AWS::RDS::")}
    assert "AWS::DynamoDB::GlobalTable" in types
    primary = orders_build.compiled.stack("eu-west-1").template["Resources"]
    assert "LambdaToDatabaseEgress" not in primary
    assert "DatabaseSecurityGroup" not in primary
    assert "ReplicationLagAlarm" not in primary
    selection = primary["BackupSelection"]["Properties"]["BackupSelection"]["Resources"]
    log_bucket = "aws-waf-logs-orders-${AWS::AccountId}-eu-west-1-prod"
    # The table, and the access-log bucket of the API (DR085), backed up as audit records.
    assert selection == [
        {"Fn::GetAtt": ["OrdersTable", "Arn"]},
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::" + log_bucket},
    ]


def test_the_failover_is_dns_alone() -> None:
    spec = load_model(ORDERS_SPEC)
    assert [p.name for p in trigger_paths(spec)] == ["Route53 DNS failover on its health check"]
    components = [e.label for e in estimate(spec)]
    assert "database" not in components
    failover = next(e for e in estimate(spec) if e.label == "failover")
    assert [f.name for f in failover.rto_steps] == ["detection", "traffic shift"]
    assert [f.seconds for f in failover.rpo] == [0.0]


def test_runbook_moves_dns_and_never_calls_rds() -> None:
    runbook = render_runbook(load_model(ORDERS_SPEC))
    assert "aws rds" not in runbook
    assert "secretsmanager" not in runbook
    assert "## After" not in runbook  # no replicated bucket: nothing to do after the failover
    assert "--inverted" in runbook and "--no-inverted" in runbook
    assert "orders-health-check-eu-west-1-prod" in runbook


def test_database_access_without_a_database_is_a_located_error(tmp_path: Path) -> None:
    document = yaml.safe_load(ORDERS_SPEC.with_name("base.yaml").read_text(encoding="utf-8"))
    document["functions"][0]["access"]["database"] = "connect"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(["validate", str(spec)], out, err)
    assert code == 1
    line, column = next(
        (i, text.index("connect") + 1)
        for i, text in enumerate(spec.read_text(encoding="utf-8").splitlines(), 1)
        if "database: connect" in text
    )
    assert (
        f"error: {spec}:{line}:{column}: functions[0].access.database: the spec has no "
        "database section; remove this access or add a database"
    ) in err.getvalue()


def test_a_build_never_replaces_another_apps_output(tmp_path: Path) -> None:
    """Two apps writing templates_out/<env>/: the second is refused, the first's output kept."""
    document = yaml.safe_load(ORDERS_SPEC.with_name("base.yaml").read_text(encoding="utf-8"))
    del document["metadata"]["output"]
    document["metadata"]["environment"] = "dev"
    for name in ("order_api", "order_worker"):
        shutil.copytree(REPO / "functions" / name, tmp_path / "functions" / name)
    (tmp_path / "pyproject.toml").write_text("")
    orders = tmp_path / "orders.yaml"
    orders.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out_base = tmp_path / "templates_out"
    payments = build(REPO / "specs" / "dev.yaml", out_base=out_base)
    before = (payments.out_dir / "manifest.json").read_bytes()
    out, err = io.StringIO(), io.StringIO()
    code = run(["build", str(orders), "--output-dir", str(out_base)], out, err)
    assert code == 2, err.getvalue()
    assert err.getvalue().startswith(
        f"error: {out_base / 'dev'}: holds the build of app payments, not orders: set "
        "metadata.output: by_app"
    )
    assert (payments.out_dir / "manifest.json").read_bytes() == before
    assert json.loads(before)["app"] == "payments"


def test_dns_reaches_every_region_of_the_orders_example(orders_build) -> None:  # type: ignore[no-untyped-def]
    compiled = orders_build.compiled
    assert dns_answers(compiled, {"eu-west-1", "eu-west-2", "eu-west-3"}) == (
        "LoadBalancerDnsNameEuWest1"
    )
    assert dns_answers(compiled, {"eu-west-2", "eu-west-3"}) == "LoadBalancerDnsNameEuWest2"
    assert dns_answers(compiled, {"eu-west-3"}) == "LoadBalancerDnsNameEuWest3"
