"""Fixtures of the deploy tests: a moto server per test, a spec for moto's account, and helpers
that run the command line and read the server back with plain boto3.

The deploy code never learns it talks to moto: AWS_ENDPOINT_URL points every boto3 client at
the server, as it would at any endpoint.
"""

from __future__ import annotations

import contextlib
import io
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import moto.settings
import pytest
from moto.server import ThreadedMotoServer

from dr_compiler.cli import run
from tests.deploy.moto_compat import adapt_build, moto_bootstrap

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's default account: the stack instances land there
ADMIN_REGION = "us-east-1"
REGIONS = ("us-east-1", "us-west-2")
DOMAIN = "api.dev.payments.acmecorp.net"
# The newest aurora-postgresql version in moto's orderable-instance data with a db.serverless
# class that supports global databases: the preflight asks for exactly that.
MOTO_ENGINE_VERSION = "15.2"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": ADMIN_REGION,
}


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Deployment:
    """A spec for moto's account and its moto-compatible build folder."""

    spec: Path
    build_dir: Path

    def cli(self, *args: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        with moto_bootstrap():
            code = run([*args], out, err)
        return Result(code, out.getvalue(), err.getvalue())

    def rebuild(self, extra_yaml: str = "", certificates: dict[str, str] | None = None) -> None:
        """Rewrite the spec (the moto spec plus `extra_yaml`) and build it again for moto."""
        write_spec(self.spec, certificates or self.certificates(), extra_yaml)
        build(self.spec, self.build_dir.parent)

    def certificates(self) -> dict[str, str]:
        return {
            region: client("acm", region).list_certificates()["CertificateSummaryList"][0][
                "CertificateArn"
            ]
            for region in REGIONS
        }

    def bootstrap(self) -> Result:
        return self.cli("bootstrap", str(self.spec))

    def deploy(self, *extra: str) -> Result:
        return self.cli("deploy", str(self.spec), "--build-dir", str(self.build_dir), *extra)

    def plan(self, *extra: str) -> Result:
        return self.cli("plan", str(self.spec), "--build-dir", str(self.build_dir), *extra)


def client(service: str, region: str = ADMIN_REGION) -> Any:
    return boto3.client(service, region_name=region)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moto_engine_waiver() -> list[str]:
    """The spec lines that waive DR044 for MOTO_ENGINE_VERSION."""
    return [
        # The only version moto's RDS data has is one RDS no longer creates clusters at; these
        # tests deploy no cluster (moto_compat strips them), so DR044 is waived, in the spec,
        # the way a user would, with an expiry inside the waiver horizon.
        "policy:",
        "  waivers:",
        "    - rule: DR044",
        "      resource: database.engine_version",
        "      reason: moto's RDS engine data ends at a version RDS has deprecated",
        f"      expires: {date.today() + timedelta(days=90)}",
        # Rotation is off under moto (write_spec), so DR087 fires and is waived the same way.
        "    - rule: DR087",
        "      resource: DatabaseSecret",
        "      reason: moto's CloudFormation cannot expand the AWS::SecretsManager transform",
        f"      expires: {date.today() + timedelta(days=90)}",
    ]


def write_spec(path: Path, certificates: dict[str, str], extra_yaml: str = "") -> None:
    # 15.2 predates global write forwarding (15.4+), which DR044 refuses to switch on; set
    # off one level down so the line numbers of this file stay what the tests expect. Rotation
    # is off too: hosted rotation is the AWS::SecretsManager transform, a macro CloudFormation
    # runs, and moto's CloudFormation expands no template-level Transform (it only reads
    # Fn::Transform AWS::Include in Mappings), so the rotation function would never exist.
    below = path.with_name(f"{path.stem}-base.yaml")
    below.write_text(
        f"extends: {REPO / 'specs' / 'dev.yaml'}\n"
        "database:\n  write_forwarding: false\n  rotation_days: 0\n"
    )
    lines = [
        f"extends: {below.name}",
        "deployment:",
        f'  accounts: ["{ACCOUNT}"]',
        "database:",
        f'  engine_version: "{MOTO_ENGINE_VERSION}"',
        "api:",
        "  certificate_arns:",
        *(f"    {region}: {arn}" for region, arn in sorted(certificates.items())),
    ]
    path.write_text("\n".join(lines) + "\n" + extra_yaml + "\n".join(moto_engine_waiver()) + "\n")


def build(spec: Path, out_base: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run(["build", str(spec), "--output-dir", str(out_base)], out, err)
    assert code == 0, err.getvalue()
    adapt_build(out_base / "dev")


@contextlib.contextmanager
def _moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # A threaded server keeps its state in this process's moto backends, which outlive it:
    # reset them so that every test starts from an empty account.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    # moto issues a requested certificate once it is this many seconds old (real ACM, once
    # its DNS validation records resolve): at once here, so the preflight finds it ISSUED.
    monkeypatch.setattr(moto.settings, "ACM_VALIDATION_WAIT", 0)
    # The functions' sources are found relative to the current folder for a spec outside
    # the repository (see paths.project_root_for).
    monkeypatch.chdir(REPO)
    try:
        yield endpoint
    finally:
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        server.stop()


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server with empty state, and the environment that points boto3 at it."""
    with _moto_server(monkeypatch) as endpoint:
        yield endpoint


def _deployment(folder: Path) -> Deployment:
    certificates = {
        region: client("acm", region).request_certificate(DomainName=DOMAIN)["CertificateArn"]
        for region in REGIONS
    }
    spec = folder / "moto.yaml"
    write_spec(spec, certificates)
    build(spec, folder / "build")
    return Deployment(spec, folder / "build" / "dev")


def _deploy(deployment: Deployment) -> Deployment:
    assert deployment.bootstrap().code == 0
    result = deployment.deploy()
    assert result.code == 0, result.out + result.err
    return deployment


@pytest.fixture(scope="module")
def deployed_for_reading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """One deployment shared by a module's tests that only read it (each costs a moto
    server, a build, a bootstrap and a deploy: about 3 s); a test that deploys again or
    changes anything takes `deployed`, its own."""
    with pytest.MonkeyPatch.context() as monkeypatch, _moto_server(monkeypatch):
        yield _deploy(_deployment(tmp_path_factory.mktemp("deployed")))


@pytest.fixture
def deployment(moto_server: str, tmp_path: Path) -> Deployment:
    """A fresh moto server with a built (not yet bootstrapped) spec."""
    return _deployment(tmp_path)


@pytest.fixture
def deployed(deployment: Deployment) -> Deployment:
    """`deployment`, bootstrapped and deployed."""
    return _deploy(deployment)
