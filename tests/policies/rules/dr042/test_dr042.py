from __future__ import annotations

from pathlib import Path

from dr_compiler.compiler.context import Phase
from dr_compiler.compiler.stage import compile_spec
from dr_compiler.pipeline import load_model
from tests.policies.ruletest import summary, template_findings

HERE = Path(__file__).parent
SPEC = HERE / "spec.yaml"
PRIMARY = "bad.us-east-1.primary.json"
ATTACH = "bad.us-west-2.attach.json"


def test_unjoined_wrongly_joined_unencrypted_or_credentialed_secondaries_fail() -> None:
    findings = template_findings("DR042", HERE / PRIMARY, HERE / ATTACH, spec_file=SPEC)
    assert summary(findings) == {
        ("DR042", "GlobalCluster", f"{PRIMARY}: GlobalCluster"),
        ("DR042", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.GlobalClusterIdentifier"),
        ("DR042", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.StorageEncrypted"),
        ("DR042", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.KmsKeyId"),
        ("DR042", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.MasterUsername"),
        ("DR042", "DatabaseCluster", f"{ATTACH}: DatabaseCluster.MasterUserPassword"),
        ("DR042", "ReportingCluster", f"{ATTACH}: ReportingCluster.GlobalClusterIdentifier"),
    }
    messages = {(f.resource, f.template.property_path): f.message for f in findings}
    assert messages[("DatabaseCluster", ("GlobalClusterIdentifier",))] == (
        "secondary cluster DatabaseCluster GlobalClusterIdentifier 'payments-global-prod': "
        "expected the primary's global cluster 'payments-global-test'"
    )
    assert messages[("DatabaseCluster", ("KmsKeyId",))] == (
        "secondary cluster DatabaseCluster KmsKeyId is not a KMS key of its own region "
        "us-west-2: a cross-region replica needs a key where it runs"
    )


def test_a_secondary_region_without_an_attach_cluster_fails_at_the_spec_region() -> None:
    findings = template_findings("DR042", HERE / "good.us-east-1.primary.json", spec_file=SPEC)
    assert summary(findings) == {("DR042", "us-west-2", f"{SPEC}:5:17")}
    assert findings[0].message == (
        "secondary region us-west-2 has no attach template with an Aurora cluster joined to "
        "the global cluster"
    )


def test_without_a_spec_a_primary_cluster_without_a_global_cluster_fails() -> None:
    findings = template_findings("DR042", HERE / "standalone.us-east-1.primary.json")
    assert summary(findings) == {
        (
            "DR042",
            "DatabaseCluster",
            "standalone.us-east-1.primary.json: DatabaseCluster.GlobalClusterIdentifier",
        )
    }


def test_a_global_cluster_with_an_encrypted_regional_secondary_passes() -> None:
    files = (HERE / "good.us-east-1.primary.json", HERE / "good.us-west-2.attach.json")
    assert template_findings("DR042", *files, spec_file=SPEC) == []
    assert template_findings("DR042", *files) == []


def test_every_attach_stack_deploys_in_a_later_wave_than_the_primary() -> None:
    # The rule checks template facts; creation order is the manifest's: the secondary
    # cluster can only join a global cluster that an earlier wave created.
    spec = load_model(SPEC)
    compiled = compile_spec(spec, {f.name: f"functions/{f.name}.zip" for f in spec.functions})
    waves = {s.stack.key: s.wave for s in compiled.stacks}
    attach = [s.stack.key for s in compiled.stacks if s.stack.phase is Phase.ATTACH]
    assert attach == [f"{region}-attach" for region in spec.regions.secondaries]
    assert all(waves[key] > waves[spec.regions.primary] for key in attach)
