"""templates_out/ is the reviewable output of the shipped specs: fresh, and cfn-lint clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dr_compiler.pipeline import build

REPO = Path(__file__).parents[1]
# Each shipped spec and its folder under templates_out/: payments keeps the one-app layout
# (templates_out/<env>/), orders sets metadata.output: by_app (templates_out/orders/<env>/).
SHIPPED = {
    "prod": "specs/prod.yaml",
    "staging": "specs/staging.yaml",
    "dev": "specs/dev.yaml",
    "orders/prod": "specs/orders/prod.yaml",
}


@pytest.fixture(scope="module", params=sorted(SHIPPED))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("out")
    # Built as `make templates` does: from the repository root, with the relative spec path.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        result = build(Path(SHIPPED[request.param]), out_base=out)
    assert not result.report.failed(), [str(f) for f in result.report.findings]
    assert result.out_dir == out / request.param
    return request.param, out / request.param


def test_committed_templates_out_is_fresh(built: tuple[str, Path]) -> None:
    env, fresh = built
    committed = REPO / "templates_out" / env
    fresh_files = {p.name: p.read_bytes() for p in sorted(fresh.iterdir())}
    committed_files = (
        {p.name: p.read_bytes() for p in sorted(committed.iterdir())} if committed.is_dir() else {}
    )
    stale = sorted(
        name
        for name in fresh_files.keys() | committed_files.keys()
        if fresh_files.get(name) != committed_files.get(name)
    )
    assert stale == [], f"templates_out/{env} is stale; run `make templates`: {stale}"


def test_building_twice_gives_identical_bytes(
    built: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, first = built
    monkeypatch.chdir(REPO)
    build(Path(SHIPPED[env]), out_base=tmp_path)
    again = tmp_path / env
    assert {p.name: p.read_bytes() for p in first.iterdir()} == {
        p.name: p.read_bytes() for p in again.iterdir()
    }


def test_outputs_hold_no_absolute_paths_or_timestamps(built: tuple[str, Path]) -> None:
    _, out = built
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert str(REPO) not in text, path.name
        assert "/tmp/" not in text, path.name


def test_every_template_is_cfn_lint_clean_in_its_own_region(built: tuple[str, Path]) -> None:
    from cfnlint.api import ManualArgs, lint_file

    _, out = built
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    problems = {}
    for stack_set in manifest["stack_sets"]:
        config = ManualArgs(regions=stack_set["regions"])
        found = lint_file(out / stack_set["template"], config)
        problems[stack_set["template"]] = [str(match) for match in found]
    assert len(problems) == len(manifest["stack_sets"]) > 0
    assert {name: found for name, found in problems.items() if found} == {}
