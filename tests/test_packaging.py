"""Deterministic Lambda packaging."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from dr_compiler.packaging import (
    FunctionPackage,
    PackagingError,
    package_function,
    source_hash,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small function source tree with everything that must be left out of the zip."""
    root = tmp_path / "payment_processor"
    (root / "lib").mkdir(parents=True)
    (root / "handler.py").write_text("def main(event, context):\n    return {}\n")
    (root / "lib" / "util.py").write_text("X = 1\n")
    (root / "b.json").write_text('{"b": 1}\n')
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\x00compiled")
    (root / "lib" / "__pycache__").mkdir()
    (root / "lib" / "__pycache__" / "util.cpython-312.pyc").write_bytes(b"\x00compiled")
    (root / "stale.pyc").write_bytes(b"\x00")
    (root / ".DS_Store").write_bytes(b"finder")
    (root / "tests").mkdir()
    (root / "tests" / "test_handler.py").write_text("def test(): pass\n")
    return root


def entries(package: FunctionPackage) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
        return archive.infolist()


def test_same_sources_give_identical_bytes(source: Path) -> None:
    first = package_function(source)
    second = package_function(source)

    assert first.zip_bytes == second.zip_bytes
    assert first.sha256 == second.sha256


def test_copy_elsewhere_gives_identical_bytes(source: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "fn"
    copy.mkdir(parents=True)
    # Written in the reverse order, so the directory order differs as well.
    for path in sorted(source.rglob("*"), reverse=True):
        target = copy / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())

    assert package_function(copy).zip_bytes == package_function(source).zip_bytes


def test_one_changed_byte_changes_sha_and_key(source: Path) -> None:
    before = package_function(source)
    (source / "lib" / "util.py").write_text("X = 2\n")

    after = package_function(source)

    assert after.sha256 != before.sha256
    assert after.s3_key("payment-processor") != before.s3_key("payment-processor")


def test_mtime_and_permissions_do_not_matter(source: Path) -> None:
    before = package_function(source)
    handler = source / "handler.py"
    os.utime(handler, (1_900_000_000, 1_900_000_000))
    handler.chmod(0o755)
    (source / "b.json").chmod(0o600)

    assert package_function(source).zip_bytes == before.zip_bytes


def test_entries_are_sorted_with_fixed_metadata(source: Path) -> None:
    package = package_function(source)

    infos = entries(package)

    assert [info.filename for info in infos] == ["b.json", "handler.py", "lib/util.py"]
    assert package.files == ("b.json", "handler.py", "lib/util.py")
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr == 0o644 << 16
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_pycache_tests_and_junk_are_excluded(source: Path) -> None:
    names = set(package_function(source).files)

    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert ".DS_Store" not in names
    assert "tests/test_handler.py" not in names


def test_zip_contents_round_trip(source: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(package_function(source).zip_bytes)) as archive:
        assert archive.testzip() is None
        assert archive.read("lib/util.py") == b"X = 1\n"


def test_s3_key_is_content_addressed(source: Path) -> None:
    package = package_function(source)

    assert package.s3_key("payment-processor") == (
        f"functions/payment-processor/{package.sha256}.zip"
    )
    assert source_hash(source) == package.sha256
    assert len(package.sha256) == 64


@pytest.mark.parametrize("name", ["", "a/b"])
def test_s3_key_rejects_names_that_would_change_the_prefix(source: Path, name: str) -> None:
    with pytest.raises(PackagingError):
        package_function(source).s3_key(name)


def test_missing_or_empty_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="not found"):
        package_function(tmp_path / "missing")
    (tmp_path / "empty" / "__pycache__").mkdir(parents=True)
    with pytest.raises(PackagingError, match="no files"):
        package_function(tmp_path / "empty")


def test_package_repr_leaves_out_the_bytes(source: Path) -> None:
    assert "zip_bytes" not in repr(package_function(source))


@pytest.mark.parametrize(
    "function",
    ["payment_api", "payment_processor", "health_monitor", "failover_trigger", "bucket_emptier"],
)
def test_repository_functions_package_with_their_handler(function: str) -> None:
    package = package_function(REPO / "functions" / function)

    assert "handler.py" in package.files
    assert package.zip_bytes == package_function(REPO / "functions" / function).zip_bytes
