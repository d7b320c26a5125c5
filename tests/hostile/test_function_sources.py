"""Family 1: files pulled into artifacts. A package holds only regular files that lie in the
function's own folder; a link (to anywhere), a FIFO, a device or a socket is a DR070 error
naming the path, no read blocks, and the earlier build output stays as it was."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dr_compiler.packaging import PackagingError, package_function
from tests.hostile.conftest import Project, new_project, snapshot
from tests.specbuild import base_line


def not_packaging(index: int, function: str) -> str:
    """The start of DR070's line for the shipped base spec's function at `index`."""
    folder = "functions/" + function.replace("-", "_")
    where = base_line("functions", index, "source")
    return f"{where}: DR070 function {function}: {folder} does not package: "


API = not_packaging(0, "payment-api")
PROCESSOR = not_packaging(1, "payment-processor")
ONLY_REGULAR = (
    "a package holds only regular files inside the function folder (copy the file in instead)"
)
REAL_FOLDER = "is a symbolic link: a function folder must be a real folder in the project"
SECRET = b"root:x:0:0:secret outside the project\n"


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: a FIFO that is opened for reading blocks forever."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: a read blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outside_file(project: Project) -> Path:
    secret = project.root.parent / "passwd"
    secret.write_bytes(SECRET)
    return secret


def link_out(project: Project) -> None:
    (project.functions / "payment_api" / "passwd").symlink_to(outside_file(project))


def link_in(project: Project) -> None:
    (project.functions / "payment_api" / "copy.py").symlink_to("handler.py")


def link_loop(project: Project) -> None:
    (project.functions / "payment_api" / "loop").symlink_to(".")


def link_dangling(project: Project) -> None:
    (project.functions / "payment_api" / "gone").symlink_to("/nonexistent/file")


def folder_is_link(project: Project) -> None:
    elsewhere = project.root.parent / "elsewhere"
    (project.functions / "payment_api").rename(elsewhere)
    (elsewhere / "passwd").write_bytes(SECRET)
    (project.functions / "payment_api").symlink_to(elsewhere)


def functions_is_link(project: Project) -> None:
    elsewhere = project.root.parent / "all-functions"
    project.functions.rename(elsewhere)
    project.functions.symlink_to(elsewhere)


def fifo(project: Project) -> None:
    os.mkfifo(project.functions / "payment_processor" / "pipe")


def device(project: Project) -> None:
    try:  # the numbers of /dev/null; creating a device node needs root
        os.mknod(
            project.functions / "payment_processor" / "null",
            0o600 | stat.S_IFCHR,
            os.makedev(1, 3),
        )
    except PermissionError:
        pytest.skip("creating a device node needs root")


def unix_socket(project: Project) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(project.functions / "payment_processor" / "sock"))


def nested_fifo(project: Project) -> None:
    (project.functions / "payment_processor" / "lib").mkdir()
    os.mkfifo(project.functions / "payment_processor" / "lib" / "pipe")


def not_utf8_name(project: Project) -> None:
    (project.functions / "payment_processor" / os.fsdecode(b"caf\xe9.py")).write_text("X = 1\n")


CASES: list[tuple[str, Callable[[Project], None], set[str]]] = [
    (
        "link to a file outside",
        link_out,
        {f"{API}functions/payment_api/passwd is a symbolic link: {ONLY_REGULAR}"},
    ),
    (
        "link to a file inside",
        link_in,
        {f"{API}functions/payment_api/copy.py is a symbolic link: {ONLY_REGULAR}"},
    ),
    (
        "link to its own folder",
        link_loop,
        {f"{API}functions/payment_api/loop is a symbolic link: {ONLY_REGULAR}"},
    ),
    (
        "dangling link",
        link_dangling,
        {f"{API}functions/payment_api/gone is a symbolic link: {ONLY_REGULAR}"},
    ),
    ("function folder is a link", folder_is_link, {f"{API}functions/payment_api {REAL_FOLDER}"}),
    (
        "functions/ is a link",
        functions_is_link,
        {
            f"{API}functions {REAL_FOLDER}",
            f"{PROCESSOR}functions {REAL_FOLDER}",
            f"{not_packaging(2, 'health-monitor')}functions {REAL_FOLDER}",
            f"{not_packaging(3, 'failover-trigger')}functions {REAL_FOLDER}",
        },
    ),
    ("FIFO", fifo, {f"{PROCESSOR}functions/payment_processor/pipe is a FIFO: {ONLY_REGULAR}"}),
    (
        "FIFO in a subfolder",
        nested_fifo,
        {f"{PROCESSOR}functions/payment_processor/lib/pipe is a FIFO: {ONLY_REGULAR}"},
    ),
    (
        "device",
        device,
        {f"{PROCESSOR}functions/payment_processor/null is a device: {ONLY_REGULAR}"},
    ),
    (
        "socket",
        unix_socket,
        {f"{PROCESSOR}functions/payment_processor/sock is a socket: {ONLY_REGULAR}"},
    ),
    (
        "file name not UTF-8",
        not_utf8_name,
        {f"{PROCESSOR}functions/payment_processor/caf\\xe9.py file name is not UTF-8: rename it"},
    ),
]


def findings(report: str) -> set[str]:
    return {line for line in report.splitlines() if re.match(r"\S+:\d+:\d+: DR\d{3} ", line)}


@pytest.mark.parametrize(("case", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_what_is_not_a_regular_file_in_the_folder_fails_dr070(
    project: Project, case: str, make: Callable[[Project], None], expected: set[str]
) -> None:
    make(project)
    before = snapshot(project.output)
    with deadline(20):
        code, out, err = project.build(project.write_spec())
    assert code == 1, err
    assert findings(err) == expected
    assert "Traceback" not in out + err
    assert SECRET.decode() not in out + err
    assert snapshot(project.output) == before


def test_excluded_names_are_never_read_whatever_they_are(project: Project) -> None:
    folder = project.functions / "payment_processor"
    os.mkfifo(folder / ".DS_Store")
    (folder / "__pycache__").symlink_to("/")
    (folder / "tests").symlink_to(outside_file(project))
    with deadline(20):
        package = package_function(folder)
    assert package.files == ("handler.py",)


def test_the_zip_holds_exactly_the_regular_files(project: Project) -> None:
    folder = project.functions / "payment_processor"
    (folder / "lib").mkdir()
    (folder / "lib" / "util.py").write_bytes(b"X = 1\n")
    (folder / "data.bin").write_bytes(bytes(range(256)))
    package = package_function(folder)
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == {
            "data.bin": bytes(range(256)),
            "handler.py": (folder / "handler.py").read_bytes(),
            "lib/util.py": b"X = 1\n",
        }


# --- Hypothesis: random trees of files, folders, links, FIFOs and modes ---------------------

NAMES = st.one_of(
    st.text(alphabet="abcé_.-\n 中", min_size=1, max_size=6).filter(lambda n: n not in (".", "..")),
    st.sampled_from(["tests", "__pycache__", ".DS_Store", "stale.pyc"]),
)
ENTRY_KINDS = ("file", "folder", "link-in", "link-out", "link-dangling", "fifo")
Tree = list[tuple[str, tuple[str, ...], bytes, int]]


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    """(kind, path, content, mode) entries; a path's parent is an earlier folder."""
    entries: Tree = [("file", ("handler.py",), b"def main(event, context):\n    return 1\n", 0o644)]
    folders: list[tuple[str, ...]] = [()]
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        kind = draw(st.sampled_from(ENTRY_KINDS))
        path = (*draw(st.sampled_from(folders)), draw(NAMES))
        if any(existing == path for _, existing, _, _ in entries):
            continue
        content = draw(st.binary(max_size=64))
        mode = draw(st.sampled_from([0o000, 0o400, 0o644, 0o755, 0o4755, 0o777]))
        entries.append((kind, path, content, mode))
        if kind == "folder":
            folders.append(path)
    return entries


def make_tree(root: Path, tree: Tree, secret: Path) -> None:
    root.mkdir()
    for kind, parts, content, mode in tree:
        path = root.joinpath(*parts)
        if kind == "file":
            path.write_bytes(content)
            path.chmod(mode)
        elif kind == "folder":
            path.mkdir()
        elif kind == "link-in":
            path.symlink_to(
                "handler.py" if len(parts) == 1 else "../" * (len(parts) - 1) + "handler.py"
            )
        elif kind == "link-out":
            path.symlink_to(secret)
        elif kind == "link-dangling":
            path.symlink_to(root / "no-such-file")
        else:
            os.mkfifo(path)


def expected_outcome(tree: Tree) -> tuple[dict[str, bytes], set[str]]:
    """(the files a package holds, the paths that make packaging fail), skipping what the
    exclusions prune (a name under an excluded folder is never looked at)."""
    shipped: dict[str, bytes] = {}
    refused: set[str] = set()
    for kind, parts, content, mode in tree:
        if any(
            p in ("__pycache__", "tests", ".DS_Store") or p.endswith((".pyc", ".pyo"))
            for p in parts
        ):
            continue
        relative = "/".join(parts)
        if kind == "file" and (mode & 0o444 or os.geteuid() == 0):
            shipped[relative] = content
        elif kind != "folder":
            refused.add(relative)
    return shipped, refused


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tree=trees())
def test_random_trees_package_exactly_their_regular_files_or_name_a_culprit(
    tmp_path_factory: pytest.TempPathFactory, tree: Tree
) -> None:
    base = tmp_path_factory.mktemp("tree")
    secret = base / "secret"
    secret.write_bytes(SECRET)
    make_tree(base / "fn", tree, secret)
    shipped, refused = expected_outcome(tree)
    try:
        with deadline(10):
            package = package_function(base / "fn")
    except PackagingError as error:
        culprit = error.path.relative_to(base / "fn").as_posix()
        assert culprit in refused, (culprit, refused)
        return
    assert not refused
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == shipped
        assert all(SECRET not in archive.read(name) for name in archive.namelist())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees())
def test_random_trees_build_or_fail_dr070_never_crash(
    tmp_path_factory: pytest.TempPathFactory, first_build: Path, tree: Tree
) -> None:
    base = tmp_path_factory.mktemp("cli-tree")
    project = new_project(base / "project")
    shutil.copytree(first_build, project.output)
    secret = base / "secret"
    secret.write_bytes(SECRET)
    folder = project.functions / "payment_processor"
    shutil.rmtree(folder)
    make_tree(folder, tree, secret)
    before = snapshot(project.output)
    with deadline(20):
        code, out, err = project.build(project.write_spec())
    _, refused = expected_outcome(tree)
    assert "Traceback" not in out + err
    assert SECRET.decode() not in out + err
    if refused:
        assert code == 1, err
        (finding,) = findings(err)
        assert finding.startswith(PROCESSOR + "functions/payment_processor/"), finding
        assert snapshot(project.output) == before
    else:
        assert code == 0, err
