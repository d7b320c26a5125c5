from __future__ import annotations

from pathlib import Path

from dr_compiler.compiler import ids
from tests.policies.ruletest import (
    compiled_prod,
    set_findings,
    spec_findings,
    summary,
    template_findings,
    with_defect,
)

HERE = Path(__file__).parent
PRIMARY = "bad.us-east-1.primary.json"
ATTACH = "bad.us-west-2.attach.json"
PROD_PRIMARY = "templates_out/prod/us-east-1.json"
PROD_ATTACH = "templates_out/prod/us-west-2-attach.json"


def test_a_deprecated_engine_version_fails_at_its_spec_line() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR044", spec)
    assert summary(findings) == {("DR044", "database.engine_version", f"{spec}:3:19")}
    message = findings[0].message
    prefix = (
        "aurora-postgresql 16.4 is deprecated: RDS no longer creates clusters at it "
        "(cfn-lint's RDS engine data); current 16.x: "
    )
    assert message.startswith(prefix)
    # The suggestions are versions the same data calls current, newest first.
    suggested = message.removeprefix(prefix).split(", ")
    assert "16.8" in suggested and "16.4" not in suggested
    assert suggested == sorted(suggested, key=lambda v: int(v.split(".")[1]), reverse=True)


def test_an_engine_version_rds_does_not_know_fails() -> None:
    spec = HERE / "bad_unknown.yaml"
    findings = spec_findings("DR044", spec)
    assert summary(findings) == {("DR044", "database.engine_version", f"{spec}:3:19")}
    assert findings[0].message.startswith(
        "aurora-postgresql 16.7 is not an engine version RDS knows (cfn-lint's RDS engine "
        "data); current 16.x: "
    )


def test_a_current_engine_version_passes() -> None:
    assert spec_findings("DR044", HERE / "good.yaml") == []


def test_members_without_or_with_another_engine_or_version_fail() -> None:
    findings = template_findings("DR044", HERE / PRIMARY, HERE / ATTACH)
    assert summary(findings) == {
        ("DR044", "DatabaseCluster", f"{PRIMARY}: DatabaseCluster.EngineVersion"),
        ("DR044", "ReportingGlobalCluster", f"{PRIMARY}: ReportingGlobalCluster.EngineVersion"),
        ("DR044", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.Engine"),
        ("DR044", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.EngineVersion"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{PRIMARY}: DatabaseCluster.EngineVersion"] == (
        "global database member DatabaseCluster states no EngineVersion: RDS creates it at "
        "the region's default and refuses the join unless it equals the global cluster's "
        "(16.8)"
    )
    assert messages[f"{ATTACH}: DatabaseCluster.EngineVersion"] == (
        "global database member DatabaseCluster has EngineVersion 16.4, the global cluster "
        "16.8: RDS refuses the join"
    )


def test_members_stating_the_global_clusters_engine_and_version_pass() -> None:
    files = (HERE / "good.us-east-1.primary.json", HERE / "good.us-west-2.attach.json")
    assert template_findings("DR044", *files) == []


def test_the_compiled_prod_templates_pass() -> None:
    assert set_findings("DR044", compiled_prod()) == []


def test_compiled_members_without_engine_version_fail_in_both_regions() -> None:
    def drop(body: dict) -> None:
        del body["Resources"][ids.DB_CLUSTER]["Properties"]["EngineVersion"]

    broken = with_defect(with_defect(compiled_prod(), PROD_PRIMARY, drop), PROD_ATTACH, drop)
    findings = set_findings("DR044", broken)
    assert summary(findings) == {
        ("DR044", ids.DB_CLUSTER, f"{PROD_PRIMARY}: {ids.DB_CLUSTER}.EngineVersion"),
        ("DR044", ids.DB_CLUSTER, f"{PROD_ATTACH}: {ids.DB_CLUSTER}.EngineVersion"),
    }
    assert {f.location for f in findings} == {compiled_prod().spec.locate("database")}


def test_write_forwarding_at_a_version_without_it_fails_at_the_version() -> None:
    spec = HERE / "bad_forwarding.yaml"
    findings = spec_findings("DR044", spec)
    assert summary(findings) == {("DR044", "database.engine_version", f"{spec}:3:19")}
    assert findings[0].message == (
        "aurora-postgresql 14.6 has no global write forwarding (16+, 15.4+ or 14.9+): a "
        "secondary's API could not write before promotion; upgrade, or set "
        "database.write_forwarding: false"
    )


def test_a_version_without_write_forwarding_passes_with_forwarding_off() -> None:
    assert spec_findings("DR044", HERE / "good_no_forwarding.yaml") == []


def test_members_enabling_write_forwarding_below_its_first_versions_fail() -> None:
    file = "forwarding.us-west-2.attach.json"
    findings = template_findings("DR044", HERE / file)
    assert summary(findings) == {
        ("DR044", "OldCluster", f"{file}: OldCluster.EnableGlobalWriteForwarding"),
        ("DR044", "Version15Cluster", f"{file}: Version15Cluster.EnableGlobalWriteForwarding"),
    }
    assert {f.message for f in findings if f.resource == "OldCluster"} == {
        "global database member OldCluster enables write forwarding at aurora-postgresql "
        "14.6, which has none (16+, 15.4+ or 14.9+): RDS refuses it"
    }


def test_compiled_members_forwarding_writes_at_an_older_version_fail_in_both_regions() -> None:
    def downgrade(body: dict) -> None:
        for resource in body["Resources"].values():
            if resource["Type"] in ("AWS::RDS::DBCluster", "AWS::RDS::GlobalCluster"):
                resource["Properties"]["EngineVersion"] = "14.6"

    broken = with_defect(
        with_defect(compiled_prod(), PROD_PRIMARY, downgrade), PROD_ATTACH, downgrade
    )
    findings = set_findings("DR044", broken)
    assert summary(findings) == {
        ("DR044", ids.DB_CLUSTER, f"{PROD_PRIMARY}: {ids.DB_CLUSTER}.EnableGlobalWriteForwarding"),
        ("DR044", ids.DB_CLUSTER, f"{PROD_ATTACH}: {ids.DB_CLUSTER}.EnableGlobalWriteForwarding"),
    }
