"""Reading deployed state: what can be known without calling AWS."""

from __future__ import annotations

import re

import pytest

from dr_compiler.deploy.plan import DeployedInstance, Target
from dr_compiler.deploy.state import INSTANCE_STACK_NAME, OutputsUnavailable, read_outputs


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("StackSet-payments-global-dev-2f1c8a4e-3b7d-4f0a-9c1e-5d6b7a8c9d0e", True),
        ("StackSet:payments-global-dev", True),  # moto 5.2's name for the same stack
        ("StackSet-payments-global-dev-extra", False),
        ("StackSet-payments-global-devx-2f1c8a4e-3b7d-4f0a-9c1e-5d6b7a8c9d0e", False),
        ("payments-global-dev", False),
    ],
)
def test_the_name_stacksets_give_an_instance_stack(name: str, matches: bool) -> None:
    pattern = re.compile(INSTANCE_STACK_NAME.format(name=re.escape("payments-global-dev")))
    assert bool(pattern.fullmatch(name)) is matches


def test_outputs_of_an_instance_that_is_not_current_are_unavailable() -> None:
    instance = DeployedInstance(
        Target("123456789012", "us-west-2"), "OUTDATED", "FAILED", "Resource creation cancelled"
    )
    with pytest.raises(OutputsUnavailable) as raised:
        read_outputs(None, "payments-us-west-2-base-dev", instance)  # type: ignore[arg-type]
    assert raised.value.exit_code == 1
    assert str(raised.value).endswith(
        "payments-us-west-2-base-dev in 123456789012/us-west-2 is OUTDATED FAILED: "
        "Resource creation cancelled"
    )
