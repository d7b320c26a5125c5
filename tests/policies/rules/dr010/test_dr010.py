from __future__ import annotations

import io
from pathlib import Path

from dr_compiler import cli
from dr_compiler.pipeline import compile_with_packages, load_model, template_set
from tests.policies.ruletest import set_findings, spec_findings, summary, template_findings

HERE = Path(__file__).parent


def test_secrets_in_tags_and_waiver_reasons_fail() -> None:
    spec = HERE / "bad.yaml"
    findings = spec_findings("DR010", spec)
    assert summary(findings) == {
        ("DR010", "metadata.tags.DeployKey", f"{spec}:5:16"),
        ("DR010", "metadata.tags.DbPassword", f"{spec}:6:17"),
        ("DR010", "policy.waivers[0].reason", f"{spec}:11:15"),
    }
    by_resource = {f.resource: f.message for f in findings}
    assert by_resource["metadata.tags.DeployKey"] == (
        "metadata.tags.DeployKey holds what looks like an AWS access key id: a spec is "
        "committed and reviewed in plain text; keep the secret in Secrets Manager"
    )
    assert "a password in a connection URL" in by_resource["policy.waivers[0].reason"]


def test_spec_without_secrets_passes() -> None:
    assert spec_findings("DR010", HERE / "good.yaml") == []


def test_literal_master_password_is_a_schema_error_naming_dr010() -> None:
    spec = HERE / "master_password.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["validate", str(spec)], out, err) == 1
    assert f"{spec}:4:3:" in err.getvalue()
    assert "'master_password' is a literal credential (DR010)" in err.getvalue()


def test_literal_passwords_keys_defaults_and_outputs_in_templates_fail() -> None:
    findings = template_findings("DR010", HERE / "bad.us-east-1.primary.json")
    file = "bad.us-east-1.primary.json"
    assert summary(findings) == {
        ("DR010", "DbPassword", f"{file}: DbPassword.Default"),
        ("DR010", "DatabaseCluster", f"{file}: DatabaseCluster.MasterUserPassword"),
        ("DR010", "ApiSecret", f"{file}: ApiSecret.SecretString"),
        (
            "DR010",
            "PaymentApiFunction",
            f"{file}: PaymentApiFunction.Environment.Variables.DB_PASSWORD",
        ),
        (
            "DR010",
            "PaymentApiFunction",
            f"{file}: PaymentApiFunction.Environment.Variables.UPLOAD_KEY_ID",
        ),
        ("DR010", "ReportingConnection", f"{file}: ReportingConnection.Value"),
    }
    messages = {str(f.template): f.message for f in findings}
    assert messages[f"{file}: DatabaseCluster.MasterUserPassword"] == (
        "DatabaseCluster MasterUserPassword is a literal string: use a "
        "{{resolve:secretsmanager:...}} dynamic reference to a generated secret"
    )
    assert messages[f"{file}: PaymentApiFunction.Environment.Variables.UPLOAD_KEY_ID"] == (
        "PaymentApiFunction Environment.Variables.UPLOAD_KEY_ID holds what looks like an AWS "
        "access key id"
    )
    assert messages[f"{file}: ReportingConnection.Value"] == (
        "ReportingConnection Value holds what looks like a password in a connection string"
    )


def test_dynamic_references_and_secret_arns_in_templates_pass() -> None:
    assert template_findings("DR010", HERE / "good.us-east-1.primary.json") == []


def test_credential_named_tag_keys_fail_where_they_are_written() -> None:
    spec = HERE / "bad_tag_keys.yaml"
    assert summary(spec_findings("DR010", spec)) == {
        ("DR010", "metadata.tags.DbPass", f"{spec}:5:13"),
        ("DR010", "metadata.tags.Pwd", f"{spec}:6:10"),
        ("DR010", "metadata.tags.DB_CREDENTIALS", f"{spec}:7:21"),
        ("DR010", "metadata.tags.SecretKeyId", f"{spec}:8:18"),
        ("DR010", "metadata.tags.ApiKey1", f"{spec}:9:14"),
    }


def test_literal_secrets_in_function_environment_fail_where_they_are_written() -> None:
    spec = HERE / "bad_environment.yaml"
    findings = spec_findings("DR010", spec)
    assert summary(findings) == {
        ("DR010", "payment-api", f"{spec}:12:22"),
        ("DR010", "payment-api", f"{spec}:13:27"),
        # Written as secrets.<variable>.secretsmanager, found there.
        ("DR010", "payment-api", f"{spec}:16:40"),
    }
    assert {f.message for f in findings} == {
        "functions[0].environment.UPLOAD_KEY_ID holds what looks like an AWS access key id: a "
        "spec is committed and reviewed in plain text; keep the secret in Secrets Manager",
        "functions[0].environment.PROVIDER_API_TOKEN is a literal credential: environment "
        "variables are readable by anyone allowed lambda:GetFunctionConfiguration; name it in "
        "the function's `secrets`; keep the secret in Secrets Manager",
        "functions[0].secrets.LEGACY_DSN_ARN.secretsmanager holds what looks like a password "
        "in a connection string: a spec is committed and reviewed in plain text; keep the "
        "secret in Secrets Manager",
    }


def test_secret_references_in_function_environment_pass_at_both_levels() -> None:
    spec = HERE / "good_environment.yaml"
    assert spec_findings("DR010", spec) == []
    compiled, _ = compile_with_packages(load_model(spec))
    variables = compiled.stack("us-east-1").template["Resources"]["PaymentApiFunction"][
        "Properties"
    ]["Environment"]["Variables"]
    assert variables["PROVIDER_TOKEN_ARN"] == {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:us-east-1:${AWS::AccountId}:"
        "secret:payments/provider-token"
    }
    assert set_findings("DR010", template_set(compiled)) == []
