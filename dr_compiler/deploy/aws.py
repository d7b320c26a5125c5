"""The one place that makes boto3 sessions and clients, and turns AWS failures into one line.

Clients retry in botocore's standard mode (up to 10 retries, exponential backoff with jitter),
so a throttling error that reaches us has already been retried. Endpoints come from boto3's own
configuration, including AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>: the tests point every
client at a local moto server that way, without any code path of their own.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

# The StackSet role names live with the other names, where the bootstrap templates read them.
from dr_compiler.compiler.naming import EXECUTION_ROLE
from dr_compiler.errors import EXIT_INPUT, DrCompilerError

RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})

SESSION_NAME = "dr-compiler"

# Codes AWS uses for "slow down"; botocore has retried them before they reach us.
THROTTLING_CODES = frozenset(
    {
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
    }
)
# Refusals that say nothing about what is deployed: reported as AWS errors (exit 2), never as a
# failed stack instance.
REFUSAL_CODES = frozenset(
    {
        "OperationInProgressException",
        "StackSetNotFoundException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
    }
)


class AwsError(DrCompilerError):
    """An AWS call was refused or could not be made (exit 2)."""

    exit_code = EXIT_INPUT


class NoCredentials(AwsError):
    """No usable credentials: nothing was called."""


class AccessDenied(AwsError):
    """The caller lacks a permission the call needs."""


class Throttled(AwsError):
    """Still throttled after every retry."""


class OperationInProgress(AwsError):
    """Another StackSet operation is running; StackSets run one at a time."""


class StackSetNotFound(AwsError):
    """A StackSet the command needs does not exist."""


class AwsCallFailed(AwsError):
    """Any other refused call."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    message = one_line(str(error.response.get("Error", {}).get("Message", "")))
    return message or one_line(str(error))


def one_line(text: str) -> str:
    """`text` with every run of whitespace, newlines included, as one space."""
    return " ".join(text.split())


def is_throttling(code: str) -> bool:
    return code.startswith("Throttl") or code in THROTTLING_CODES


def is_refusal(error: ClientError) -> bool:
    """True for errors about the caller or the API, not about the templates being deployed."""
    code = error_code(error)
    return code.startswith("AccessDenied") or is_throttling(code) or code in REFUSAL_CODES


def translate(error: Exception, last_call: str = "") -> AwsError | None:
    """The one-line AwsError for a botocore failure, or None when it is not one.

    ClientError names its operation; other botocore errors (an unparseable response, a lost
    connection) do not, so `last_call`, the call that was being made, names it for them.
    """
    call = f"{last_call}: " if last_call else ""
    text = one_line(str(error))
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return NoCredentials(
            "no AWS credentials: set AWS_PROFILE or pass --profile, or export "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(error, ProfileNotFound):
        return NoCredentials(f"{text} (see ~/.aws/config)")
    if isinstance(error, EndpointConnectionError):
        return AwsCallFailed(f"{call}cannot reach AWS: {text}")
    if isinstance(error, ClientError):
        # The operation is certain; `last_call` adds its service when it is the same call.
        same = last_call.endswith(f":{error.operation_name}")
        return _translate_client_error(error, last_call if same else error.operation_name)
    if isinstance(error, ResponseParserError):
        # What an endpoint answers to an action it does not implement, among others.
        first_line = str(error).splitlines()[0]
        return AwsCallFailed(f"{call}unreadable response from the endpoint: {first_line}")
    if isinstance(error, BotoCoreError) and not isinstance(error, ParamValidationError):
        # ParamValidationError is raised before any call: a bug here, not AWS's answer.
        return AwsCallFailed(f"{call}AWS call failed: {text}")
    return None


def _translate_client_error(error: ClientError, call: str) -> AwsError:
    code = error_code(error)
    message = error_message(error)
    if code.startswith("AccessDenied"):
        return AccessDenied(f"{call}: access denied: {message}")
    if is_throttling(code):
        return Throttled(f"{call}: still throttled after retries ({code}): {message}")
    if code == "OperationInProgressException":
        return OperationInProgress(
            f"{call}: another operation is running on this StackSet; wait for it to finish "
            f"(`dr-compiler status`) and run the command again: {message}"
        )
    if code == "StackSetNotFoundException":
        return StackSetNotFound(f"{call}: StackSet not found: {message}")
    return AwsCallFailed(f"{call}: {code}: {message}")


@contextlib.contextmanager
def aws_errors(clients: AwsClients | None = None) -> Iterator[None]:
    """Re-raise botocore failures as AwsError: one line naming the call, exit code 2."""
    try:
        yield
    except (BotoCoreError, ClientError, ResponseParserError) as error:
        translated = translate(error, clients.last_call if clients else "")
        if translated is None:
            raise
        raise translated from error


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class CallLog:
    """The call being made, so that errors botocore does not attribute can still name it, and
    how many of each call were made (a botocore `before-call` hook: retries are not counted)."""

    def __init__(self) -> None:
        self.last = ""
        self.counts: Counter[str] = Counter()

    def record(self, model: Any, **_: Any) -> None:
        self.last = f"{model.service_model.service_name}:{model.name}"
        self.counts[self.last] += 1


def call_as_hook(call_as: str) -> Any:
    """A `provide-client-params` hook giving CallAs to every StackSet call that takes it.

    Every StackSet operation of a service-managed StackSet run from a delegated administrator
    needs CallAs DELEGATED_ADMIN (default SELF), reads included
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSet.html);
    botocore's operation model says which operations take it.
    """

    def add_call_as(params: dict[str, Any], model: Any, **_: Any) -> None:
        if "CallAs" in model.input_shape.members:
            params.setdefault("CallAs", call_as)

    return add_call_as


class AwsClients:
    """boto3 clients of one account, made once per (service, region)."""

    def __init__(
        self,
        session: boto3.Session,
        region: str,
        account_id: str | None = None,
        calls: CallLog | None = None,
        call_as: str = "SELF",
        account_role: str = EXECUTION_ROLE,
    ) -> None:
        self.session = session
        self.region = region
        self.calls = calls or CallLog()
        self.call_as = call_as
        # The role `for_account` assumes in other accounts (see bootstrap).
        self.account_role = account_role
        self._account_id = account_id
        self._clients: dict[tuple[str, str], Any] = {}
        self._accounts: dict[str, AwsClients] = {}

    @classmethod
    def connect(
        cls,
        profile: str | None,
        region: str,
        call_as: str = "SELF",
        account_role: str = EXECUTION_ROLE,
    ) -> AwsClients:
        """A session like the AWS CLI's: `--profile` else the environment; `region` for calls."""
        with aws_errors():
            session = boto3.Session(profile_name=profile, region_name=region)
            return cls(session, region, call_as=call_as, account_role=account_role)

    @property
    def last_call(self) -> str:
        return self.calls.last

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            client = self.session.client(service, region_name=key[1], config=RETRY_CONFIG)
            client.meta.events.register("before-call", self.calls.record)
            if service == "cloudformation" and self.call_as != "SELF":
                client.meta.events.register(
                    "provide-client-params.cloudformation", call_as_hook(self.call_as)
                )
            self._clients[key] = client
        return self._clients[key]

    @property
    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = str(self.client("sts").get_caller_identity()["Account"])
        return self._account_id

    def for_account(self, account: str) -> AwsClients:
        """Clients in `account`: these, or `account_role` assumed there.

        Self-managed: the StackSet execution role, which trusts the administering account (see
        bootstrap), so the caller can read stack outputs and upload artifacts with it.
        Service-managed: the output reader role the bootstrap StackSet puts in every target
        account, which may only read stacks.
        """
        if account == self.account_id:
            return self
        if account not in self._accounts:
            role = f"arn:{partition(self.region)}:iam::{account}:role/{self.account_role}"
            credentials = self.client("sts").assume_role(
                RoleArn=role, RoleSessionName=SESSION_NAME
            )["Credentials"]
            session = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=self.region,
            )
            self._accounts[account] = AwsClients(session, self.region, account, self.calls)
        return self._accounts[account]
