"""Specs of other shapes than payments: no database, no public API, three secondaries.

Each validates, builds cfn-lint clean in its own regions, and DNS (when the spec has an API)
reaches every secondary in order.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from dr_compiler.cli import run
from dr_compiler.objectives.estimators import estimate
from dr_compiler.objectives.paths import trigger_paths
from dr_compiler.pipeline import BuildResult, build, load_model
from dr_compiler.runbook import render_runbook
from tests.compiler.roles import policy_statements
from tests.compiler.services.test_route53 import dns_answers
from tests.specbuild import ORDERS_SPEC, write_spec

REPO = ORDERS_SPEC.parents[2]

WORKER_ONLY = Path(__file__).parent / "fixtures" / "worker-only.yaml"

CERT = "arn:aws:acm:{region}:111111111111:certificate/2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e{n:02d}"
SECONDARIES = ("us-west-2", "us-east-2", "ca-central-1")
THREE_SECONDARIES: dict[str, Any] = {
    "regions": {"primary": "us-east-1", "secondaries": list(SECONDARIES)},
    "network": {
        "cidrs": {region: f"10.{n}.0.0/16" for n, region in enumerate(("us-east-1", *SECONDARIES))}
    },
    "api": {
        "certificate_arns": {
            region: CERT.format(region=region, n=n)
            for n, region in enumerate(("us-east-1", *SECONDARIES))
        }
    },
}


def _lint(result: BuildResult) -> dict[str, list[str]]:
    from cfnlint.api import ManualArgs, lint_file

    manifest = json.loads(result.files["manifest.json"])
    problems = {}
    for stack_set in manifest["stack_sets"]:
        found = lint_file(
            result.out_dir / stack_set["template"], ManualArgs(regions=stack_set["regions"])
        )
        problems[stack_set["template"]] = [str(match) for match in found]
    return problems


@pytest.fixture(scope="module", params=["worker-only", "dynamodb-only", "three-secondaries"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp(request.param)
    spec = {
        "worker-only": WORKER_ONLY,
        "dynamodb-only": ORDERS_SPEC,
        "three-secondaries": None,
    }[request.param] or write_spec(folder, THREE_SECONDARIES)
    result = build(spec, out_base=folder / "out")
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    return result


def test_builds_cfn_lint_clean(built: BuildResult) -> None:
    problems = _lint(built)
    assert problems and {name: found for name, found in problems.items() if found} == {}


def test_dns_reaches_every_secondary(built: BuildResult) -> None:
    spec = built.spec
    if spec.dns is None:
        assert "global.json" not in built.files or b"AWS::Route53" not in built.files["global.json"]
        return
    regions = spec.regions.all
    for down in range(len(regions)):
        healthy = set(regions[down:])
        expected = f"LoadBalancerDnsName{regions[down].title().replace('-', '')}"
        assert dns_answers(built.compiled, healthy) == expected


def test_a_worker_only_service_has_no_load_balancer_dns_or_probe() -> None:
    spec = load_model(WORKER_ONLY)
    assert (spec.api, spec.dns, spec.database) == (None, None, None)
    assert [p.name for p in trigger_paths(spec)] == [
        "a person, paged by the service's alarms (no health check)"
    ]
    assert "dns" not in [e.label for e in estimate(spec)]
    runbook = render_runbook(spec)
    assert "aws sqs get-queue-url --region eu-west-2 --queue-name jobs-fulfilment-test" in runbook
    assert "route53" not in runbook and "aws rds" not in runbook


def _invalid(tmp_path: Path, change: dict[str, Any]) -> str:
    document = yaml.safe_load(WORKER_ONLY.read_text(encoding="utf-8"))
    for key, value in change.items():
        section, _, field = key.partition(".")
        if field:
            document[section][field] = value
        else:
            document[section] = value
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run(["validate", str(path)], out, err) == 1
    return err.getvalue()


def test_without_an_api_nothing_automatic_may_start_a_failover(tmp_path: Path) -> None:
    err = _invalid(tmp_path, {"failover.automatic": True})
    assert "failover.automatic: a spec without api and dns has no health check" in err


def test_api_and_dns_go_together(tmp_path: Path) -> None:
    dns = {"zone": "jobs.acmecorp.net", "record": "api", "health_check": {"path": "/health"}}
    err = _invalid(tmp_path, {"dns": dns})
    assert "'api' is a dependency of 'dns'" in err


def test_a_fifo_queue_triggers_batches_of_at_most_ten(tmp_path: Path) -> None:
    document = yaml.safe_load(WORKER_ONLY.read_text(encoding="utf-8"))
    document["queues"][0]["fifo"] = True
    document["functions"][0]["trigger"]["batch_size"] = 11
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run(["validate", str(path)], out, err) == 1
    assert (
        "functions[0].trigger.batch_size: queue fulfilment is FIFO: Lambda takes at most 10 "
        "messages per batch from it"
    ) in err.getvalue()


def test_deduplication_only_on_a_fifo_queue(tmp_path: Path) -> None:
    err = _invalid(
        tmp_path, {"queues": [{"name": "fulfilment", "content_based_deduplication": True}]}
    )
    assert (
        "queues[0].content_based_deduplication: deduplication is a FIFO queue's: set fifo: true "
        "or remove it"
    ) in err


def test_a_slow_decision_without_an_api_is_advised_only_a_faster_decision(
    tmp_path: Path,
) -> None:
    err = _invalid(tmp_path, {"failover.decision_seconds": 600})
    assert (
        "DR090 failover: computed RTO 600 s (a person decides within 600 s (declared)) exceeds "
        "the objective of 300 s by 300 s: lower failover.decision_seconds (600)\n"
    ) in err


def test_python_3_14_compiles_cfn_lint_clean(tmp_path: Path) -> None:
    from cfnlint.api import ManualArgs, lint_file

    document = yaml.safe_load(WORKER_ONLY.read_text(encoding="utf-8"))
    document["functions"][0]["runtime"] = "python3.14"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("")
    shutil.copytree(REPO / "functions" / "order_worker", tmp_path / "functions" / "order_worker")
    result = build(spec, out_base=tmp_path / "out")
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    primary = result.compiled.stack("eu-west-1").template["Resources"]
    assert primary["OrderWorkerFunction"]["Properties"]["Runtime"] == "python3.14"
    found = lint_file(result.out_dir / "eu-west-1.json", ManualArgs(regions=["eu-west-1"]))
    assert [str(match) for match in found] == []


def test_a_table_with_ttl_and_an_index_compiles_cfn_lint_clean(tmp_path: Path) -> None:
    from cfnlint.api import ManualArgs, lint_file

    document = yaml.safe_load(WORKER_ONLY.read_text(encoding="utf-8"))
    document["tables"][0].update(
        consistency="eventual",
        ttl_attribute="expires_at",
        indexes=[
            {"name": "by-sku", "partition_key": {"name": "sku", "type": "S"}},
            {
                "name": "by-order",
                "partition_key": {"name": "order_id", "type": "S"},
                "sort_key": {"name": "created", "type": "N"},
                "projection": "keys_only",
            },
        ],
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("")
    shutil.copytree(REPO / "functions" / "order_worker", tmp_path / "functions" / "order_worker")
    result = build(spec, out_base=tmp_path / "out")
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    resources = result.compiled.stack("eu-west-1").template["Resources"]
    table = resources["OrdersTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["AttributeDefinitions"] == [
        {"AttributeName": "order_id", "AttributeType": "S"},
        {"AttributeName": "sku", "AttributeType": "S"},
        {"AttributeName": "created", "AttributeType": "N"},
    ]
    assert table["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "by-sku",
            "KeySchema": [{"AttributeName": "sku", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": "by-order",
            "KeySchema": [
                {"AttributeName": "order_id", "KeyType": "HASH"},
                {"AttributeName": "created", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
    ]
    policy = json.dumps(policy_statements(resources, "OrderWorkerRole"))
    assert "table/jobs-orders-test/index/*" in policy
    found = lint_file(result.out_dir / "eu-west-1.json", ManualArgs(regions=["eu-west-1"]))
    assert [str(match) for match in found] == []
