from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dr_compiler import __version__
from dr_compiler.cli import run

REPO = Path(__file__).parents[1]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", ["base", "prod", "staging", "dev", "orders/base", "orders/prod"])
def test_every_shipped_spec_validates(name: str) -> None:
    code, out, err = run_cli("validate", str(REPO / "specs" / f"{name}.yaml"))
    assert code == 0, err
    assert out.endswith(f"specs/{name}.yaml: valid\n")


def test_help_shows_examples_and_exit_codes() -> None:
    code, out, _ = run_cli("--help")
    assert code == 0
    assert "dr-compiler build specs/prod.yaml" in out
    assert "exit codes: 0 ok, 1 invalid spec or policy failure, 2 usage or input error" in out


def test_version() -> None:
    code, out, _ = run_cli("--version")
    assert (code, out) == (0, f"dr-compiler {__version__}\n")


def test_unknown_command_is_a_usage_error() -> None:
    code, _, err = run_cli("compile", "specs/prod.yaml")
    assert code == 2
    assert "invalid choice: 'compile'" in err


def test_rules_lists_the_catalog_as_json() -> None:
    code, out, _ = run_cli("rules", "--format", "json")
    assert code == 0
    ids = [entry["id"] for entry in json.loads(out)]
    assert ids[0] == "DR001" and "DR090" in ids and ids == sorted(ids)


def test_rules_pack_filter_lists_only_pci_rules() -> None:
    _, out, _ = run_cli("rules", "--pack", "pci-dss", "--format", "json")
    assert all(entry["pci_dss"] for entry in json.loads(out))


def test_rules_suppressions_lists_waivable_checks_and_every_decision_with_its_reason() -> None:
    from dr_compiler.compiler.suppressions import DECISIONS

    code, out, _ = run_cli("rules", "--suppressions", "--format", "json")
    assert code == 0
    document = json.loads(out)
    dr085 = next(entry for entry in document["waivable"] if entry["rule"] == "DR085")
    assert {(c["scanner"], c["id"]) for c in dr085["checks"]} == {
        ("checkov", "CKV_AWS_18"),
        ("checkov", "CKV_AWS_91"),
        ("cfn-guard", "s3_bucket_logging_enabled_check"),
        ("cfn-guard", "elbv2_logging_enabled_check"),
        ("cdk-nag", "AwsSolutions-S1"),
        ("cdk-nag", "AwsSolutions-ELB2"),
    }
    assert [(d["name"], d["reason"]) for d in document["decisions"]] == [
        (d.name, d.reason) for d in DECISIONS
    ]
    _, text, _ = run_cli("rules", "--suppressions")
    assert "  functions-outside-vpc: the spec places this function outside the VPC" in text
    assert "    checkov CKV_AWS_117 on AWS::Lambda::Function" in text


def test_explain_prints_rationale_remediation_and_examples() -> None:
    code, out, _ = run_cli("explain", "dr030")
    assert code == 0
    assert out.startswith("DR030: Every CloudWatch alarm has AlarmActions and OKActions")
    for heading in ("Why:", "How to fix:", "Fails:", "Passes:", "AWS documentation: https://"):
        assert heading in out


def test_explain_unknown_rule_is_a_usage_error() -> None:
    code, _, err = run_cli("explain", "DR999")
    assert code == 2
    assert "no rule 'DR999'" in err


def test_debug_shows_the_traceback_that_is_otherwise_hidden(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("a: [\n")
    quiet = subprocess.run(
        [sys.executable, "-m", "dr_compiler", "validate", str(spec)], capture_output=True, text=True
    )
    loud = subprocess.run(
        [sys.executable, "-m", "dr_compiler", "--debug", "validate", str(spec)],
        capture_output=True,
        text=True,
    )
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    assert f"{spec}:2:1: YAML syntax error" in quiet.stderr
    assert "Traceback" in loud.stderr and "InputError" in loud.stderr


def test_policy_writes_sarif_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "policy.sarif"
    code, out, _ = run_cli(
        "policy", str(REPO / "specs" / "prod.yaml"), "--format", "sarif", "--output", str(target)
    )
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_failed_build_leaves_existing_output_untouched(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run_cli("build", str(REPO / "specs" / "dev.yaml"), "--output-dir", str(out_dir))
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in (out_dir / "dev").iterdir()}
    broken = tmp_path / "dev-broken.yaml"
    broken.write_text(
        f"extends: {REPO / 'specs' / 'dev.yaml'}\n"
        "monitoring:\n  alarms:\n    replication_lag_ms: 999999\n"
    )
    code, _, err = run_cli("build", str(broken), "--output-dir", str(out_dir))
    assert code == 1, err
    assert "DR031" in err
    assert {p.name: p.read_bytes() for p in (out_dir / "dev").iterdir()} == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["dev"]


def modules_loaded(argv: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules named with one of `prefixes` that a fresh interpreter has loaded after a
    successful `dr-compiler argv`."""
    code = (
        "import io, sys\n"
        "from dr_compiler.cli import run\n"
        f"assert run({argv!r}, io.StringIO(), io.StringIO()) == 0\n"
        f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    return list(ast.literal_eval(result.stdout))


@pytest.mark.parametrize("argv", [["rules"], ["explain", "DR060"]])
def test_the_rule_catalog_loads_without_the_compiler(argv: list[str]) -> None:
    """`rules` and `explain` read the catalog only: no compiler, no troposphere."""
    assert modules_loaded(argv, ("troposphere", "dr_compiler.compiler")) == []


def test_validate_spec_only_loads_neither_troposphere_nor_the_service_builders() -> None:
    """`validate --spec-only` runs the schema and the spec rules: nothing is compiled."""
    prefixes = ("troposphere", "dr_compiler.compiler.services", "dr_compiler.compiler.stage")
    assert modules_loaded(["validate", "specs/prod.yaml", "--spec-only"], prefixes) == []


def test_init_scaffolds_a_spec_that_validates_and_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    flags = [
        "init", "--app", "shop", "--primary", "us-east-1", "--secondary", "us-west-2",
        "--secondary", "eu-west-1", "--account", "123456789012", "--email", "ops@example.com",
        "--root", str(tmp_path),
    ]  # fmt: skip
    code, out, err = run_cli(*flags)
    assert code == 0, err
    written = [
        tmp_path / "specs" / "shop" / "base.yaml",
        tmp_path / "specs" / "shop" / "prod.yaml",
        tmp_path / "functions" / "shop_worker" / "handler.py",
    ]
    assert out.splitlines()[:3] == [f"wrote {path}" for path in written]
    code, out, err = run_cli("validate", str(written[1]))
    assert (code, out) == (0, f"{written[1]}: valid\n"), err
    before = written[0].read_bytes()
    code, _, err = run_cli(*flags)
    assert code == 2
    assert err.splitlines()[0] == (f"error: {written[0]}: exists already: init never overwrites")
    assert written[0].read_bytes() == before


def test_rotation_on_service_managed_stack_sets_is_refused_at_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "staging-rotating.yaml"
    spec.write_text(f"extends: {REPO / 'specs' / 'staging.yaml'}\ndatabase:\n  rotation_days: 30\n")
    code, out, err = run_cli("validate", str(spec))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: {spec}:3:18: database.rotation_days: rotation every 30 days: service-managed "
        "StackSets cannot expand the AWS::SecretsManager transform that Secrets Manager hosted "
        "rotation needs (CreateStackSet refuses macros for them): set database.rotation_days: "
        "0 and waive DR087 with the reason, or deploy self_managed"
    ]
