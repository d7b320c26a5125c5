"""Table streams: the view type the spec picks, and a function triggered by the stream in the
primary stack only, with exactly the stream read permissions and a bounded retry."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from dr_compiler.cli import run
from dr_compiler.pipeline import BuildResult, build
from tests.compiler.roles import policy_statements

REPO = Path(__file__).resolve().parents[3]
WORKER_ONLY = REPO / "tests" / "fixtures" / "worker-only.yaml"
STREAM_ARN = {"Fn::GetAtt": ["OrdersTable", "StreamArn"]}


def _document() -> dict[str, Any]:
    document = yaml.safe_load(WORKER_ONLY.read_text(encoding="utf-8"))
    document["tables"][0]["stream"] = "new_image"
    document["functions"][0]["trigger"] = {"table": "orders", "batch_size": 100}
    return document


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp("streams")
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(_document(), sort_keys=False), encoding="utf-8")
    (folder / "pyproject.toml").write_text("")
    shutil.copytree(REPO / "functions" / "order_worker", folder / "functions" / "order_worker")
    result = build(spec, out_base=folder / "out")
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    return result


def _resources(result: BuildResult, stack: str) -> dict[str, Any]:
    return result.compiled.stack(stack).template["Resources"]


def test_the_table_streams_the_view_type_the_spec_asks_for(built: BuildResult) -> None:
    table = _resources(built, "eu-west-1")["OrdersTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_the_stream_invokes_the_function_in_the_primary_stack_only(built: BuildResult) -> None:
    mappings = {
        stack: {
            # Tags are the tagger's (DR095), as on every taggable resource.
            logical_id: {k: v for k, v in resource["Properties"].items() if k != "Tags"}
            for logical_id, resource in _resources(built, stack).items()
            if resource["Type"] == "AWS::Lambda::EventSourceMapping"
        }
        for stack in ("eu-west-1", "eu-west-2-attach", "eu-west-3-attach")
    }
    assert mappings == {
        "eu-west-1": {
            "OrderWorkerFunctionStreamTrigger": {
                "FunctionName": {"Ref": "OrderWorkerFunction"},
                "EventSourceArn": STREAM_ARN,
                "StartingPosition": "TRIM_HORIZON",
                "BatchSize": 100,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "BisectBatchOnFunctionError": True,
                "MaximumRetryAttempts": 3,
                "DestinationConfig": {
                    "OnFailure": {"Destination": {"Fn::GetAtt": ["OrderWorkerFailureQueue", "Arn"]}}
                },
                "Enabled": True,
            }
        },
        "eu-west-2-attach": {},
        "eu-west-3-attach": {},
    }


def _statements(result: BuildResult, stack: str) -> dict[str, Any]:
    resources = _resources(result, stack)
    return {s["Sid"]: s for s in policy_statements(resources, "OrderWorkerRole")}


def test_only_the_primary_role_reads_the_stream(built: BuildResult) -> None:
    assert _statements(built, "eu-west-1")["ReadStreamOrdersTable"] == {
        "Sid": "ReadStreamOrdersTable",
        "Effect": "Allow",
        "Action": [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        ],
        "Resource": [
            {
                "Fn::Sub": "arn:${AWS::Partition}:dynamodb:eu-west-1:${AWS::AccountId}:"
                "table/jobs-orders-test/stream/*"
            }
        ],
    }
    for stack in ("eu-west-2-attach", "eu-west-3-attach"):
        assert "ReadStreamOrdersTable" not in _statements(built, stack)


def test_primary_template_is_cfn_lint_clean(built: BuildResult) -> None:
    from cfnlint.api import ManualArgs, lint_file

    found = lint_file(built.out_dir / "eu-west-1.json", ManualArgs(regions=["eu-west-1"]))
    assert [str(match) for match in found] == []


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        (
            {"table": "order"},
            "functions[0].trigger.table: no table named 'order' (did you mean 'orders'?)",
        ),
        (
            {"table": "orders", "queue": "fulfilment"},
            "functions[0].trigger.table: a function has one event source: a queue or a table "
            "stream, not both",
        ),
    ],
)
def test_a_table_trigger_names_one_table_of_the_spec(
    tmp_path: Path, trigger: dict[str, str], message: str
) -> None:
    document = _document()
    document["functions"][0]["trigger"] = trigger
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run(["validate", str(spec)], out, err) == 1
    line = next(
        n for n, text in enumerate(spec.read_text().splitlines(), 1) if "table: order" in text
    )
    assert err.getvalue().splitlines() == [f"error: {spec}:{line}:12: {message}"]
