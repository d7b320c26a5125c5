"""The seed write-ups' failures, end to end: each one is caught, by the right rule, at the
right place. Spec failures go through the command line (`validate`, every rule of the spec's
packs); template failures through every rule of the catalog.

Fixtures live in tests/policies/seed_failures/.
"""

from __future__ import annotations

import io
from pathlib import Path

from dr_compiler import cli
from dr_compiler.policies.engine import check_templates
from dr_compiler.policies.registry import all_rules
from tests.policies.ruletest import CLEAN_SPEC, load_templates, summary

SEEDS = Path(__file__).parent / "seed_failures"


def validate(spec: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["validate", str(spec)], out, err)
    return code, out.getvalue() + err.getvalue()


def test_literal_master_password_is_rejected_with_dr010() -> None:
    spec = SEEDS / "master_password.yaml"
    code, output = validate(spec)
    assert code == 1
    assert f"{spec}:4:3: database: 'master_password' is a literal credential (DR010)" in output


def test_health_check_on_a_post_only_path_fails_dr061() -> None:
    spec = SEEDS / "post_only_health_check.yaml"
    code, output = validate(spec)
    assert code == 1
    assert (
        f"{spec}:8:41: DR061 health check path /payments is not a GET route of the API (it is "
        "served only for POST; routes: POST /payments, GET /payments/*)"
    ) in output


def test_production_with_force_destroy_fails_dr021() -> None:
    spec = SEEDS / "production_force_destroy.yaml"
    code, output = validate(spec)
    assert code == 1
    assert (
        f"{spec}:6:18: DR021 environment test is production but lifecycle.force_destroy is true"
    ) in output


def test_peering_never_accepted_nor_routed_fails_dr051() -> None:
    templates = load_templates(
        SEEDS / "peering.us-east-1.primary.json",
        SEEDS / "peering.us-west-2.attach.json",
        spec_file=CLEAN_SPEC,
    )
    findings = [f for f in check_templates(templates, all_rules()) if f.rule_id == "DR051"]
    primary = "peering.us-east-1.primary.json"
    assert summary(findings) == {
        ("DR051", "PeeringConnection", f"{primary}: PeeringConnection.PeerRoleArn"),
        ("DR051", "PeeringConnection", f"{primary}: PeeringConnection"),
    }
    messages = sorted(f.message for f in findings)
    assert messages == [
        "no attach stack of us-west-2 routes 10.0.0.0/16 back through peering connection "
        "PeeringConnection (a route whose VpcPeeringConnectionId is a parameter): traffic "
        "from the primary gets no reply",
        "peering connection PeeringConnection is never routed: no route in "
        "peering.us-east-1.primary.json uses it",
        "peering connection PeeringConnection peers with account 222222222222 without "
        "PeerRoleArn: a cross-account request is never accepted",
    ]
