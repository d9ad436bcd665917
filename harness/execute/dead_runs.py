"""Crash recovery: who owns a cell container, and sweeping those of runs that died.

Every process that starts cell containers labels them with its owner, `host:pid:token`, and
for as long as it lives holds an exclusive lock on the file `token` in a directory of this
host. The kernel drops that lock when the process ends however it ends (SIGKILL, the OOM
killer, a power cut), so a free lock proves the run dead where a pid cannot: pids are reused,
and they mean nothing on another host or in another pid namespace. A container whose token has
no file here was started from elsewhere (an engine shared through DOCKER_HOST, a CI runner) and
is never judged from here. The pid is for people reading `docker ps`.

What a resumed run has left to do is planned in harness/execute/planning.py.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.engine.api import ContainerRunner

_TOKEN = re.compile(r"[0-9a-f]{16}")


def default_owners_dir() -> Path:
    """Where this host's owners keep their lock files (beside the harness's other caches)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "keras-matrix" / "owners"


@dataclass(frozen=True, kw_only=True)
class Owner:
    """The process that started a container, as its owner label names it."""

    host: str
    pid: int
    token: str

    @property
    def label(self) -> str:
        """`host:pid:token`, the value of the container's owner label."""
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def parse(cls, label: str) -> Owner | None:
        """The owner a label names, or None for a label this harness did not write."""
        parts = label.rsplit(":", 2)
        if len(parts) != 3:
            return None
        host, pid, token = parts
        if not host or not pid.isdigit() or _TOKEN.fullmatch(token) is None:
            return None
        return cls(host=host, pid=int(pid), token=token)


@dataclass(frozen=True)
class _Claim:
    owner: Owner
    fd: int


_claims: dict[Path, _Claim] = {}
_claiming = threading.Lock()


def owner_of_this_process(owners_dir: Path | None = None) -> str:
    """This process's owner label; the first call takes the lock that says it is alive."""
    directory = owners_dir or default_owners_dir()
    with _claiming:
        claim = _claims.get(directory)
        if claim is None or claim.owner.pid != os.getpid():  # a forked child claims its own
            claim = _claim(directory)
            _claims[directory] = claim
        return claim.owner.label


def _claim(directory: Path) -> _Claim:
    directory.mkdir(parents=True, exist_ok=True)
    owner = Owner(host=socket.gethostname(), pid=os.getpid(), token=secrets.token_hex(8))
    # Locked under a temporary name, then renamed: a sweep never sees the file unlocked.
    claiming = directory / f".{owner.token}.claiming"
    fd = os.open(claiming, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    claiming.replace(directory / owner.token)
    atexit.register(_release, directory / owner.token, fd)
    return _Claim(owner=owner, fd=fd)


def _release(path: Path, fd: int) -> None:
    path.unlink(missing_ok=True)
    os.close(fd)


def owner_is_dead(label: str, owners_dir: Path | None = None) -> bool:
    """True only when sure: the owner started on this host and no process holds its lock."""
    owner = Owner.parse(label)
    if owner is None or owner.host != socket.gethostname():
        return False
    try:
        fd = os.open((owners_dir or default_owners_dir()) / owner.token, os.O_RDWR)
    except FileNotFoundError:
        return False  # started from another host that shares this name, or before lock files
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # alive (this process included: each open file is locked on its own)
    else:
        return True
    finally:
        os.close(fd)


def sweep_dead_runs(
    engine: ContainerRunner, say: Callable[[str], None], owners_dir: Path | None = None
) -> int:
    """Remove cell containers whose harness process died, then the lock files of those runs."""
    directory = owners_dir or default_owners_dir()
    dead: set[str] = set()

    def of_dead_run(owner: str | None) -> bool:
        if owner is not None and owner_is_dead(owner, directory):
            dead.add(owner)
            return True
        return False

    removed = engine.remove_cells(lambda c: of_dead_run(c.owner))
    for label in dead:
        owner = Owner.parse(label)
        if owner is not None:
            with contextlib.suppress(OSError):
                (directory / owner.token).unlink()
    if removed:
        say(f"removed {removed} container{'s' if removed != 1 else ''} left by dead runs")
    return removed
