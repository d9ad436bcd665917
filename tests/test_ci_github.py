"""`harness ci github`: the workflow it writes, its structure as Actions reads it, and --check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli.ci_github import workflow
from harness.config.matrix_schema import BASE_KINDS
from harness.errors import ConfigurationError
from tests.builders import harness
from tests.golden_files import assert_golden


def parsed() -> dict[Any, Any]:
    data = yaml.safe_load(workflow("matrix.yaml", shards=4, schedule="0 3 * * 1"))
    assert isinstance(data, dict)
    return data


def test_the_workflow_matches_its_golden_file() -> None:
    assert_golden("keras-matrix.yml", workflow("matrix.yaml", shards=4, schedule=None))


def test_the_workflow_has_what_actions_needs() -> None:
    data = parsed()
    # PyYAML reads the key `on` as True (YAML 1.1); Actions reads it as "on".
    triggers = data[True]
    assert triggers["schedule"] == [{"cron": "0 3 * * 1"}] and "workflow_dispatch" in triggers
    jobs = data["jobs"]
    assert set(jobs) == {"plan", "shard", "merge"}
    for job in jobs.values():
        assert job["runs-on"] == "ubuntu-latest" and job["steps"]
        assert all("uses" in step or "run" in step for step in job["steps"])
    assert jobs["plan"]["outputs"]["shards"] == "${{ steps.plan.outputs.shards }}"
    strategy = jobs["shard"]["strategy"]
    assert strategy["matrix"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert strategy["fail-fast"] is False and strategy["max-parallel"] == 4
    assert jobs["shard"]["needs"] == "plan"
    run_step = next(s for s in jobs["shard"]["steps"] if "harness run" in s.get("run", ""))
    assert '--shard "$SHARD" --plan-hash "$PLAN_HASH"' in run_step["run"]
    upload = jobs["shard"]["steps"][-1]
    assert upload["with"]["name"] == "cells-${{ matrix.index }}-${{ github.run_attempt }}"
    merge = jobs["merge"]
    assert merge["needs"] == ["plan", "shard"] and merge["if"].startswith("always()")
    download = next(s for s in merge["steps"] if "download-artifact" in s.get("uses", ""))
    assert download["with"] == {
        "pattern": "cells-*",
        "merge-multiple": True,
        "path": "shard-results",
    }
    commands = " ".join(s.get("run", "") for s in merge["steps"])
    assert "harness merge" in commands and "$GITHUB_STEP_SUMMARY" in commands


def test_bad_options_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="256"):
        workflow("matrix.yaml", shards=300, schedule=None)
    with pytest.raises(ConfigurationError, match="five fields"):
        workflow("matrix.yaml", shards=2, schedule="daily")


def test_check_says_whether_the_committed_workflow_is_current(tmp_path: Path) -> None:
    target = tmp_path / "wf.yml"
    assert harness("ci", "github", "--shards", "2", "-o", str(target)).returncode == 0
    assert harness("ci", "github", "--shards", "2", "-o", str(target), "--check").returncode == 0
    changed = harness("ci", "github", "--shards", "3", "-o", str(target), "--check")
    assert changed.returncode == 1 and "differs" in changed.stdout


@pytest.fixture
def actionlint() -> str:
    """The test extra's actionlint (beside this interpreter), else one on PATH."""
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    if found is None:
        # The test extra installs it on Linux and Windows; CI must not lose the check quietly.
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("actionlint is missing under CI=true: install the test extra")
        pytest.skip("actionlint is not installed (the test extra has it on Linux and Windows)")
    return found


# Every shape of workflow the command's options make: defaults, each option, their extremes.
WORKFLOW_OPTIONS = {
    "defaults": {"matrix": "matrix.yaml", "shards": 4, "schedule": None},
    "schedule": {"matrix": "matrix.yaml", "shards": 4, "schedule": "0 3 * * 1"},
    "one-shard": {"matrix": "matrix.yaml", "shards": 1, "schedule": None},
    "most-shards": {"matrix": "matrix.yaml", "shards": 256, "schedule": "30 1 1 * *"},
    "other-matrix": {"matrix": "ci/matrix-quick.yaml", "shards": 2, "schedule": None},
} | {
    f"base-{kind}": {"matrix": "matrix.yaml", "shards": 4, "schedule": None, "base": kind}
    for kind in BASE_KINDS
}


@pytest.mark.parametrize("options", WORKFLOW_OPTIONS.values(), ids=WORKFLOW_OPTIONS.keys())
def test_actionlint_accepts_the_workflow(
    options: dict[str, Any], actionlint: str, tmp_path: Path
) -> None:
    target = tmp_path / ".github" / "workflows" / "keras-matrix.yml"
    target.parent.mkdir(parents=True)
    target.write_text(workflow(**options), encoding="utf-8")
    result = subprocess.run(
        [actionlint, "-no-color", str(target)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    # Exit 0 with no output: a warning (a deprecated action runtime, say) fails it too.
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_reports_a_broken_workflow(actionlint: str, tmp_path: Path) -> None:
    """The check above can fail: the same actionlint flags an unknown input."""
    broken = workflow("matrix.yaml", shards=2, schedule=None).replace(
        "merge-multiple: true", "merge-multiple: true\n          merge-many: true"
    )
    target = tmp_path / "broken.yml"
    target.write_text(broken, encoding="utf-8")
    result = subprocess.run(
        [actionlint, "-no-color", str(target)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1 and 'input "merge-many" is not defined' in result.stdout
