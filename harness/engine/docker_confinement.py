"""A cell's container as Docker is told to confine it, and its output read back within bounds.

`create_kwargs` is `Sandbox.docker_flags` in docker-py's words; tests/test_sandbox.py checks
that the two say the same. Logs are clipped with the driver's own `Clip`, so a cell that floods
its output costs the host no more than `output_limit` bytes per stream.
"""

from __future__ import annotations

from typing import Any

import docker.types

from harness.config.sandbox import Sandbox
from harness.driver import Clip


def create_kwargs(sandbox: Sandbox) -> dict[str, Any]:
    """Keyword arguments for docker-py's `containers.create` that confine a container as
    `Sandbox.docker_flags` says."""
    kwargs: dict[str, Any] = {
        "network_mode": sandbox.network,
        "read_only": sandbox.read_only,
        "tmpfs": sandbox.tmpfs(),
        "mem_limit": sandbox.memory,
        "memswap_limit": sandbox.memory_swap_value(),
        "pids_limit": sandbox.pids_limit,
        "ulimits": [docker.types.Ulimit(name="nofile", soft=sandbox.nofile, hard=sandbox.nofile)],
        "privileged": False,
    }
    if sandbox.user:
        kwargs["user"] = sandbox.user
    if sandbox.cap_drop_all:
        kwargs["cap_drop"] = ["ALL"]
    if sandbox.no_new_privileges:
        kwargs["security_opt"] = ["no-new-privileges"]
    return kwargs


def read_logs(container: Any, limit: int, *, stdout: bool) -> tuple[str, int]:
    """One stream of a finished container's logs, clipped to `limit` bytes as the driver clips
    its own; the text and how many bytes were cut."""
    clip = Clip(limit)
    for chunk in container.logs(stdout=stdout, stderr=not stdout, stream=True, follow=False):
        clip.feed(chunk)
    return clip.text(), clip.dropped
