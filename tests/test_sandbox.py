"""The sandbox's settings, flags and overrides; output clipping; crash-safe cell records;
who owns a container; network retries. No Docker engine needed."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from harness.cli.options import sandbox_with
from harness.config.matrix import load_matrix
from harness.config.sandbox import Sandbox, parse_size
from harness.driver import Clip
from harness.engine.api import RunSpec
from harness.engine.docker_confinement import create_kwargs
from harness.engine.docker_errors import unavailable_reason
from harness.errors import ConfigurationError
from harness.results.rundir import CellWriter, RunDir, repair_torn_tail

from .conftest import DATA, ROOT

HOSTILE = DATA / "hostile"


def test_default_flags_confine_the_cell() -> None:
    argv = RunSpec(image="img", command=("python", "x.py")).argv()
    text = " ".join(argv)
    assert text.startswith(
        "docker run --rm --network none --cap-drop ALL --security-opt no-new-privileges "
        "--user 1000:1000 --read-only "
        "--tmpfs /home/cell:rw,exec,nosuid,nodev,size=256m,uid=1000,gid=1000 "
        "--tmpfs /tmp:rw,exec,nosuid,nodev,size=256m,mode=1777 "
        "--memory 4g --memory-swap 4g --pids-limit 4096 --ulimit nofile=4096:4096 "
    )
    assert "--privileged" not in text


def test_sdk_arguments_match_the_flags() -> None:
    sandbox = Sandbox(memory="1g", memory_swap="2g", pids_limit=100, network="bridge")
    kwargs = create_kwargs(sandbox)
    assert kwargs["network_mode"] == "bridge"
    assert (kwargs["mem_limit"], kwargs["memswap_limit"], kwargs["pids_limit"]) == ("1g", "2g", 100)
    assert kwargs["cap_drop"] == ["ALL"] and kwargs["security_opt"] == ["no-new-privileges"]
    assert kwargs["read_only"] is True and kwargs["privileged"] is False
    assert kwargs["tmpfs"] == sandbox.tmpfs()
    flags = sandbox.docker_flags()
    assert flags[flags.index("--memory-swap") + 1] == "2g"


def test_matrix_sandbox_section_overrides_defaults() -> None:
    matrix = load_matrix(HOSTILE / "matrix.yaml")
    assert matrix.sandbox == Sandbox(
        memory="256m", pids_limit=32, home_size="16m", tmp_size="16m", output_limit=4096
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("  memory: lots", "sandbox.memory: 'lots' is not a size like '512m' or '4g'"),
        ("  pids_limit: 2", "sandbox.pids_limit: Input should be greater than or equal to 8"),
        ("  network: internet", "sandbox.network: Input should be 'none', 'bridge' or 'host'"),
        (
            "  memory: 2g\n  memory_swap: 1g",
            "sandbox: memory_swap (memory plus swap) must be at least memory",
        ),
        (
            "  privileged: true",
            "sandbox.privileged: unknown key; did you mean 'no_new_privileges'?",
        ),
        ("  memroy: 1g", "sandbox.memroy: unknown key; did you mean 'memory'?"),
    ],
)
def test_bad_sandbox_settings_are_located(tmp_path: Path, section: str, message: str) -> None:
    text = (HOSTILE / "matrix.yaml").read_text()
    text = text.replace("scenario_dir: scenarios", f"scenario_dir: {HOSTILE / 'scenarios'}")
    start = text.index("sandbox:\n")
    end = text.index("\n\n", start)
    path = tmp_path / "matrix.yaml"
    path.write_text(text[:start] + "sandbox:\n" + section + text[end:])
    with pytest.raises(ConfigurationError) as caught:
        load_matrix(path)
    assert str(caught.value).startswith(f"{path}:")
    assert str(caught.value).endswith(message)


def test_cli_sandbox_override_and_its_errors(tmp_path: Path) -> None:
    base = Sandbox()
    changed = sandbox_with(base, ("memory=8g", "network=bridge", "pids_limit=8192", "user=1000"))
    assert (changed.memory, changed.network, changed.pids_limit, changed.user) == (
        "8g",
        "bridge",
        8192,
        "1000",
    )
    with pytest.raises(
        ConfigurationError, match=r"--sandbox 'pids_limit=many': Input should be a valid integer"
    ):
        sandbox_with(base, ("pids_limit=many",))
    with pytest.raises(ConfigurationError, match=r"KEY one of network, user"):
        sandbox_with(base, ("cpus=2",))


def test_parse_size() -> None:
    assert parse_size("512m") == 512 * 1024**2
    assert parse_size("4g") == 4 * 1024**3
    assert parse_size("65536") == 65536
    with pytest.raises(ValueError, match="not a size"):
        parse_size("4 gigs")


def test_clip_keeps_head_and_tail_and_counts_the_cut() -> None:
    clip = Clip(10)
    for piece in (b"abc", b"defgh", b"ijklmnop", b"qrst"):
        clip.feed(piece)
    assert clip.text() == "abcde\n[... 10 bytes cut ...]\npqrst"
    assert clip.dropped == 10
    small = Clip(100)
    small.feed(b"short")
    assert (small.text(), small.dropped) == ("short", 0)


def _outcome_line(cell_id: str) -> str:
    return json.dumps(
        {
            "run_id": "r",
            "cell_id": cell_id,
            "python": "3.11",
            "environment": "e",
            "backend": "b",
            "scenario": "s",
            "status": "ok",
        }
    )


def test_a_torn_last_line_is_skipped_then_repaired(tmp_path: Path) -> None:
    run = RunDir(path=tmp_path)
    run.cells_path.write_text(_outcome_line("a") + "\n" + _outcome_line("b")[:40])
    assert [o.cell_id for o in run.outcomes()] == ["a"]
    assert repair_torn_tail(run.cells_path)
    assert run.cells_path.read_text() == _outcome_line("a") + "\n"
    assert not repair_torn_tail(run.cells_path)


def test_cell_writer_repairs_before_appending(tmp_path: Path) -> None:
    run = RunDir(path=tmp_path)
    run.cells_path.write_text(_outcome_line("a") + "\n" + '{"cell_id": "tor')
    first = next(run.outcomes())
    writer = CellWriter(run.cells_path)
    writer.write(first)
    writer.close()
    assert [o.cell_id for o in run.outcomes()] == ["a", "a"]


def test_unavailable_reasons_come_from_os_errors() -> None:
    def wrapped(inner: OSError) -> Exception:
        try:
            try:
                raise inner
            except OSError as exc:
                raise ConnectionError(("Connection aborted.", exc)) from exc
        except ConnectionError as outer:
            return outer

    assert unavailable_reason(wrapped(PermissionError(errno.EACCES, "denied"))).startswith(
        "permission denied on the Docker socket"
    )
    assert unavailable_reason(wrapped(FileNotFoundError(errno.ENOENT, "no"))).startswith(
        "Docker is not installed or not running"
    )
    assert unavailable_reason(wrapped(ConnectionRefusedError(errno.ECONNREFUSED, "no"))).startswith(
        "the Docker daemon is not running"
    )


def test_no_engine_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    env = os.environ | {"DOCKER_HOST": f"unix://{tmp_path}/missing.sock"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            str(HOSTILE / "matrix.yaml"),
            "--results",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr == (
        "error: Docker is not installed or not running: no Docker socket "
        "(start the daemon or set DOCKER_HOST)\n"
    )


def test_a_daemon_that_is_not_running_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    # A socket file nobody listens on: what a stopped daemon leaves behind.
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as stale:
        stale.bind(str(path))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "clean", "--yes"],
        capture_output=True,
        text=True,
        env=os.environ | {"DOCKER_HOST": f"unix://{path}"},
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.startswith("error: the Docker daemon is not running")
    assert done.stderr.count("\n") == 1


NOBODY = 65534


def _without_socket_access(
    tmp_path: Path, code_args: list[str]
) -> subprocess.CompletedProcess[str]:
    """This checkout's harness run by a user the Docker socket refuses.

    As root: the engine's own socket, by the unprivileged user nobody (as a user outside the
    docker group meets it), with the system's Python of the same version, since the venv's
    interpreter may sit where nobody cannot read. As another user: a listening socket of our
    own with no permissions, which the kernel refuses with EACCES as it would Docker's.
    """
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    if os.geteuid() != 0:
        path = tmp_path / "docker.sock"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        listener.listen()
        path.chmod(0)
        with listener:
            return subprocess.run(
                [sys.executable, *code_args],
                capture_output=True,
                text=True,
                check=False,
                env=env | {"DOCKER_HOST": f"unix://{path}"},
            )
    python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    paths = f"{ROOT}:{sysconfig.get_paths()['purelib']}"
    return subprocess.run(
        [python, *code_args],
        capture_output=True,
        text=True,
        check=False,
        env=env | {"HOME": "/tmp", "PYTHONPATH": paths},
        cwd="/",
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
    )


@pytest.mark.docker
def test_permission_denied_on_the_socket_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    socket_path = Path("/var/run/docker.sock")
    if os.geteuid() == 0:
        assert socket_path.is_socket(), f"{socket_path} is missing: cannot check its refusal"
        assert not socket_path.stat().st_mode & 0o006, f"{socket_path} is open to every user"
        probe = _without_socket_access(tmp_path, ["-c", "import harness, docker"])
        assert probe.returncode == 0, (
            f"the harness cannot be imported as an unprivileged user: {probe.stderr[-200:]}"
        )
    done = _without_socket_access(tmp_path, ["-m", "harness", "clean", "--yes"])
    assert done.returncode == 3, done.stderr
    assert done.stderr == (
        "error: permission denied on the Docker socket: add your user to the 'docker' group "
        "(then log in again) or set DOCKER_HOST\n"
    )
