"""run.json as a record: what is written reads back equal, and older runs still load."""

from __future__ import annotations

import json
from pathlib import Path

from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.config.sandbox import Sandbox
from harness.engine.api import EngineInfo
from harness.results.rundir import RunDir
from harness.results.runmeta import UNKNOWN, RunMeta

from .conftest import DATA, ROOT


def test_a_started_run_reads_back_equal(tmp_path: Path) -> None:
    matrix = load_matrix(ROOT / "matrix-quick.yaml")
    cells = expand(matrix).cells
    meta = RunMeta.start(
        "r1",
        matrix,
        cells,
        sandbox=Sandbox(memory="2g"),
        engine=EngineInfo(version="27.0", storage_driver="overlay2"),
    )
    run = RunDir(path=tmp_path)
    run.write_meta(meta)
    again = run.read_meta()
    assert again == meta
    assert again.cell_ids == tuple(c.id for c in cells)
    assert again.sandbox == Sandbox(memory="2g")
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert "complete" not in data and data["finished"] is None  # not finished yet
    done = again.finish(len(cells) - 1)
    assert (done.cells_recorded, done.complete) == (len(cells) - 1, False)
    assert again.finish(len(cells)).complete is True


def test_a_run_recorded_before_axes_and_cell_lists_still_loads() -> None:
    meta = RunDir(path=DATA / "runs" / "quick").read_meta()
    assert meta.axes == {} and meta.cell_ids is None and meta.sandbox is None
    assert meta.engine_storage_driver is None
    assert meta.harness_version != UNKNOWN
    assert all(info.title for info in meta.scenarios.values())


def test_an_absent_run_json_is_a_run_that_recorded_nothing(tmp_path: Path) -> None:
    meta = RunDir(path=tmp_path / "r9").read_meta()
    assert meta == RunMeta(run_id="r9")
    assert meta.matrix is None and meta.matrix_sha256 == UNKNOWN
