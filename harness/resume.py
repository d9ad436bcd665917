"""Crash recovery: who owns a cell container, sweeping those of dead runs, and what a
resumed run has left to do."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.cells import Cell, expand
from harness.dockerfile import HARNESS_LABEL, LABEL_PREFIX
from harness.engine import Engine
from harness.errors import ResultsError
from harness.matrix import Matrix, load_matrix
from harness.results import RunDir

OWNER_LABEL = f"{LABEL_PREFIX}.owner"
CELL_CONTAINERS = f"{HARNESS_LABEL}=cell"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of `pid`, so that a reused pid is not mistaken for its owner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces, so count from its closing ')'.
    return stat.rsplit(")", 1)[-1].split()[19]


def owner_of_this_process() -> str:
    """`host:pid:start`, written on every container this process starts."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '-'}"


def owner_is_dead(owner: str) -> bool:
    """True only when sure: the owner ran on this host and that process is gone. Containers
    of other hosts sharing the engine, or without an owner, are never judged dead."""
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    now = _start_time(pid)
    return start not in ("", "-") and now is not None and now != start


def sweep_dead_runs(engine: Engine, say: Callable[[str], None]) -> int:
    """Remove cell containers whose harness process died (SIGKILL, power loss)."""
    removed = 0
    for container in engine.containers(CELL_CONTAINERS):
        owner = container.labels.get(OWNER_LABEL)
        if owner and owner_is_dead(owner):
            engine.remove_container(container.id)
            removed += 1
    if removed:
        say(f"removed {removed} container{'s' if removed != 1 else ''} left by dead runs")
    return removed


@dataclass(frozen=True, kw_only=True)
class Resumption:
    """A stopped run and the cells it has left."""

    run: RunDir
    matrix: Matrix
    planned: tuple[Cell, ...]
    remaining: tuple[Cell, ...]


def plan_resume(run: RunDir) -> Resumption:
    meta = run.read_meta()
    matrix_path, planned_ids = meta.matrix, meta.cell_ids
    if matrix_path is None or planned_ids is None:
        raise ResultsError(
            f"{run.path / 'run.json'}: records no matrix or cell list; this run cannot be resumed"
        )
    matrix = load_matrix(Path(matrix_path))
    if matrix.sha256 != meta.matrix_sha256:
        raise ResultsError(
            f"{matrix_path} changed since run {run.run_id} started; start a new run instead"
        )
    by_id = {cell.id: cell for cell in expand(matrix).cells}
    missing = [cell_id for cell_id in planned_ids if cell_id not in by_id]
    if missing:
        raise ResultsError(f"run {run.run_id}: cell {missing[0]} is no longer in {matrix_path}")
    planned = tuple(by_id[cell_id] for cell_id in planned_ids)
    done = finished_ids(run)
    return Resumption(
        run=run,
        matrix=matrix,
        planned=planned,
        remaining=tuple(cell for cell in planned if cell.id not in done),
    )


def finished_ids(run: RunDir) -> set[str]:
    return {outcome.cell_id for outcome in run.outcomes()}
