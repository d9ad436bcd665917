"""Real containers: `harness ci github --schedule`'s workflow, every `run:` command in order,
job by job in clones of a repository, with the lock step answered from recorded PyPI pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import lock as lock_cli
from harness.cli.app import main
from tests.builders import harness, ok, verdicts
from tests.pypi_fake import RECORDED, simple_index
from tests.test_scale_out_e2e import MATRIX, bash

from .conftest import ROOT

pytestmark = pytest.mark.docker


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

from harness.cli import lock as lock_cli
from harness.cli.app import main
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
            bash(step["run"], workspace, {**env, "GITHUB_OUTPUT": str(workspace / ".output")})
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
