"""Real containers: a matrix run in 2 shards and merged, or on a Dask cluster, gives the same
cells as one unsharded local run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.results.rundir import RunDir
from tests.builders import Verdict, harness, ok, verdicts

from .conftest import DATA, ROOT

pytestmark = pytest.mark.docker

# Two tiny images (so that two shards each build one), fast scenarios with distinct outcomes.
MATRIX = f"""
python: ["3.11"]
base: debian
timeout: 20
scenario_dir: {DATA / "hostile" / "scenarios"}
template_dir: {ROOT / "dockerfiles"}
environments:
  tiny:
    steps: [six==1.16.0]
  tiny-older:
    steps: [six==1.15.0]
backends:
  plain: {{}}
  flagged:
    env: {{HARNESS_TEST_FLAG: "1"}}
scenarios: [segfault, exit_zero_after_raise, write_root_fs]
"""


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("matrix") / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whole(matrix: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verdict]:
    results = tmp_path_factory.mktemp("whole")
    ok(harness("run", str(matrix), "--results", str(results), "--no-cache", "-q", "-j", "2"))
    found = verdicts((results / "latest").resolve())
    assert len(found) == 12
    assert {v[0] for v in found.values()} >= {"crashed", "error"}  # not all alike
    return found


def test_two_shards_merged_equal_one_whole_run(
    matrix: Path, whole: dict[str, Verdict], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    planned = ok(harness("plan", str(matrix), "--shards", "2", "--json", "--results", str(results)))
    include = json.loads(planned.stdout)["include"]
    assert [entry["shard"] for entry in include] == ["1/2", "2/2"]
    assert [entry["images"] for entry in include] == [1, 1]  # each image built on one shard
    runs = []
    for entry in include:
        ok(
            harness(
                "run",
                str(matrix),
                "--shard",
                entry["shard"],
                "--plan-hash",
                entry["plan_hash"],
                "--results",
                str(results),
                "--no-cache",
                "-q",
            )
        )
        run = (results / "latest").resolve()
        meta = json.loads((run / "run.json").read_text())
        assert meta["provenance"]["shard"] == entry["shard"]
        assert meta["provenance"]["plan_hash"] == entry["plan_hash"]
        assert {"host", "engine", "executor"} <= set(meta["provenance"])
        runs.append(str(run))
    merged = tmp_path / "merged"
    ok(harness("merge", *runs, "-o", str(merged)))
    assert verdicts(merged) == whole
    ok(harness("table", str(merged), "-f", "summary"))
    assert "Keras / TensorFlow matrix" in (merged / "table.summary.md").read_text()


def test_a_dask_local_cluster_gives_the_local_executors_cells(
    matrix: Path, whole: dict[str, Verdict], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    result = ok(
        harness(
            "run",
            str(matrix),
            "--executor",
            "dask",
            "-j",
            "2",
            "--results",
            str(results),
            "--no-cache",
            "-q",
        )
    )
    assert "dask: a local cluster of 2 worker processes" in result.stderr
    run = (results / "latest").resolve()
    recorded = [o.cell_id for o in RunDir(path=run).outcomes()]
    assert len(recorded) == len(set(recorded)) == 12  # each cell exactly once
    assert verdicts(run) == whole
    leftovers = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.keras-matrix.run={run.name}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert leftovers == []


def _harness_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if "harness " in step.get("run", "")]


def bash(script: str, cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1500,
    )
    assert result.returncode == 0, (script, result.stderr[-3000:])


def test_the_emitted_workflow_runs_shard_by_shard(
    matrix: Path, whole: dict[str, Verdict], tmp_path: Path
) -> None:
    """The workflow's own commands, each shard in a workspace of its own, merged as the merge
    job does it (artifacts without hidden files or the `latest` link)."""
    emitted = ok(harness("ci", "github", "matrix.yaml", "--shards", "2", "--base", "debian"))
    jobs = yaml.safe_load(emitted.stdout)["jobs"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    plan_dir = tmp_path / "plan"
    plan_dir.mkdir()
    shutil.copy(matrix, plan_dir / "matrix.yaml")
    output = tmp_path / "github_output"
    for step in _harness_steps(jobs["plan"]):
        bash(step["run"], plan_dir, {**env, "GITHUB_OUTPUT": str(output)})
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["any"] == "true"
    merge_dir = tmp_path / "merge"
    (merge_dir / "shard-results").mkdir(parents=True)
    shutil.copy(matrix, merge_dir / "matrix.yaml")
    for entry in json.loads(outputs["shards"])["include"]:
        workspace = tmp_path / f"shard-{entry['index']}"
        workspace.mkdir()
        shutil.copy(matrix, workspace / "matrix.yaml")
        for step in _harness_steps(jobs["shard"]):
            step_env = {"SHARD": entry["shard"], "PLAN_HASH": entry["plan_hash"]}
            assert set(step["env"]) == set(step_env)
            bash(step["run"], workspace, {**env, **step_env})
        for run in (workspace / "shard-results").iterdir():
            if not run.name.startswith(".") and not run.is_symlink():
                shutil.copytree(run, merge_dir / "shard-results" / run.name)
    summary = tmp_path / "summary.md"
    for step in _harness_steps(jobs["merge"]):
        bash(step["run"], merge_dir, {**env, "GITHUB_STEP_SUMMARY": str(summary)})
    assert verdicts(merge_dir / "merged") == whole
    assert "Keras / TensorFlow matrix" in summary.read_text()
    assert (merge_dir / "published" / "junit.xml").is_file()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _containers(run_id: str) -> list[str]:
    return subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.keras-matrix.run={run_id}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def test_a_worker_killed_mid_task_loses_no_cell(
    matrix: Path, whole: dict[str, Verdict], tmp_path: Path
) -> None:
    """A scheduler and two worker processes (no nanny to revive them); one is SIGKILLed while
    its cells run. Dask moves its task to the other worker: every cell is recorded once."""
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    port = address.rsplit(":", 1)[1]
    scheduler = subprocess.Popen([dask, "scheduler", "--port", port, "--no-dashboard"], **quiet)  # type: ignore[call-overload]
    worker_args = [dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
    workers = [subprocess.Popen(worker_args, **quiet) for _ in range(2)]  # type: ignore[call-overload]
    results = tmp_path / "results"
    log = tmp_path / "client.log"
    sink = log.open("w")
    try:
        client = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                str(matrix),
                "--executor",
                "dask",
                "--scheduler",
                address,
                "--results",
                str(results),
                "--no-cache",
                "-q",
            ],
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        deadline = time.monotonic() + 600
        killed = False
        while client.poll() is None and time.monotonic() < deadline:
            latest = results / "latest"
            if not killed and latest.exists() and _containers(latest.resolve().name):
                workers[0].send_signal(signal.SIGKILL)  # a cell of a task is running
                killed = True
            time.sleep(0.2)
        assert client.wait(timeout=60) == 0, log.read_text()[-3000:]
        assert killed, "no container was seen running: nothing was killed"
    finally:
        sink.close()
        for process in (*workers, scheduler):
            process.kill()
            process.wait()
    run = (results / "latest").resolve()
    recorded = [o.cell_id for o in RunDir(path=run).outcomes()]
    assert len(recorded) == len(set(recorded)) == 12
    assert verdicts(run) == whole
    assert _containers(run.name) == []
