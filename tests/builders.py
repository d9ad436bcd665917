"""Builders the tests share: an outcome with sensible defaults, and the `harness` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.results.outcome import Outcome, Status


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
