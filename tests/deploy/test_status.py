"""status: the stack instances of every StackSet; drift detection where the endpoint has it."""

from __future__ import annotations

import json

import pytest

from dr_compiler.deploy.plan import Target
from dr_compiler.deploy.status import InstanceStatus, drifted, render, render_json
from tests.deploy.conftest import Deployment


def test_render_aligns_columns_and_leaves_out_empty_ones() -> None:
    rows = [
        InstanceStatus(
            1,
            "payments-us-west-2-base-dev",
            Target("123456789012", "us-west-2"),
            "CURRENT",
            "SUCCEEDED",
        ),
        InstanceStatus(4, "payments-global-dev", None, "NOT DEPLOYED"),
    ]
    assert render(rows).splitlines() == [
        "wave  StackSet                     account       region     status        detail",
        "1     payments-us-west-2-base-dev  123456789012  us-west-2  CURRENT       SUCCEEDED",
        "4     payments-global-dev                                   NOT DEPLOYED",
    ]


def test_drifted() -> None:
    target = Target("123456789012", "us-east-1")
    assert drifted([InstanceStatus(1, "s", target, "CURRENT", drift="DRIFTED")])
    assert not drifted([InstanceStatus(1, "s", target, "CURRENT", drift="IN_SYNC")])


@pytest.mark.e2e
def test_status_lists_every_instance_and_what_is_not_deployed(deployment: Deployment) -> None:
    assert deployment.bootstrap().code == 0
    before = deployment.cli("status", str(deployment.spec))
    assert before.code == 0, before.err
    assert [line.split()[1:] for line in before.out.splitlines()[1:]] == [
        ["payments-us-west-2-base-dev", "NOT", "DEPLOYED"],
        ["payments-us-east-1-dev", "NOT", "DEPLOYED"],
        ["payments-us-west-2-attach-dev", "NOT", "DEPLOYED"],
        ["payments-global-dev", "NOT", "DEPLOYED"],
    ]

    assert deployment.deploy().code == 0
    after = deployment.cli("status", str(deployment.spec))

    assert after.code == 0, after.err
    assert [line.split() for line in after.out.splitlines()[1:]] == [
        ["1", "payments-us-west-2-base-dev", "123456789012", "us-west-2", "CURRENT", "SUCCEEDED"],
        ["2", "payments-us-east-1-dev", "123456789012", "us-east-1", "CURRENT", "SUCCEEDED"],
        ["3", "payments-us-west-2-attach-dev", "123456789012", "us-west-2", "CURRENT", "SUCCEEDED"],
        ["4", "payments-global-dev", "123456789012", "us-east-1", "CURRENT", "SUCCEEDED"],
    ]


def test_many_instances_are_summed_up_and_the_unhealthy_listed() -> None:
    rows = [
        InstanceStatus(
            1,
            "payments-us-west-2-base-dev",
            Target(f"{n:012d}", "us-west-2"),
            "OUTDATED" if n == 7 else "CURRENT",
            "FAILED" if n == 7 else "SUCCEEDED",
            "Supplied certificate was not found" if n == 7 else "",
        )
        for n in range(1, 26)
    ]
    assert render(rows).splitlines() == [
        "wave  StackSet                     region     instances  status    detail",
        "1     payments-us-west-2-base-dev  us-west-2  24         CURRENT   SUCCEEDED",
        "1     payments-us-west-2-base-dev  us-west-2  1          OUTDATED  FAILED",
        "",
        "wave  StackSet                     account       region     status    detail  reason",
        "1     payments-us-west-2-base-dev  000000000007  us-west-2  OUTDATED  FAILED  "
        "Supplied certificate was not found",
    ]
    listed = json.loads(render_json(rows))
    assert len(listed) == 25
    assert listed[6] == {
        "wave": 1,
        "stack_set": "payments-us-west-2-base-dev",
        "account": "000000000007",
        "region": "us-west-2",
        "status": "OUTDATED",
        "detail": "FAILED",
        "reason": "Supplied certificate was not found",
        "drift": "",
    }
