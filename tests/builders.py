"""Builders the tests share: an outcome with sensible defaults, the `harness` command, and
what comparing two real runs needs (each cell's verdict, a command that must succeed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.results.outcome import Outcome, Status
from harness.results.rundir import RunDir


def outcome(
    *,
    python: str = "3.11",
    environment: str = "e",
    backend: str = "b",
    scenario: str = "s",
    status: Status = "ok",
    run_id: str = "r",
    **fields: Any,
) -> Outcome:
    """An Outcome for the cell of these axes (its ID derived from them), other fields as given."""
    return Outcome(
        run_id=run_id,
        cell_id=f"py{python}/{environment}/{backend}/{scenario}",
        python=python,
        environment=environment,
        backend=backend,
        scenario=scenario,
        status=status,
        **fields,
    )


def harness(
    *args: str, cwd: Path | None = None, timeout: float = 3000
) -> subprocess.CompletedProcess[str]:
    """Run `python -m harness ARGS` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=timeout,
    )


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
    """The result of a command that must have succeeded (its stderr's tail otherwise)."""
    assert result.returncode == 0, result.stderr[-3000:]
    return result
