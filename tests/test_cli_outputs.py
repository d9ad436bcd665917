"""The commands CI and people at a terminal use on results: diff (of published runs too, with
distinct exit codes), show, ls, --json, HARNESS_* variables, completion, did-you-mean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest

from harness.cli import app as cli
from harness.cli import completion
from harness.cli import tables as results_cli
from harness.cli.app import main
from harness.errors import INTERNAL_ERROR

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "tests" / "data" / "runs"
RECORDED, EDITED = RUNS / "recorded", RUNS / "edited"
PUBLISHED = ROOT / "results" / "published"


def exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    return int(stopped.value.code or 0)


def test_diff_of_the_published_tables_against_themselves_finds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = len((PUBLISHED / "cells.jsonl").read_text(encoding="utf-8").splitlines())
    compared = f"No cell changed its outcome ({cells} cells compared)."
    assert exit_code(["diff", str(PUBLISHED), str(PUBLISHED)]) == 0
    assert compared in capsys.readouterr().out
    # A published directory with its tables only (as older ones were): cells from table.json.
    tables_only = tmp_path / "published"
    tables_only.mkdir()
    shutil.copyfile(PUBLISHED / "table.json", tables_only / "table.json")
    assert exit_code(["diff", str(tables_only), str(PUBLISHED)]) == 0
    assert compared in capsys.readouterr().out


def test_diff_exit_codes_tell_changes_from_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_code(["diff", str(RECORDED), str(EDITED)]) == 1
    assert exit_code(["diff", str(RECORDED), str(tmp_path / "nowhere")]) == 6
    assert "no cells.jsonl or table.json here" in capsys.readouterr().err


def test_a_harness_bug_exits_70_not_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(results_cli, "diff_runs", broken)
    assert exit_code(["diff", str(RECORDED), str(EDITED)]) == INTERNAL_ERROR == 70
    err = capsys.readouterr().err
    assert "RuntimeError: a bug" in err
    assert err.rstrip().endswith("exit 70")


def test_diff_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(["diff", str(RECORDED), str(EDITED), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["changed"] is True
    assert document["exit_code"] == 1
    assert document["a"]["run_id"] == "20261121T052821Z"
    assert sum(document["counts"].values()) == len(document["changes"]) > 0
    assert {"kind", "cell_id", "before", "after", "detail"} <= set(document["changes"][0])


def test_only_with_a_typo_suggests_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    matrix = str(ROOT / "matrix.yaml")
    assert exit_code(["plan", matrix, "--only", "backend=unst"]) == 2
    assert capsys.readouterr().err.rstrip().endswith("did you mean 'unset'?")
    assert exit_code(["plan", matrix, "--only", "backnd=unset"]) == 2
    assert capsys.readouterr().err.rstrip().endswith("did you mean 'backend'?")


def test_show_prints_a_cells_traceback_and_docker_run_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["show", "keras3-only/unset/missing", str(RECORDED)])
    out = capsys.readouterr().out
    assert out.startswith("py3.11/keras3-only/unset/missing_tensorflow  (run 20261121T052821Z")
    assert "status:     error: ModuleNotFoundError E1 (fails at import)" in out
    assert "error:      ModuleNotFoundError: No module named 'tensorflow'" in out
    assert "Traceback (most recent call last):" in out
    assert "\nReproduce it:\ndocker run --rm --label io.keras-matrix.cell=py3.11/keras3" in out


def test_show_says_which_cells_an_ambiguous_name_matches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert exit_code(["show", "keras3-only", str(RECORDED)]) == 2
    assert "'keras3-only' matches 8 cells: py3.11/keras3-only/unset/" in capsys.readouterr().err
    assert exit_code(["show", "py3.11/keras3-only/unset/missing_tensorflw", str(RECORDED)]) == 2
    assert "did you mean 'py3.11/keras3-only/unset/missing_tensorflow'?" in (
        capsys.readouterr().err
    )


def test_show_reads_a_published_directory(capsys: pytest.CaptureFixture[str]) -> None:
    main(["show", "py3.11/keras-3.0/unset/missing_tensorflow", str(PUBLISHED)])
    out = capsys.readouterr().out
    assert "status:     error: ModuleNotFoundError" in out
    assert "error:      ModuleNotFoundError: No module named 'tensorflow'" in out
    assert "keras 3.0.5" in out


def test_ls_lists_runs_and_filters_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(RECORDED, tmp_path / "20261121T052821Z")
    shutil.copytree(EDITED, tmp_path / "20261122T000000Z")
    main(["ls", "--results", str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["20261122T000000Z", "20261121T052821Z"]
    assert "32/32 cells (" in lines[1]
    main(["ls", "20261121T052821Z", "--results", str(tmp_path), "--status", "build_failed"])
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 8
    assert captured.err.strip() == "8 of 32 cells"
    main(["ls", str(RECORDED), "--only", "backend=invalid", "--status", "error", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows and all("/invalid/" in r["id"] and r["status"] == "error" for r in rows)


def test_options_come_from_harness_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HARNESS_TABLE_FMT", "csv")
    main(["table", str(RECORDED), "-o", "-"])
    assert capsys.readouterr().out.startswith('"cell_id","python",')


def test_completion_offers_axes_values_runs_and_cells(tmp_path: Path) -> None:
    command = cli.cli.commands["plan"]
    ctx = click.Context(command, info_name="plan")
    ctx.params = {"matrix_file": ROOT / "matrix.yaml"}
    param = next(p for p in command.params if p.name == "only")
    assert [c.value for c in completion.axis_values(ctx, param, "back")] == ["backend="]
    values = [c.value for c in completion.axis_values(ctx, param, "backend=unset,in")]
    assert values == ["backend=unset,invalid"]
    shutil.copytree(RECORDED, tmp_path / "20261121T052821Z")
    (tmp_path / "latest").symlink_to("20261121T052821Z")
    ctx.params = {"results": tmp_path}
    assert completion.run_ids(tmp_path) == ["latest", "20261121T052821Z"]
    cells = [c.value for c in completion.cells(ctx, param, "tf-2.15/unset/missing")]
    assert cells == ["py3.11/tf-2.15/unset/missing_tensorflow"]
