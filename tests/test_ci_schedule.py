"""`harness ci github --schedule`: the living table's workflow, as Actions reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli.ci_github import workflow
from harness.errors import ConfigurationError
from tests.builders import harness
from tests.golden_files import assert_golden

CRON = "0 6 * * 1"


def scheduled(matrix: str = "matrix.yaml", **options: Any) -> dict[str, Any]:
    data = yaml.safe_load(workflow(matrix, shards=4, schedule=CRON, **options))
    assert isinstance(data, dict)
    jobs = data["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def names(steps: list[dict[str, Any]]) -> list[str]:
    """Each step by its name, action, or command's first two words, to check their order."""
    return [
        step.get("name")
        or (step["uses"].split("@")[0] if "uses" in step else " ".join(step["run"].split()[:2]))
        for step in steps
    ]


def test_the_scheduled_workflow_matches_its_golden_file() -> None:
    text = workflow("matrix.yaml", shards=4, schedule=CRON)
    assert_golden("keras-matrix-scheduled.yml", text)
    # Up to the merge, the jobs are those of the unscheduled workflow, with steps added.
    plain = workflow("matrix.yaml", shards=4, schedule=None).split("harness merge")[0]
    lines = iter(text.splitlines())
    assert all(line in lines for line in plain.splitlines()[:-1])  # in order


def test_the_lock_is_upgraded_once_and_used_by_every_job() -> None:
    jobs = scheduled()
    plan = names(jobs["plan"]["steps"])
    assert plan.index("harness lock --upgrade") < plan.index("actions/upload-artifact")
    assert plan.index("actions/upload-artifact") < len(plan) - 1  # before the plan step
    upgrade = next(s for s in jobs["plan"]["steps"] if s.get("name") == "harness lock --upgrade")
    assert upgrade["run"] == "harness lock matrix.yaml --upgrade"
    upload = next(s for s in jobs["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"] == {"name": "lock-${{ github.run_attempt }}", "path": "matrix.yaml.lock"}
    for job in ("shard", "merge"):
        steps = jobs[job]["steps"]
        download = next(
            i for i, s in enumerate(steps) if s.get("with", {}).get("name", "").startswith("lock-")
        )
        first_harness = next(i for i, s in enumerate(steps) if "harness " in s.get("run", ""))
        assert download < first_harness
        assert steps[download]["with"] == {"name": "lock-${{ github.run_attempt }}", "path": "."}
    # A matrix without a lock (nothing tracked) skips every lock step.
    for job in jobs.values():
        for step in job["steps"]:
            if "lock-" in str(step.get("with")) or "lock --" in step.get("name", ""):
                assert step["if"] == "hashFiles('matrix.yaml.lock') != ''"


def test_the_merge_job_diffs_before_it_publishes_then_proposes_the_change() -> None:
    jobs = scheduled()
    merge = jobs["merge"]
    assert merge["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert all("permissions" not in jobs[name] for name in ("plan", "shard"))
    order = names(merge["steps"])
    assert order.index("harness merge") < order.index("harness diff against the published run")
    assert order.index("harness diff against the published run") < order.index("harness publish")
    steps = {step.get("name", ""): step for step in merge["steps"]}
    diff = steps["harness diff against the published run"]["run"]
    assert "harness diff results/published merged --format md -o changes.md" in diff
    assert 'cat changes.md >> "$GITHUB_STEP_SUMMARY"' in diff
    commit = steps["Commit the refreshed lock and tables to a branch"]
    assert commit["if"] == "needs.shard.result == 'success'"
    assert "git add --all -- results/published" in commit["run"]
    assert "git push --quiet origin" in commit["run"]
    pull = steps["Open a pull request"]
    assert pull["env"] == {"GH_TOKEN": "${{ github.token }}"}
    assert pull["if"] == "steps.commit.outputs.pushed == 'true'"
    assert "--body-file changes.md" in pull["run"]
    tables = next(s for s in merge["steps"] if s.get("with", {}).get("name", "").startswith("tab"))
    assert set(tables["with"]["path"].split()) == {
        "results/published/",
        "matrix.yaml.lock",
        "changes.md",
        "junit.xml",
    }


def test_a_matrix_in_a_directory_and_another_published_directory() -> None:
    jobs = scheduled("configs/tracked.yaml", published="results/published-tracked")
    download = next(s for s in jobs["shard"]["steps"] if "lock-" in str(s.get("with")))
    assert download["with"]["path"] == "configs"
    assert download["if"] == "hashFiles('configs/tracked.yaml.lock') != ''"
    runs = " ".join(step.get("run", "") for step in jobs["merge"]["steps"])
    assert "harness publish merged -o results/published-tracked" in runs
    assert "results/published/" not in runs


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="five fields"):
        workflow("matrix.yaml", shards=2, schedule="weekly")
    with pytest.raises(ConfigurationError, match="--published"):
        workflow("matrix.yaml", shards=2, schedule=CRON, published="my results")
    result = harness("ci", "github", "--schedule", "0 6 * *", "-o", str(tmp_path / "w.yml"))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --schedule '0 6 * *': a cron line has five fields"
