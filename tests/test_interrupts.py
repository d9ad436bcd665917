"""SIGINT and SIGKILL sent to a real `harness run`, then `--resume` to finish the run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .builders import harness
from .conftest import DATA

pytestmark = pytest.mark.docker
MATRIX = DATA / "hostile" / "interrupt.yaml"
HARNESS = [sys.executable, "-m", "harness"]


def _start(results: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*HARNESS, "run", *args, "--results", str(results), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _runs(results: Path) -> list[Path]:
    """Run directories: not `latest`, nor hidden ones such as the result cache."""
    if not results.exists():
        return []
    return [
        p
        for p in results.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    ]


def _run_dir(results: Path) -> Path:
    runs = _runs(results)
    assert len(runs) == 1, runs
    return runs[0]


def _wait_for_cells(results: Path, count: int, proc: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 400  # the first start may build the tiny image
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        dirs = _runs(results)
        if dirs and (dirs[0] / "cells.jsonl").exists():
            lines = (dirs[0] / "cells.jsonl").read_text().splitlines()
            if len(lines) >= count:
                return dirs[0]
        time.sleep(0.2)
    raise AssertionError("no cell finished in time")


def _containers(run_id: str) -> list[str]:
    return subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.keras-matrix.run={run_id}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def _cell_ids(run: Path) -> list[str]:
    return [json.loads(line)["cell_id"] for line in (run / "cells.jsonl").read_text().splitlines()]


def _resume(results: Path) -> str:
    done = harness("run", "--resume", "--results", str(results), "--quiet", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly_and_resume_completes(tmp_path: Path, signum: int) -> None:
    results = tmp_path / "results"
    proc = _start(results, str(MATRIX))
    run = _wait_for_cells(results, 1, proc)
    time.sleep(1.0)  # the second cell's container is running now
    proc.send_signal(signum)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert f"continue with `harness run --resume {run.name}`" in output
    assert _containers(run.name) == []
    assert (run / "table.md").is_file()
    meta = json.loads((run / "run.json").read_text())
    assert meta["complete"] is False
    recorded = _cell_ids(run)
    assert 1 <= len(recorded) < 4

    _resume(results)
    planned = json.loads((run / "run.json").read_text())["cell_ids"]
    assert sorted(_cell_ids(run)) == sorted(planned) and len(planned) == 4
    assert json.loads((run / "run.json").read_text())["complete"] is True


def test_sigkill_leaves_a_container_the_next_start_removes(tmp_path: Path) -> None:
    results = tmp_path / "results"
    proc = _start(results, str(MATRIX))
    run = _wait_for_cells(results, 1, proc)
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    orphans = len(_containers(run.name))  # the cells in flight (one per job), orphaned
    assert orphans >= 1

    output = _resume(results)
    assert f"removed {orphans} container{'s' if orphans != 1 else ''} left by dead runs" in output
    assert _containers(run.name) == []
    planned = json.loads((run / "run.json").read_text())["cell_ids"]
    assert sorted(_cell_ids(run)) == sorted(planned) and len(planned) == 4
