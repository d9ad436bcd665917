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

from harness import lock_cli
from harness.cli import main
from harness.results import RunDir
from tests.builders import harness
from tests.pypi_fake import RECORDED, simple_index

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

Verdict = tuple[str, str | None, str | None]


def verdicts(run: Path) -> dict[str, Verdict]:
    """Each cell's status, exception type and message."""
    return {
        o.cell_id: (
            o.status,
            o.error.type if o.error else None,
            o.error.message if o.error else None,
        )
        for o in RunDir(path=run).outcomes()
    }


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr[-3000:]
    return result


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


def _bash(script: str, cwd: Path, env: dict[str, str]) -> None:
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
        _bash(step["run"], plan_dir, {**env, "GITHUB_OUTPUT": str(output)})
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
            _bash(step["run"], workspace, {**env, **step_env})
        for run in (workspace / "shard-results").iterdir():
            if not run.name.startswith(".") and not run.is_symlink():
                shutil.copytree(run, merge_dir / "shard-results" / run.name)
    summary = tmp_path / "summary.md"
    for step in _harness_steps(jobs["merge"]):
        _bash(step["run"], merge_dir, {**env, "GITHUB_STEP_SUMMARY": str(summary)})
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


# The living table: six tracked over two minors. The repository starts with a lock and a
# published run from before six 1.17 (a recorded Simple API page without it); the scheduled
# workflow's lock step then sees the recorded page as it is, with 1.17.
TRACKED = MATRIX.replace(
    "environments:\n  tiny:\n    steps: [six==1.16.0]\n  tiny-older:\n    steps: [six==1.15.0]\n",
    'environments:\n  six:\n    track: {six: ">=1.16,<1.18"}\n',
)
# Every `harness` of the workflow's commands, with the lock step's PyPI answers recorded.
SHIM = """\
import sys

from harness import lock_cli
from harness.cli import main
from tests.pypi_fake import recorded_simple_index

lock_cli.make_index = lambda ca_bundle: recorded_simple_index()
main(sys.argv[1:])
"""


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _page_before_1_17() -> bytes:
    page = json.loads((RECORDED / "simple" / "six.json").read_text(encoding="utf-8"))
    page["versions"] = [v for v in page["versions"] if v != "1.17.0"]
    page["files"] = [f for f in page["files"] if "-1.17.0" not in f["filename"]]
    return json.dumps(page).encode()


def _repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bare origin holding the tracked matrix, its old lock and the run published with it."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "matrix.yaml").write_text(TRACKED, encoding="utf-8")
    monkeypatch.setattr(
        lock_cli, "make_index", lambda ca: simple_index({"six": _page_before_1_17()})
    )
    main(["lock", str(work / "matrix.yaml")])
    ok(harness("run", "matrix.yaml", "--results", "results", "-q", "--no-cache", cwd=work))
    ok(harness("publish", "--results", "results", cwd=work))
    (work / "results" / "latest").unlink()
    (work / ".gitignore").write_text("/results/*\n!/results/published/\n", encoding="utf-8")
    origin = tmp_path / "origin.git"
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(origin), cwd=tmp_path)
    _git("init", "--quiet", "--initial-branch=main", cwd=work)
    _git("add", "--all", cwd=work)
    _git("commit", "--quiet", "-m", "published before six 1.17", cwd=work)
    _git("push", "--quiet", str(origin), "main", cwd=work)
    return origin


def _checkout(origin: Path, where: Path) -> Path:
    _git("clone", "--quiet", str(origin), str(where), cwd=origin.parent)
    return where


def _run_job(
    steps: list[dict[str, Any]], workspace: Path, env: dict[str, str], artifacts: Path
) -> list[str]:
    """A job's steps in order: artifact actions emulated by copies, commands run with bash;
    returns the steps left out (checkout, setup-python, `pip install .`, `gh`)."""
    skipped = []
    for step in steps:
        action = step.get("uses", "").split("@")[0]
        lock_step = "lock-" in str(step.get("with"))
        if lock_step:
            assert step["if"] == "hashFiles('matrix.yaml.lock') != ''"
        if action == "actions/upload-artifact" and lock_step:
            shutil.copy(workspace / step["with"]["path"], artifacts / "matrix.yaml.lock")
        elif action == "actions/download-artifact" and lock_step:
            shutil.copy(artifacts / "matrix.yaml.lock", workspace / step["with"]["path"])
        elif action == "actions/download-artifact":
            shutil.copytree(artifacts / "cells", workspace / step["with"]["path"])
        elif action == "actions/upload-artifact" and "matrix" in str(step["with"]["name"]):
            for run in (workspace / "shard-results").iterdir():
                if not run.name.startswith(".") and not run.is_symlink():
                    shutil.copytree(run, artifacts / "cells" / run.name)
        elif "run" in step and step["run"] != "pip install ." and "gh pr" not in step["run"]:
            _bash(step["run"], workspace, {**env, "GITHUB_OUTPUT": str(workspace / ".output")})
        else:
            skipped.append(action or step["run"].split()[0])
    return skipped


def test_the_scheduled_workflow_refreshes_the_published_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every `run:` command of `ci github --schedule`, job by job in fresh clones of a
    repository, artifacts passed by hand: a new minor is locked, run, diffed into the job
    summary, published and pushed to a branch. Only `gh pr create` needs GitHub itself."""
    shim = tmp_path / "bin" / "harness"
    shim.parent.mkdir()
    shim.write_text(f"#!{sys.executable}\n{SHIM}", encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    origin = _repository(tmp_path, monkeypatch)
    emitted = ok(
        harness(
            "ci",
            "github",
            "matrix.yaml",
            "--shards",
            "2",
            "--base",
            "debian",
            "--schedule",
            "0 6 * * 1",
        )
    )
    jobs = yaml.safe_load(emitted.stdout)["jobs"]
    artifacts = tmp_path / "artifacts"
    summary = tmp_path / "summary.md"
    github = {"GITHUB_RUN_ID": "42", "GITHUB_REF_NAME": "main", "GITHUB_STEP_SUMMARY": str(summary)}
    env |= github

    (artifacts / "cells").mkdir(parents=True)
    plan = _checkout(origin, tmp_path / "plan")
    setup = ["actions/checkout", "actions/setup-python", "pip"]
    assert _run_job(jobs["plan"]["steps"], plan, env, artifacts) == setup
    assert "six-1.17" in (artifacts / "matrix.yaml.lock").read_text(encoding="utf-8")
    outputs = dict(line.split("=", 1) for line in (plan / ".output").read_text().splitlines())
    for entry in json.loads(outputs["shards"])["include"]:
        shard = _checkout(origin, tmp_path / f"shard-{entry['index']}")
        shard_env = {**env, "SHARD": entry["shard"], "PLAN_HASH": entry["plan_hash"]}
        assert _run_job(jobs["shard"]["steps"], shard, shard_env, artifacts) == setup
    merge = _checkout(origin, tmp_path / "merge")
    skipped = _run_job(jobs["merge"]["steps"], merge, env, artifacts)
    assert skipped == [*setup, "actions/upload-artifact", "gh"]  # the tables' upload, the PR

    published = verdicts(merge / "results" / "published")
    assert len(published) == 12
    before = {
        cell.replace("six-1.16", "six-1.17"): v
        for cell, v in published.items()
        if "six-1.16" in cell
    }
    assert {cell: v for cell, v in published.items() if "six-1.17" in cell} == before
    text = summary.read_text(encoding="utf-8")
    assert "py3.11/six-1.17/plain/segfault" in text  # among the cells the diff calls new
    assert "Keras / TensorFlow matrix" in text  # the table's own summary after it
    branch = tmp_path / "branch"
    _git(
        "clone",
        "--quiet",
        "--branch",
        "keras-matrix/refresh-42",
        str(origin),
        str(branch),
        cwd=tmp_path,
    )
    assert "six-1.17" in (branch / "matrix.yaml.lock").read_text(encoding="utf-8")
    assert verdicts(branch / "results" / "published") == published
    assert "Refresh the published matrix (run 42)" in _git("log", "-1", "--format=%s", cwd=branch)
