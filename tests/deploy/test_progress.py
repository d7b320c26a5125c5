"""Progress: plain lines off a terminal, a live table on one."""

from __future__ import annotations

import io

import pytest

from dr_compiler.deploy.plan import Target
from dr_compiler.deploy.progress import LineProgress, LiveProgress, ProgressDisplay

EAST = Target("123456789012", "us-east-1")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_once_per_change_of_state() -> None:
    stream = io.StringIO()
    with ProgressDisplay(stream) as progress:
        assert isinstance(progress, LineProgress)
        progress.wave(2, ["payments-us-east-1-dev"])
        progress.update("payments-us-east-1-dev", EAST, "running", "CreateStackInstances")
        progress.update("payments-us-east-1-dev", EAST, "running", "CreateStackInstances")
        progress.update(
            "payments-us-east-1-dev", EAST, "failed", "Supplied certificate was not found"
        )
    assert stream.getvalue().splitlines() == [
        "wave 2: payments-us-east-1-dev",
        "  payments-us-east-1-dev 123456789012/us-east-1: running (CreateStackInstances)",
        "  payments-us-east-1-dev 123456789012/us-east-1: failed "
        "(Supplied certificate was not found)",
    ]


def test_a_terminal_gets_a_table_per_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    stream = Terminal()
    with ProgressDisplay(stream) as progress:
        assert isinstance(progress, LiveProgress)
        progress.wave(1, ["payments-us-west-2-base-dev"])
        progress.update("payments-us-west-2-base-dev", EAST, "succeeded", "CreateStackInstances")
    text = stream.getvalue()
    for cell in ("payments-us-west-2-base-dev", "123456789012", "us-east-1", "succeeded"):
        assert cell in text


def test_many_instances_become_totals_per_region_with_every_failure() -> None:
    stream = io.StringIO()
    targets = [Target(f"{n:012d}", region) for n in range(1, 16) for region in ("us-east-1",)]
    with ProgressDisplay(stream) as progress:
        progress.wave(1, ["payments-base-dev"])
        for target in targets:
            progress.update("payments-base-dev", target, "running", "CreateStackInstances")
        for target in targets:
            failed = target.account == "000000000014"
            progress.update(
                "payments-base-dev",
                target,
                "failed" if failed else "succeeded",
                "Resource limit exceeded" if failed else "CreateStackInstances",
            )
        progress.wave(2, ["payments-primary-dev"])
    lines = stream.getvalue().splitlines()
    assert lines[0] == "wave 1: payments-base-dev"
    assert len([line for line in lines if line.endswith(": running (CreateStackInstances)")]) == 12
    assert lines[13:] == [
        "  payments-base-dev: more than 12 instances; failures below, totals per region at the "
        "end of the wave",
        "  payments-base-dev 000000000014/us-east-1: failed (Resource limit exceeded)",
        "  payments-base-dev us-east-1: 1 failed, 14 succeeded",
        "wave 2: payments-primary-dev",
    ]


def test_a_terminal_sums_many_instances_up_per_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    stream = Terminal()
    with ProgressDisplay(stream) as progress:
        progress.wave(1, ["payments-base-dev"])
        for n in range(1, 16):
            state = "failed" if n == 3 else "succeeded"
            progress.update("payments-base-dev", Target(f"{n:012d}", "us-west-2"), state)
    text = stream.getvalue()
    assert "15 accounts" in text
    assert "1 failed, 14 succeeded" in text
    assert "000000000003" not in text
