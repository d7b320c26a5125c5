"""destroy: refused where the spec forbids it; otherwise everything compiled goes, in reverse."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dr_compiler.cli import run
from tests.deploy.conftest import ACCOUNT, REGIONS, Deployment, build, client
from tests.deploy.moto_compat import adapt_build

REPO = Path(__file__).resolve().parents[2]


def destroy(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["destroy", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_production_spec_is_never_destroyed() -> None:
    code, _, err = destroy(str(REPO / "specs" / "prod.yaml"), "--yes")
    assert code == 1
    assert "refusing to destroy a production deployment (metadata.production)" in err


def test_a_spec_without_force_destroy_is_not_destroyed(tmp_path: Path) -> None:
    spec = tmp_path / "kept.yaml"
    spec.write_text(f"extends: {REPO / 'specs' / 'dev.yaml'}\nlifecycle:\n  force_destroy: false\n")
    code, _, err = destroy(str(spec), "--yes")
    assert code == 1
    assert "lifecycle.force_destroy is false" in err


def test_destroy_asks_for_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask
    code, _, err = destroy(str(REPO / "specs" / "dev.yaml"))
    assert code == 2
    assert "Pass --yes to confirm" in err


class ClosedTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_end_of_input_at_the_prompt_is_not_a_confirmation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", ClosedTerminal(""))  # Ctrl-D at the prompt
    code, _, err = destroy(str(REPO / "specs" / "dev.yaml"))
    assert (code, err) == (2, "error: dr-compiler: not confirmed; nothing was changed\n")


@pytest.mark.e2e
def test_destroy_deletes_every_stack_set_and_its_resources(deployment: Deployment) -> None:
    # moto never deletes a route table it created from a template, and so cannot delete the
    # VPC either: this test deploys the templates without route tables (moto_compat rule 8).
    build(deployment.spec, deployment.build_dir.parent)
    adapt_build(deployment.build_dir, deletable=True)
    assert deployment.bootstrap().code == 0
    assert deployment.deploy().code == 0

    result = deployment.cli("destroy", str(deployment.spec), "--yes")

    assert result.code == 0, result.err
    assert "destroyed: 4 StackSets deleted, 0 already absent (4 StackSet operations)" in result.out
    order = [line for line in result.out.splitlines() if line.startswith("wave ")]
    assert order == [
        "wave 4: payments-global-dev",
        "wave 3: payments-us-west-2-attach-dev",
        "wave 2: payments-us-east-1-dev",
        "wave 1: payments-us-west-2-base-dev",
    ]
    cfn = client("cloudformation")
    for name in ("payments-global-dev", "payments-us-east-1-dev"):
        with pytest.raises(cfn.exceptions.StackSetNotFoundException):
            cfn.describe_stack_set(StackSetName=name)
    for region in REGIONS:
        assert client("sqs", region).list_queues().get("QueueUrls", []) == []
        assert [
            f["FunctionName"] for f in client("lambda", region).list_functions()["Functions"]
        ] == []
        vpcs = client("ec2", region).describe_vpcs()["Vpcs"]
        assert [v["CidrBlock"] for v in vpcs if not v["IsDefault"]] == []
    # (moto's CloudFormation never deletes a hosted zone it created, so the zone is not checked.)
    # What bootstrap made stays, as `cdk destroy` leaves the bootstrap stack.
    assert sorted(b["Name"] for b in client("s3").list_buckets()["Buckets"]) == [
        f"payments-artifacts-{ACCOUNT}-{region}-dev" for region in REGIONS
    ]

    again = deployment.cli("destroy", str(deployment.spec), "--yes")
    assert again.code == 0, again.err
    assert "destroyed: 0 StackSets deleted, 4 already absent" in again.out
