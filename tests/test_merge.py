"""`harness merge`: the union of runs by cell ID, duplicates, conflicts, missing cells, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import ConfigurationError
from harness.results.merge import merge_runs
from harness.results.outcome import Outcome, RaisedError
from harness.results.rundir import CellWriter, RunDir
from harness.results.runmeta import RunMeta
from tests.builders import harness, outcome


def raised(kind: str, message: str) -> RaisedError:
    return RaisedError(
        type=kind, message=message, raised_at=None, scenario_line=None, phase="call", traceback=""
    )


def make_run(
    root: Path,
    name: str,
    outcomes: list[Outcome],
    *,
    planned: list[str] | None = None,
    matrix_sha: str = "m1",
    version: str = "1.0",
    provenance: dict[str, str] | None = None,
    started: str = "2026-01-01T00:00:00+00:00",
) -> RunDir:
    run = RunDir.create(root, name)
    run.write_meta(
        RunMeta(
            run_id=name,
            harness_version=version,
            matrix_sha256=matrix_sha,
            started=started,
            finished=started,
            cell_ids=tuple(planned if planned is not None else [o.cell_id for o in outcomes]),
            cells_planned=len(planned if planned is not None else outcomes),
            axes={
                "python": ("3.11",),
                "environment": ("e", "f"),
                "backend": ("b",),
                "scenario": ("s", "t"),
            },
            provenance=provenance or {},
        )
    )
    writer = CellWriter(run.cells_path)
    for item in outcomes:
        writer.write(item)
    writer.close()
    run.write_json(
        "images.json", [{"python": "3.11", "environment": "e", "status": "built", "tag": "x"}]
    )
    return run


def test_union_of_two_shards_is_one_complete_run(tmp_path: Path) -> None:
    a = make_run(
        tmp_path,
        "a",
        [outcome(environment="e"), outcome(environment="e", scenario="t")],
        provenance={"shard": "1/2", "shards_with_cells": "1,2"},
    )
    b = make_run(
        tmp_path,
        "b",
        [outcome(environment="f", status="error", error=raised("ValueError", "no"))],
        provenance={"shard": "2/2", "shards_with_cells": "1,2"},
    )
    report = merge_runs([a, b], tmp_path / "merged")
    merged = [o.cell_id for o in report.run.outcomes()]
    assert merged == ["py3.11/e/b/s", "py3.11/e/b/t", "py3.11/f/b/s"]
    assert not report.partial and report.duplicates == 0 and not report.conflicts
    meta = report.run.read_meta()
    assert meta.complete is True and meta.cells_recorded == 3
    assert meta.provenance["merged_from"] == "a,b"


def test_exact_duplicates_are_kept_once(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a", [outcome(duration_s=1.0)])
    b = make_run(tmp_path, "b", [outcome(duration_s=2.0)])
    report = merge_runs([a, b], tmp_path / "merged")
    assert report.duplicates == 1 and not report.conflicts
    assert len(list(report.run.outcomes())) == 1


def test_a_conflict_is_reported_and_the_later_attempt_kept(tmp_path: Path) -> None:
    later = make_run(
        tmp_path,
        "later",
        [outcome(status="error", error=raised("KeyError", "k"))],
        provenance={"attempt": "2"},
    )
    earlier = make_run(tmp_path, "earlier", [outcome(status="ok")], provenance={"attempt": "1"})
    report = merge_runs([later, earlier], tmp_path / "merged")
    [conflict] = report.conflicts
    assert conflict.kept.run_id == "r" and conflict.kept.status == "error"
    assert conflict.dropped.status == "ok"
    [kept] = report.run.outcomes()
    assert kept.status == "error"


def test_missing_cells_and_shards_make_the_merge_partial(tmp_path: Path) -> None:
    a = make_run(
        tmp_path,
        "a",
        [outcome()],
        planned=["py3.11/e/b/s", "py3.11/e/b/t"],
        provenance={"shard": "1/3", "shards_with_cells": "1,2,3"},
    )
    result = harness("merge", str(a.path), "-o", str(tmp_path / "m1"))
    assert result.returncode == 1
    assert "missing cell py3.11/e/b/t" in result.stderr
    assert "missing shard 2/3" in result.stderr and "missing shard 3/3" in result.stderr
    allowed = harness("merge", str(a.path), "-o", str(tmp_path / "m2"), "--allow-partial")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads((tmp_path / "m2" / "run.json").read_text())["complete"] is False
    assert (tmp_path / "m2" / "table.md").is_file()


@pytest.mark.parametrize(("field", "value"), [("matrix_sha", "m2"), ("version", "2.0")])
def test_runs_of_different_matrices_or_versions_are_refused(
    tmp_path: Path, field: str, value: str
) -> None:
    a = make_run(tmp_path, "a", [outcome()])
    b = make_run(tmp_path, "b", [outcome(environment="f")], **{field: value})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="--force"):
        merge_runs([a, b], tmp_path / "merged")
    assert merge_runs([a, b], tmp_path / "forced", force=True).cells == 2
    result = harness("merge", str(a.path), str(b.path), "-o", str(tmp_path / "cli"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_merging_into_an_existing_run_is_refused(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a", [outcome()])
    result = harness("merge", str(a.path), "-o", str(a.path))
    assert result.returncode == 6 and "already holds a run" in result.stderr
