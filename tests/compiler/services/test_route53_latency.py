"""dns.routing: latency: one health-checked latency record per region under the API name,
no failover chain, every policy and cfn-lint clean, and the refusals that keep every region
able to serve."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest

from dr_compiler.cli import run
from dr_compiler.pipeline import BuildResult, build
from dr_compiler.topology import build_graph
from tests.compiler.services.test_route53 import recompile, records, with_third_region
from tests.specbuild import THREE_REGIONS, write_spec

FQDN = "api.payments.acmecorp.net."


def _latency_record(region: str, check: str) -> dict[str, Any]:
    pascal = "".join(part.capitalize() for part in region.split("-"))
    return {
        "HostedZoneId": {"Ref": "HostedZone"},
        "Name": FQDN,
        "SetIdentifier": f"latency-{region}",
        "Region": region,
        "HealthCheckId": {"Ref": check},
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId": {"Ref": f"LoadBalancerHostedZoneId{pascal}"},
            "DNSName": {"Ref": f"LoadBalancerDnsName{pascal}"},
            "EvaluateTargetHealth": True,
        },
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp("latency")
    spec = write_spec(folder, {"dns": {"routing": "latency"}})
    result = build(spec, out_base=folder / "out")
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    return result


def test_one_health_checked_latency_record_per_region_and_no_failover(built: BuildResult) -> None:
    assert records(built.compiled) == {
        "LatencyRecordUsEast1": _latency_record("us-east-1", "HealthCheckUsEast1"),
        "LatencyRecordUsWest2": _latency_record("us-west-2", "HealthCheckUsWest2"),
    }


def test_every_secondary_gets_a_record_with_three_regions(built: BuildResult) -> None:
    compiled = recompile(built.compiled, with_third_region(built.compiled.spec))
    assert {r["Region"]: r["HealthCheckId"] for r in records(compiled).values()} == {
        "us-east-1": {"Ref": "HealthCheckUsEast1"},
        "us-west-2": {"Ref": "HealthCheckUsWest2"},
        "eu-west-1": {"Ref": "HealthCheckEuWest1"},
    }


def test_cname_latency_records_carry_the_spec_ttl(built: BuildResult) -> None:
    spec = built.compiled.spec
    compiled = recompile(
        built.compiled, dataclasses.replace(spec, dns=dataclasses.replace(spec.dns, ttl_seconds=30))
    )
    record = records(compiled)["LatencyRecordUsWest2"]
    assert record["Type"] == "CNAME"
    assert record["TTL"] == "30"
    assert record["ResourceRecords"] == [{"Ref": "LoadBalancerDnsNameUsWest2"}]
    assert "AliasTarget" not in record


def test_global_template_is_cfn_lint_clean(built: BuildResult) -> None:
    from cfnlint.api import ManualArgs, lint_file

    found = lint_file(built.out_dir / "global.json", ManualArgs(regions=["us-east-1"]))
    assert [str(match) for match in found] == []


def test_diagram_draws_every_region_as_a_latency_answer(built: BuildResult) -> None:
    graph = build_graph(built.compiled.spec)
    answers = {(e.target, e.label) for e in graph.edges if e.source == "dns" and e.kind == "dns"}
    assert answers == {("alb_us_east_1", "latency"), ("alb_us_west_2", "latency")}
    (dns,) = (n for n in graph.nodes if n.id == "dns")
    assert dns.title == "Route 53 latency routing"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"database": {"write_forwarding": False}},
            "dns.routing: latency routing sends clients to every region, and a secondary "
            "Aurora cluster is read-only without write forwarding: set "
            "database.write_forwarding: true or routing: failover",
        ),
        (
            {"failover": {"orchestrator": "region_switch"}},
            "dns.routing: the Region switch plan's DNS step moves the failover records; with "
            "latency routing use failover.orchestrator: lambda",
        ),
    ],
)
def test_latency_routing_is_refused_where_a_region_could_not_serve(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    spec = write_spec(tmp_path, {**overrides, "dns": {"routing": "latency"}})
    out, err = io.StringIO(), io.StringIO()
    assert run(["validate", str(spec)], out, err) == 1
    line = next(n for n, t in enumerate(spec.read_text().splitlines(), 1) if "routing:" in t)
    assert err.getvalue().splitlines() == [f"error: {spec}:{line}:12: {message}"]


def test_three_regions_validate_with_latency(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {**THREE_REGIONS, "dns": {"routing": "latency"}})
    assert run(["validate", str(spec)], io.StringIO(), io.StringIO()) == 0
