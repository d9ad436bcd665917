"""Crash recovery: who owns a cell container, and sweeping those of dead runs.

What a resumed run has left to do is planned in harness/execute/planning.py."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from harness.engine.api import ContainerRunner


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


def sweep_dead_runs(engine: ContainerRunner, say: Callable[[str], None]) -> int:
    """Remove cell containers whose harness process died (SIGKILL, power loss)."""
    removed = engine.remove_cells(lambda c: c.owner is not None and owner_is_dead(c.owner))
    if removed:
        say(f"removed {removed} container{'s' if removed != 1 else ''} left by dead runs")
    return removed
