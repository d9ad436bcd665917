"""How many builds or cells to run at once when the user does not say."""

from __future__ import annotations

import os
from pathlib import Path

# A cell that imports TensorFlow peaks near 420 MB; leave room for the engine and the host.
MEMORY_PER_JOB_BYTES = 768 * 1024 * 1024


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemAvailable in bytes, or None where /proc/meminfo does not say (non-Linux hosts)."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_jobs(cpus: int | None = None, memory: int | None = None) -> int:
    """One job per CPU, fewer if free memory cannot hold them."""
    if cpus is None:
        cpus = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else (os.cpu_count() or 1)
        )
    memory = memory if memory is not None else available_memory()
    jobs = max(1, cpus)
    if memory is not None:
        jobs = min(jobs, max(1, memory // MEMORY_PER_JOB_BYTES))
    return jobs
