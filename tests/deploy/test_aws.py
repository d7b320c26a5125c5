"""AWS errors become one line naming the failing call, with exit code 2; clients retry."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, NoCredentialsError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from dr_compiler.cli import run
from dr_compiler.deploy.aws import (
    AccessDenied,
    AwsCallFailed,
    AwsClients,
    NoCredentials,
    OperationInProgress,
    StackSetNotFound,
    Throttled,
    aws_errors,
    translate,
)

REPO = Path(__file__).resolve().parents[2]


def client_error(code: str, message: str, operation: str = "CreateStackSet") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("code", "kind", "text"),
    [
        ("AccessDenied", AccessDenied, "CreateStackSet: access denied: not allowed"),
        ("AccessDeniedException", AccessDenied, "CreateStackSet: access denied: not allowed"),
        (
            "Throttling",
            Throttled,
            "CreateStackSet: still throttled after retries (Throttling): not allowed",
        ),
        (
            "ThrottlingException",
            Throttled,
            "CreateStackSet: still throttled after retries (ThrottlingException): not allowed",
        ),
        ("StackSetNotFoundException", StackSetNotFound, "CreateStackSet: StackSet not found"),
        ("OperationInProgressException", OperationInProgress, "another operation is running"),
        ("ValidationError", AwsCallFailed, "CreateStackSet: ValidationError: not allowed"),
    ],
)
def test_client_errors_translate_to_one_line(code: str, kind: type, text: str) -> None:
    error = translate(client_error(code, "not allowed"))
    assert isinstance(error, kind)
    assert error.exit_code == 2
    assert text in str(error)
    assert "\n" not in str(error)


def test_missing_credentials() -> None:
    error = translate(NoCredentialsError())
    assert isinstance(error, NoCredentials)
    assert "no AWS credentials" in str(error)


def test_an_unreadable_response_is_named_by_the_call_being_made() -> None:
    error = translate(ResponseParserError("invalid XML received\n<html>"), "cloudformation:Foo")
    assert error is not None
    assert error.problems[0].message == (
        "cloudformation:Foo: unreadable response from the endpoint: invalid XML received"
    )


def test_a_botocore_error_spanning_lines_is_one_line() -> None:
    error = translate(ReadTimeoutError(endpoint_url="https://x\n  y"), "s3:PutObject")
    assert error is not None
    assert error.problems[0].message == (
        's3:PutObject: AWS call failed: Read timeout on endpoint URL: "https://x y"'
    )


def test_aws_errors_reraises_translated() -> None:
    with pytest.raises(AccessDenied) as raised, aws_errors():
        raise client_error("AccessDenied", "User is not authorized", "UpdateStackSet")
    assert raised.value.problems[0].message == (
        "UpdateStackSet: access denied: User is not authorized"
    )


def test_other_exceptions_pass_through() -> None:
    with pytest.raises(KeyError), aws_errors():
        raise KeyError("a bug")


def test_clients_retry_in_standard_mode_and_honour_the_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:10")
    clients = AwsClients.connect(None, "eu-west-1")
    cfn = clients.client("cloudformation")
    # botocore's max_attempts counts retries: 10 retries after the first attempt.
    assert cfn.meta.config.retries == {"mode": "standard", "total_max_attempts": 11}
    assert cfn.meta.region_name == "eu-west-1"
    assert cfn.meta.endpoint_url == "http://127.0.0.1:9"
    assert clients.client("s3", "us-west-2").meta.endpoint_url == "http://127.0.0.1:10"
    assert clients.client("cloudformation") is cfn


def test_an_unknown_profile_is_an_input_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["plan", str(REPO / "specs" / "dev.yaml"), "--profile", "no-such-profile"], out, err)
    assert code == 2
    assert err.getvalue() == (
        "error: dr-compiler: The config profile (no-such-profile) could not be found "
        "(see ~/.aws/config)\n"
    )


def test_no_credentials_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    out, err = io.StringIO(), io.StringIO()

    code = run(["status", str(REPO / "specs" / "dev.yaml")], out, err)

    assert code == 2
    assert err.getvalue().startswith("error: dr-compiler: no AWS credentials")
    assert err.getvalue().count("\n") == 1


def test_the_service_is_named_when_the_call_being_made_is_known() -> None:
    error = translate(
        client_error("AccessDenied", "no", "UpdateStackSet"), "cloudformation:UpdateStackSet"
    )
    assert error is not None
    assert error.problems[0].message == "cloudformation:UpdateStackSet: access denied: no"


def test_a_delegated_administrator_calls_every_stack_set_operation_as_one() -> None:
    """CallAs reaches the StackSet calls that take it, and only those."""
    import boto3
    from botocore.stub import Stubber

    session = boto3.Session(
        aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1"
    )
    clients = AwsClients(session, "us-east-1", "222222222222", call_as="DELEGATED_ADMIN")
    cfn = clients.client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_response(
            "describe_stack_set",
            {"StackSet": {"StackSetName": "s"}},
            {"StackSetName": "s", "CallAs": "DELEGATED_ADMIN"},
        )
        stub.add_response(
            "list_stack_instances",
            {"Summaries": []},
            {"StackSetName": "s", "CallAs": "DELEGATED_ADMIN"},
        )
        stub.add_response("describe_stacks", {"Stacks": []}, {"StackName": "plain"})
        cfn.describe_stack_set(StackSetName="s")
        cfn.list_stack_instances(StackSetName="s")
        cfn.describe_stacks(StackName="plain")  # a plain stack call takes no CallAs
