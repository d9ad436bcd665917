"""Which cell containers belong to runs that died: judged by a lock the owner holds while alive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.engine.api import HARNESS_LABEL, OWNER_LABEL, ContainerInfo
from harness.execute.dead_runs import Owner, owner_is_dead, owner_of_this_process, sweep_dead_runs

from .fakes import FakeEngine

# A harness process: claims its owner label, prints it, then waits to be killed.
_OWNER = (
    "import sys\n"
    "from pathlib import Path\n"
    "from harness.execute.dead_runs import owner_of_this_process\n"
    "print(owner_of_this_process(Path(sys.argv[1])), flush=True)\n"
    "sys.stdin.read()\n"
)


class _Process:
    def __init__(self, owners: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _OWNER, str(owners)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.label = self.process.stdout.readline().strip()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate()  # waits, and closes the pipes


@pytest.fixture
def owner(tmp_path: Path) -> Iterator[_Process]:
    process = _Process(tmp_path)
    yield process
    process.kill()


def test_a_live_owner_is_alive_and_a_killed_one_dead(tmp_path: Path, owner: _Process) -> None:
    parsed = Owner.parse(owner.label)
    assert parsed is not None and parsed.host == socket.gethostname()
    assert parsed.pid == owner.process.pid
    assert not owner_is_dead(owner.label, tmp_path)
    owner.kill()  # SIGKILL: no cleanup ran, the kernel dropped the lock
    assert owner_is_dead(owner.label, tmp_path)


def test_this_process_is_alive(tmp_path: Path) -> None:
    me = owner_of_this_process(tmp_path)
    assert me == owner_of_this_process(tmp_path)  # claimed once per process
    assert not owner_is_dead(me, tmp_path)


def test_a_reused_pid_does_not_make_a_dead_owner_alive(tmp_path: Path, owner: _Process) -> None:
    parsed = Owner.parse(owner.label)
    assert parsed is not None
    owner.kill()
    # This process is alive; the dead owner's label with this pid is still dead.
    reused = Owner(host=parsed.host, pid=os.getpid(), token=parsed.token)
    assert owner_is_dead(reused.label, tmp_path)


def test_owners_of_other_hosts_are_never_judged(tmp_path: Path, owner: _Process) -> None:
    parsed = Owner.parse(owner.label)
    assert parsed is not None
    owner.kill()
    elsewhere = Owner(host=f"not-{parsed.host}", pid=parsed.pid, token=parsed.token)
    assert not owner_is_dead(elsewhere.label, tmp_path)
    # Same host name, but the owner never ran here (no lock file): a namesake host.
    namesake = Owner(host=parsed.host, pid=parsed.pid, token="0123456789abcdef")  # noqa: S106 - not a secret
    assert not owner_is_dead(namesake.label, tmp_path)


@pytest.mark.parametrize(
    "label", ["garbage", "", "host:12:1", f"{socket.gethostname()}:1:../../../etc/passwd"]
)
def test_labels_this_harness_did_not_write_are_never_judged(tmp_path: Path, label: str) -> None:
    assert Owner.parse(label) is None
    assert not owner_is_dead(label, tmp_path)


def test_sweep_removes_only_dead_runs_containers(tmp_path: Path, owner: _Process) -> None:
    owner.kill()
    engine = FakeEngine()
    cell = {HARNESS_LABEL: "cell"}
    engine.containers_left = [
        ContainerInfo(id="dead1", name="a", labels=cell | {OWNER_LABEL: owner.label}),
        ContainerInfo(
            id="alive", name="b", labels=cell | {OWNER_LABEL: owner_of_this_process(tmp_path)}
        ),
        ContainerInfo(id="other", name="c", labels=cell | {OWNER_LABEL: "elsewhere:1:1"}),
        ContainerInfo(id="unlabelled", name="d", labels=cell),
    ]
    said: list[str] = []
    assert sweep_dead_runs(engine, said.append, tmp_path) == 1
    assert engine.removed_containers == ["dead1"]
    assert said == ["removed 1 container left by dead runs"]
    parsed = Owner.parse(owner.label)
    assert parsed is not None and not (tmp_path / parsed.token).exists()
