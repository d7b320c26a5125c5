"""template_dict is troposphere's Template.to_dict in one walk: the same data, the same
validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from troposphere import Template
from troposphere.sns import Subscription

from dr_compiler.compiler import plain, stage
from dr_compiler.pipeline import compile_with_packages, load_model

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["specs/prod.yaml", "specs/staging.yaml", "specs/dev.yaml", "specs/orders/prod.yaml"]


@pytest.mark.parametrize("spec_file", SHIPPED)
def test_every_stack_of_a_shipped_spec_is_what_to_dict_returns(
    spec_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[str] = []

    def checked(template: Template) -> dict[str, Any]:
        ours = plain.template_dict(template)
        assert ours == template.to_dict()
        compared.append(template.description)
        return ours

    monkeypatch.setattr(stage, "template_dict", checked)
    compiled, _ = compile_with_packages(load_model(REPO / spec_file))
    assert len(compared) == len(compiled.stacks)


def test_an_object_troposphere_rejects_is_rejected() -> None:
    template = Template()
    template.add_resource(Subscription("Alerts", Endpoint="ops@example.com"))
    with pytest.raises(ValueError, match="Protocol required") as theirs:
        template.to_dict()
    with pytest.raises(ValueError) as ours:
        plain.template_dict(template)
    assert str(ours.value) == str(theirs.value)
