"""The confinement every cell runs in, and the `docker run` flags that say it.

Scenario scripts, above all code pasted from bug reports, are untrusted. Each cell
runs with no network, no capabilities, no privilege escalation, as the image's
unprivileged `cell` user, on a read-only root filesystem with small tmpfs mounts
for $HOME and /tmp, and with limits on memory, processes, open files and output.
docs/sandbox.md gives the reasons for each default. Builds are not confined:
they need the network to install packages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

_SIZE = re.compile(r"^(\d+)([kmg]?)b?$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
CELL_HOME = "/home/cell"


def parse_size(text: str) -> int:
    """Bytes in '512m', '4g', '65536' (the units `docker run --memory` accepts)."""
    match = _SIZE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size like '512m' or '4g'")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass(frozen=True, kw_only=True)
class Sandbox:
    """How one cell's container is confined. Sizes are strings in Docker's units."""

    # Scenarios reproduce local errors; nothing they do needs the network, and pasted
    # code must not reach it.
    network: str = "none"
    user: str = "1000:1000"
    read_only: bool = True
    cap_drop_all: bool = True
    no_new_privileges: bool = True
    # The driver copies keras.json into ~/.keras, and Keras writes caches there:
    # $HOME is a tmpfs so that a read-only root does not break them.
    home_size: str = "256m"
    tmp_size: str = "256m"
    # A TensorFlow import takes ~420 MB; training a toy model stays under 2 GB.
    memory: str = "4g"
    # Equal to `memory`: no swap, so a memory hog is killed instead of thrashing the host.
    memory_swap: str | None = None
    # TensorFlow starts a thread pool per device per op kind; 4096 leaves room for
    # that on many-core hosts while stopping a fork bomb.
    pids_limit: int = 4096
    nofile: int = 4096
    # Bytes of each stream (stdout, stderr) kept: half from the head, half from the tail.
    output_limit: int = 65536

    def memory_swap_value(self) -> str:
        """Memory plus swap: `memory_swap`, or `memory` (no swap) if unset."""
        return self.memory_swap or self.memory

    def with_overrides(self, overrides: dict[str, Any]) -> Sandbox:
        """A copy with the settings in `overrides` (None values are ignored)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown sandbox setting {sorted(unknown)[0]!r}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """Every setting by name, as run.json records it."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def docker_flags(self) -> list[str]:
        """The `docker run` flags that confine a container as the engine's `create_kwargs` does."""
        flags = ["--network", self.network]
        if self.cap_drop_all:
            flags += ["--cap-drop", "ALL"]
        if self.no_new_privileges:
            flags += ["--security-opt", "no-new-privileges"]
        if self.user:
            flags += ["--user", self.user]
        if self.read_only:
            flags.append("--read-only")
        for target, options in self.tmpfs().items():
            flags += ["--tmpfs", f"{target}:{options}"]
        flags += ["--memory", self.memory, "--memory-swap", self.memory_swap_value()]
        flags += ["--pids-limit", str(self.pids_limit)]
        flags += ["--ulimit", f"nofile={self.nofile}:{self.nofile}"]
        return flags

    def tmpfs(self) -> dict[str, str]:
        """The tmpfs mounts ($HOME and /tmp) with their options, owned by the cell's user."""
        uid, _, gid = self.user.partition(":")
        owner = f",uid={uid},gid={gid or uid}" if uid.isdigit() else ""
        # `exec`: Docker's default noexec would break libraries that JIT or unpack
        # shared objects into /tmp, and it stops nothing that arbitrary Python cannot do.
        return {
            CELL_HOME: f"rw,exec,nosuid,nodev,size={self.home_size}{owner}",
            "/tmp": f"rw,exec,nosuid,nodev,size={self.tmp_size},mode=1777",  # noqa: S108 - the container's /tmp
        }
