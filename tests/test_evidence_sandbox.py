"""The sandbox checked where it takes effect: from inside a running cell (credentials,
capabilities, no_new_privs, limits, cgroups, mounts, network), and in the daemon's record of
the container, which must be the same whether docker-py made it or the printed `docker run`
line did, for every setting of `Sandbox`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import docker
import pytest

from harness.config.cells import expand
from harness.config.matrix import Matrix, load_matrix
from harness.config.sandbox import Sandbox, parse_size
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.execute.runner import Payload

from .conftest import DATA
from .real_cells import CellRun, build, run_cell

pytestmark = pytest.mark.docker
MATRIX = DATA / "evidence" / "sandbox.yaml"
PROBE_PREFIX = "SANDBOX-PROBE "


class _Containers:
    def __init__(self, recorder: RecordingClient) -> None:
        self._recorder = recorder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recorder.client.containers, name)

    def create(self, *args: Any, **kwargs: Any) -> Any:
        container = self._recorder.client.containers.create(*args, **kwargs)
        self._recorder.created.append(self._recorder.client.api.inspect_container(container.id))
        return container


class RecordingClient:
    """docker-py's client, keeping the daemon's record (`docker inspect`) of each container
    created through it, taken before it starts."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.created: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    @property
    def containers(self) -> _Containers:
        return _Containers(self)


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return load_matrix(MATRIX)


@pytest.fixture(scope="module")
def probes(
    matrix: Matrix, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[Sandbox, CellRun, dict[str, Any]]]]:
    """The probe cell under the matrix's own sandbox and under the defaults: the sandbox it ran
    with, the run, and the daemon's record of its container."""
    client = docker.from_env()
    recorder = RecordingClient(client)
    engine = DockerEngine(recorder, silent)  # type: ignore[arg-type] # a pass-through proxy
    work = tmp_path_factory.mktemp("evidence-sandbox")
    (cell,) = expand(matrix).cells
    image = build(engine, matrix, work)[cell.image_key]
    payload = Payload.prepare(work / "payload", matrix)
    found = {}
    for name, sandbox in (("matrix", matrix.sandbox), ("defaults", Sandbox())):
        run = run_cell(engine, matrix, cell, image, payload, sandbox=sandbox)
        found[name] = (sandbox, run, recorder.created[-1])
    yield found
    client.close()


def _probe(run: CellRun) -> dict[str, Any]:
    outcome = run.outcome
    assert outcome.status == "ok", (outcome.status, outcome.reason, outcome.error)
    lines = [line for line in outcome.stdout_tail.splitlines() if line.startswith(PROBE_PREFIX)]
    assert len(lines) == 1, outcome.stdout_tail
    report: dict[str, Any] = json.loads(lines[0].removeprefix(PROBE_PREFIX))
    return report


SANDBOXES = ["matrix", "defaults"]


@pytest.mark.parametrize("which", SANDBOXES)
def test_no_capabilities_and_no_new_privileges(
    probes: dict[str, tuple[Sandbox, CellRun, dict[str, Any]]], which: str
) -> None:
    sandbox, run, _ = probes[which]
    assert sandbox.cap_drop_all and sandbox.no_new_privileges
    status = _probe(run)["status"]
    for key in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
        assert int(status[key], 16) == 0, (key, status[key])
    assert status["NoNewPrivs"] == "1"


@pytest.mark.parametrize("which", SANDBOXES)
def test_user_and_limits_as_the_kernel_applies_them(
    probes: dict[str, tuple[Sandbox, CellRun, dict[str, Any]]], which: str
) -> None:
    sandbox, run, _ = probes[which]
    probe = _probe(run)
    uid, _, gid = sandbox.user.partition(":")
    assert probe["uid"] == [int(uid), int(uid)]
    assert probe["gid"] == [int(gid), int(gid)]
    assert probe["groups"] in ([], [int(gid)])  # no supplementary group beyond its own
    assert probe["nofile"] == [sandbox.nofile, sandbox.nofile]
    assert probe["pids_max"] == str(sandbox.pids_limit)
    memory, memory_swap = parse_size(sandbox.memory), parse_size(sandbox.memory_swap_value())
    assert int(probe["memory_max"]) == memory
    # cgroup v1 limits memory plus swap, as `--memory-swap` does; v2 limits the swap alone.
    swap = memory_swap - memory if probe["cgroup2"] else memory_swap
    assert int(probe["memory_swap_max"]) == swap


@pytest.mark.parametrize("which", SANDBOXES)
def test_filesystems_as_mounted(
    probes: dict[str, tuple[Sandbox, CellRun, dict[str, Any]]], which: str
) -> None:
    sandbox, run, _ = probes[which]
    probe = _probe(run)
    assert sandbox.read_only
    # The payload and the root refuse writes with EROFS; the two tmpfs take them.
    assert probe["writes"] == {
        "/keras-matrix": "EROFS",
        "/": "EROFS",
        "/tmp": "written",
        "home": "written",
    }
    mounts = probe["mounts"]
    assert "ro" in mounts["/keras-matrix"]["options"]
    assert "ro" in mounts["/"]["options"]
    for point in ("/tmp", probe["home"]):
        assert mounts[point]["fstype"] == "tmpfs"
        assert {"rw", "nosuid", "nodev"} <= set(mounts[point]["options"])
        assert "noexec" not in mounts[point]["options"]
    assert probe["sizes"] == {
        "/tmp": parse_size(sandbox.tmp_size),
        "home": parse_size(sandbox.home_size),
    }
    assert probe["modes"]["/tmp"] == "0o1777"
    uid, _, gid = sandbox.user.partition(":")
    assert probe["owners"]["home"] == [int(uid), int(gid)]


@pytest.mark.parametrize("which", SANDBOXES)
def test_no_network_but_loopback(
    probes: dict[str, tuple[Sandbox, CellRun, dict[str, Any]]], which: str
) -> None:
    sandbox, run, _ = probes[which]
    assert sandbox.network == "none"
    assert _probe(run)["interfaces"] == ["lo"]


def _normal(value: Any) -> Any:
    """The daemon stores an unset list as null from one client and [] from another."""
    return None if value in ([], {}, "") else value


# What the CLI and docker-py fill in differently without changing the confinement: the CLI
# attaches the streams and names "no" restart policy; docker-py declares the volume's target.
# `--rm` (AutoRemove) is printed for a person; the engine removes the container itself.
CONFIG_IGNORED = {"Hostname", "AttachStdout", "AttachStderr", "Volumes"}
HOST_CONFIG_IGNORED = {"AutoRemove", "RestartPolicy"}


@pytest.mark.parametrize("which", SANDBOXES)
def test_the_printed_line_makes_the_container_docker_py_made(
    probes: dict[str, tuple[Sandbox, CellRun, dict[str, Any]]], which: str
) -> None:
    _, run, made = probes[which]
    argv = run.spec.argv()
    assert argv[:3] == ["docker", "run", "--rm"]
    created = subprocess.run(
        ["docker", "create", *argv[3:]], capture_output=True, text=True, check=True
    ).stdout.strip()
    client = docker.from_env()
    try:
        printed = client.api.inspect_container(created)
    finally:
        client.api.remove_container(created, force=True)
        client.close()
    for part, ignored in (("HostConfig", HOST_CONFIG_IGNORED), ("Config", CONFIG_IGNORED)):
        keys = (set(made[part]) | set(printed[part])) - ignored
        differ = {
            key: (made[part].get(key), printed[part].get(key))
            for key in sorted(keys)
            if _normal(made[part].get(key)) != _normal(printed[part].get(key))
        }
        assert differ == {}, f"{part}: docker-py vs the printed line"
    assert made["Mounts"] == printed["Mounts"]
    assert made["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")
    assert printed["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")


def _expected_settings(sandbox: Sandbox) -> dict[str, tuple[str, str, Any]]:
    """Where each Sandbox field shows in `docker inspect`, and the value it must have there."""
    return {
        "network": ("HostConfig", "NetworkMode", sandbox.network),
        "user": ("Config", "User", sandbox.user),
        "read_only": ("HostConfig", "ReadonlyRootfs", sandbox.read_only),
        "cap_drop_all": ("HostConfig", "CapDrop", ["ALL"] if sandbox.cap_drop_all else None),
        "no_new_privileges": (
            "HostConfig",
            "SecurityOpt",
            ["no-new-privileges"] if sandbox.no_new_privileges else None,
        ),
        "home_size": ("HostConfig", "Tmpfs", sandbox.tmpfs()),
        "tmp_size": ("HostConfig", "Tmpfs", sandbox.tmpfs()),
        "memory": ("HostConfig", "Memory", parse_size(sandbox.memory)),
        "memory_swap": ("HostConfig", "MemorySwap", parse_size(sandbox.memory_swap_value())),
        "pids_limit": ("HostConfig", "PidsLimit", sandbox.pids_limit),
        "nofile": (
            "HostConfig",
            "Ulimits",
            [{"Name": "nofile", "Soft": sandbox.nofile, "Hard": sandbox.nofile}],
        ),
        # Not a container setting: the driver's argument, on the command line.
        "output_limit": ("Config", "Cmd", str(sandbox.output_limit)),
    }


@pytest.mark.parametrize("which", SANDBOXES)
def test_every_sandbox_setting_reaches_the_daemon(
    probes: dict[str, tuple[Sandbox, CellRun, dict[str, Any]]], which: str
) -> None:
    sandbox, _, made = probes[which]
    expected = _expected_settings(sandbox)
    # A new Sandbox field fails here until it is checked like the others.
    assert set(expected) == {f.name for f in fields(Sandbox)}
    assert made["HostConfig"]["Privileged"] is False
    for name, (part, key, value) in expected.items():
        found = made[part][key]
        if name == "output_limit":
            assert found[found.index("--output-limit") + 1] == value, found
        else:
            assert found == value, (name, found)
    assert Path(made["Mounts"][0]["Destination"]) == Path("/keras-matrix")
    assert made["Mounts"][0]["RW"] is False
