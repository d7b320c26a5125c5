"""Shared fixtures for the Lambda function tests: fake AWS credentials, moto, handler
loading, a stand-in for the Lambda context object and a tiny local HTTP server."""

from __future__ import annotations

import importlib.util
import itertools
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from moto import mock_aws

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
_module_ids = itertools.count()

# Every variable that could point boto3 at a real account or endpoint.
_AWS_VARS_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, so nothing here can ever reach a real AWS account."""
    for name in _AWS_VARS_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def load_handler() -> Iterator[Callable[[str], ModuleType]]:
    """Load functions/<name>/handler.py as a fresh module with a unique name.

    All handlers are called handler.py, so importing them by name would clash in
    sys.modules; a fresh module per test also starts with empty client caches.
    """
    loaded: list[str] = []

    def load(name: str) -> ModuleType:
        module_name = f"_lambda_{name}_{next(_module_ids)}"
        spec = importlib.util.spec_from_file_location(
            module_name, FUNCTIONS_DIR / name / "handler.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # dataclasses looks its module up in sys.modules while the class is created.
        sys.modules[module_name] = module
        loaded.append(module_name)
        spec.loader.exec_module(module)
        return module

    yield load
    for module_name in loaded:
        sys.modules.pop(module_name, None)


@dataclass
class LambdaContext:
    """The parts of the runtime's context object the handlers use."""

    remaining_millis: int = 60_000
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    function_name: str = "test-function"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@dataclass
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """A running local server: its base URL and every request it received."""

    url: str
    requests: list[Captured] = field(default_factory=list)


@pytest.fixture
def http_server() -> Iterator[Callable[..., LocalServer]]:
    """Factory: http_server(status=200, body=b"", delay=0.0) -> LocalServer, stopped after."""
    servers: list[ThreadingHTTPServer] = []

    def start(status: int = 200, body: bytes = b"{}", delay: float = 0.0) -> LocalServer:
        stop = threading.Event()
        local = LocalServer(url="")

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                local.requests.append(
                    Captured(
                        method=self.command,
                        path=self.path,
                        headers=dict(self.headers.items()),
                        body=self.rfile.read(length),
                    )
                )
                # Waiting on an event, not sleep(): shutdown releases a slow answer at once.
                stop.wait(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.stop_event = stop  # type: ignore[attr-defined]
        servers.append(server)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        local.url = f"http://127.0.0.1:{server.server_address[1]}"
        return local

    yield start
    for server in servers:
        server.stop_event.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port with nothing listening: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
