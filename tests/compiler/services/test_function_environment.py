"""The spec's function environment and secrets: literal variables, secret ARNs per region,
the role reading exactly those secrets, and the VPC endpoints that reach them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from dr_compiler.pipeline import BuildResult, build
from tests.compiler.roles import policy_statements

REPO = Path(__file__).resolve().parents[3]
WORKER_ONLY = REPO / "tests" / "fixtures" / "worker-only.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp("secrets")
    document = yaml.safe_load(WORKER_ONLY.read_text(encoding="utf-8"))
    document["functions"][0]["environment"] = {
        "LOG_LEVEL": "INFO",
        "CARRIER_URL": "https://carrier.test/v1",
    }
    document["functions"][0]["secrets"] = {
        "CARRIER_SECRET_ARN": {"secretsmanager": "orders/carrier-api"},
        "RATES_PARAMETER_ARN": {"ssm": "/orders/shipping/rates"},
    }
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (folder / "pyproject.toml").write_text("")
    shutil.copytree(REPO / "functions" / "order_worker", folder / "functions" / "order_worker")
    result = build(spec, out_base=folder / "out")
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    return result


def _resources(result: BuildResult, stack: str) -> dict[str, Any]:
    return result.compiled.stack(stack).template["Resources"]


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


@pytest.mark.parametrize(
    "stack, region", [("eu-west-1", "eu-west-1"), ("eu-west-2-attach", "eu-west-2")]
)
def test_variables_hold_literals_and_each_regions_secret_arns(
    built: BuildResult, stack: str, region: str
) -> None:
    variables = _resources(built, stack)["OrderWorkerFunction"]["Properties"]["Environment"][
        "Variables"
    ]
    spec_variables = {
        k: v
        for k, v in variables.items()
        if k in ("LOG_LEVEL", "CARRIER_URL", "CARRIER_SECRET_ARN", "RATES_PARAMETER_ARN")
    }
    assert spec_variables == {
        "LOG_LEVEL": "INFO",
        "CARRIER_URL": "https://carrier.test/v1",
        "CARRIER_SECRET_ARN": _sub(
            f"arn:${{AWS::Partition}}:secretsmanager:{region}:${{AWS::AccountId}}:"
            "secret:orders/carrier-api"
        ),
        "RATES_PARAMETER_ARN": _sub(
            f"arn:${{AWS::Partition}}:ssm:{region}:${{AWS::AccountId}}:"
            "parameter/orders/shipping/rates"
        ),
    }


@pytest.mark.parametrize(
    "stack, region", [("eu-west-1", "eu-west-1"), ("eu-west-2-attach", "eu-west-2")]
)
def test_role_reads_exactly_the_named_secrets_in_its_region(
    built: BuildResult, stack: str, region: str
) -> None:
    resources = _resources(built, stack)
    statements = {s["Sid"]: s for s in policy_statements(resources, "OrderWorkerRole")}
    assert statements["ReadSecretCarrierSecretArn"] == {
        "Sid": "ReadSecretCarrierSecretArn",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [
            _sub(
                f"arn:${{AWS::Partition}}:secretsmanager:{region}:${{AWS::AccountId}}:"
                "secret:orders/carrier-api-??????"
            )
        ],
    }
    assert statements["ReadSecretRatesParameterArn"] == {
        "Sid": "ReadSecretRatesParameterArn",
        "Effect": "Allow",
        "Action": ["ssm:GetParameter"],
        "Resource": [
            _sub(
                f"arn:${{AWS::Partition}}:ssm:{region}:${{AWS::AccountId}}:"
                "parameter/orders/shipping/rates"
            )
        ],
    }


@pytest.mark.parametrize("stack", ["eu-west-1", "eu-west-2-base", "eu-west-3-base"])
def test_a_vpc_function_reaches_secrets_manager_and_ssm_through_endpoints(
    built: BuildResult, stack: str
) -> None:
    endpoints = {
        logical_id
        for logical_id, resource in _resources(built, stack).items()
        if resource["Type"] == "AWS::EC2::VPCEndpoint"
    }
    assert {"SecretsmanagerVpcEndpoint", "SsmVpcEndpoint"} <= endpoints


def test_templates_are_cfn_lint_clean(built: BuildResult) -> None:
    from cfnlint.api import ManualArgs, lint_file

    for name in ("eu-west-1.json", "eu-west-2-base.json", "eu-west-2-attach.json"):
        region = name.split(".")[0].removesuffix("-attach").removesuffix("-base")
        found = lint_file(built.out_dir / name, ManualArgs(regions=[region]))
        assert [str(match) for match in found] == [], name
