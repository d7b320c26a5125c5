from __future__ import annotations

from pathlib import Path

from dr_compiler.pipeline import compile_with_packages, template_set
from tests.policies.ruletest import compiled_prod, set_findings, summary, template_findings
from tests.specbuild import PROD_SPEC, build_spec

HERE = Path(__file__).parent
BAD = "bad.us-east-1.primary.json"


def test_a_connection_no_security_group_uses_fails() -> None:
    findings = template_findings("DR054", HERE / BAD, HERE / "bad.us-west-2.base.json")
    # The connection of a VPC the templates do not describe is not judged.
    assert summary(findings) == {
        ("DR054", "PeeringConnectionUsWest2", f"{BAD}: PeeringConnectionUsWest2"),
    }
    assert findings[0].message == (
        "peering connection PeeringConnectionUsWest2 carries nothing: no security group in "
        "us-east-1 admits us-west-2's 10.1.0.0/16 and none in us-west-2 admits 10.0.0.0/16"
    )


def test_a_connection_some_rule_admits_the_peer_through_passes() -> None:
    files = (HERE / "good.us-east-1.primary.json", HERE / "good.us-west-2.base.json")
    assert template_findings("DR054", *files) == []


def test_the_compiled_prod_templates_emit_no_peering_and_pass() -> None:
    templates = compiled_prod()
    assert not list(templates.all_resources("AWS::EC2::VPCPeeringConnection"))
    assert set_findings("DR054", templates) == []


def test_peering_put_back_in_the_spec_compiles_a_connection_that_fails(tmp_path: Path) -> None:
    spec = build_spec(tmp_path, {"extends": str(PROD_SPEC.resolve()), "network": {"peering": True}})
    compiled, _ = compile_with_packages(spec)
    findings = set_findings("DR054", template_set(compiled))
    file = "templates_out/prod/us-east-1.json"
    assert summary(findings) == {
        ("DR054", "PeeringConnectionUsWest2", f"{file}: PeeringConnectionUsWest2"),
    }
    # The finding points at the spec line that asked for peering.
    assert findings[0].location == spec.locate("network", "peering")
