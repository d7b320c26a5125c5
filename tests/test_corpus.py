"""Broken specs: each exits 1 or 2 with a file:line message, no traceback, and writes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dr_compiler.cli import run
from dr_compiler.loader import MAX_NODES

CORPUS = Path(__file__).parent / "corpus"
C = "tests/corpus"

# (file, exit code, the location the first error names, a fragment of its message)
CASES = [
    ("empty.yaml", 2, f"{C}/empty.yaml:1:1", "file is empty"),
    ("not_a_mapping.yaml", 2, f"{C}/not_a_mapping.yaml:1:1", "must be a mapping"),
    ("syntax_error.yaml", 2, f"{C}/syntax_error.yaml:4:8", "YAML syntax error"),
    ("tab_indentation.yaml", 2, f"{C}/tab_indentation.yaml:3:1", "not tabs"),
    ("duplicate_key.yaml", 2, f"{C}/duplicate_key.yaml:4:3", "duplicate key 'environment'"),
    (
        "unknown_key.yaml",
        1,
        f"{C}/unknown_key.yaml:4:5",
        "unknown key 'failure_treshold' (did you mean 'failure_threshold'?)",
    ),
    ("wrong_type.yaml", 1, f"{C}/wrong_type.yaml:3:23", "'three' is not of type 'integer'"),
    (
        "out_of_range.yaml",
        1,
        f"{C}/out_of_range.yaml:4:14",
        "database.serverless_v2.min_acu: 0.1 is less than the minimum of 0.5",
    ),
    ("bad_cidr.yaml", 1, f"{C}/bad_cidr.yaml:4:16", "'10.0.0.0/33' is not valid"),
    ("overlapping_cidrs.yaml", 1, f"{C}/overlapping_cidrs.yaml:7:16", "DR051"),
    ("unknown_region.yaml", 1, f"{C}/unknown_region.yaml:4:17", "'mars-north-1' is not one of"),
    (
        "primary_as_secondary.yaml",
        1,
        f"{C}/primary_as_secondary.yaml:4:17",
        "us-east-1 is the primary region",
    ),
    ("missing_section.yaml", 1, f"{C}/missing_section.yaml:1:1", "missing required key 'regions'"),
    ("alias_bomb.yaml", 2, f"{C}/alias_bomb.yaml:", "alias bomb"),
    ("cycle_a.yaml", 2, f"{C}/cycle_a.yaml", "extends cycle"),
    ("extends_missing.yaml", 2, f"{C}/extends_missing.yaml:1:10", "not found"),
    ("literal_password.yaml", 1, f"{C}/literal_password.yaml:3:3", "DR010"),
    (
        "dangling_reference.yaml",
        1,
        f"{C}/dangling_reference.yaml:3:13",
        "no function named 'payment-apj' (did you mean 'payment-api'?)",
    ),
]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("name", "code", "where", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_broken_spec_fails_cleanly_with_its_location(
    name: str, code: int, where: str, fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parents[1])
    exit_code, _, err = run_cli("build", f"{C}/{name}", "--output-dir", str(tmp_path / "out"))
    assert exit_code == code, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if where in line and fragment in line]
    assert lines, f"no line with {where!r} and {fragment!r} in:\n{err}"
    assert not (tmp_path / "out").exists(), "a failed build wrote output"


def test_alias_bomb_stops_at_the_node_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # Expanded in full, the document has 10^9 nodes: without the bound the test never ends
    # (no timed assertion: speed is measured in benchmarks/, not asserted).
    monkeypatch.chdir(Path(__file__).parents[1])
    exit_code, _, err = run_cli("validate", f"{C}/alias_bomb.yaml")
    assert exit_code == 2
    assert err == (
        f"error: {C}/alias_bomb.yaml:1:8: document expands to more than {MAX_NODES} nodes "
        "(alias bomb?)\n"
    )


def test_fifty_megabyte_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(b"apiVersion: dr-compiler/v1\n")
        handle.write(b"# padding\n" * (5 * 1024 * 1024))
    exit_code, _, err = run_cli("validate", str(big))
    assert exit_code == 2
    assert f"{big}: file is {big.stat().st_size} bytes" in err


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(bytes(range(256)) * 16)
    exit_code, _, err = run_cli("validate", str(garbage))
    assert exit_code == 2
    assert f"{garbage}: not UTF-8 text" in err


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    exit_code, _, err = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: cannot read file" in err


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    spec = tmp_path / "many.yaml"
    base = Path(__file__).parents[1] / "specs" / "base.yaml"
    spec.write_text(
        f"extends: {base}\n"
        "network:\n  availability_zones: 9\n"
        "dns:\n  health_check:\n    interval_seconds: 15\n"
        "monitoring:\n  alarms:\n    dlq_depth: 0\n"
    )
    exit_code, _, err = run_cli("validate", str(spec))
    assert exit_code == 1
    assert [line.split(": ", 3)[2] for line in err.splitlines()] == [
        "network.availability_zones",
        "dns.health_check.interval_seconds",
        "monitoring.alarms.dlq_depth",
    ]
