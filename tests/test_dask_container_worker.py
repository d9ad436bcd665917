"""Real containers: a Dask worker on "another machine", a container that shares only the
engine's socket with this host, runs a matrix for a client on this host.

The worker cannot see the client's matrix, scenarios, driver or results: each task carries the
payload's bytes, the worker's engine asks whether its binds reach the worker's files (they do
not), copies the payload into volumes the engine owns, and the outcomes travel back to the
client, which records them. They must equal a local run's, cell by cell."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.engine.payload import VOLUME_PREFIX
from harness.results.rundir import RunDir
from tests.builders import harness, ok, verdicts

from .conftest import ROOT

pytestmark = pytest.mark.docker

SCENARIOS = ROOT / "scenarios"
# Keras 3 alone: one small image; the backends' outcomes differ by the payload's keras.json.
MATRIX = f"""
python: ["3.11"]
base: debian
timeout: 120
scenario_dir: {SCENARIOS}
template_dir: {ROOT / "dockerfiles"}
environments:
  keras3-only:
    steps: [keras==3.12.0]
backends:
  unset: {{}}
  jax:
    env: {{KERAS_BACKEND: jax}}
  stale-json:
    keras_json: {{backend: theano, floatx: float32, epsilon: 1.0e-07}}
scenarios: [missing_tensorflow, invalid_backend]
"""
SOCKET = "/var/run/docker.sock"
WORKER_IMAGE = "keras-matrix-worker:test"


def docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout


def _image_id(ref: str) -> str | None:
    found = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", ref],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() if found.returncode == 0 else None


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _wait_registered(container: str, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        logs = subprocess.run(
            ["docker", "logs", container], capture_output=True, text=True, check=False
        )
        if "Registered to" in logs.stderr + logs.stdout:
            return
        time.sleep(0.5)
    pytest.fail(f"the worker in {container} did not register: {logs.stderr[-2000:]}")


def test_a_worker_sharing_only_the_engine_socket_runs_the_cells(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text(MATRIX, encoding="utf-8")
    ok(harness("run", str(matrix), "--results", str(tmp_path / "local"), "--no-cache", "-q"))
    local = verdicts((tmp_path / "local" / "latest").resolve())
    assert len(local) == 6
    assert {v[1] for v in local.values()} == {"ModuleNotFoundError", "ValueError"}
    previous = _image_id(WORKER_IMAGE)
    ok(harness("worker-image", "--tag", WORKER_IMAGE, "--base", "debian", "--quiet"))
    if previous not in (None, _image_id(WORKER_IMAGE)):
        # The last session's image, untagged now: each build holds this checkout's harness.
        subprocess.run(["docker", "rmi", previous], capture_output=True, check=False)

    # The scheduler listens on the bridge only: there the worker's container reaches it.
    gateway = DockerEngine.connect(silent).gateway()
    assert gateway is not None
    address = f"tcp://{gateway}:{_free_port(gateway)}"
    scheduler = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dask"),
            "scheduler",
            "--host",
            gateway,
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    name = f"keras-matrix-worker-test-{secrets.token_hex(4)}"
    started = time.time()
    try:
        docker(
            "run",
            "-d",
            "--name",
            name,
            "-v",
            f"{SOCKET}:{SOCKET}",
            WORKER_IMAGE,
            "dask",
            "worker",
            address,
            "--nthreads",
            "1",
            "--no-dashboard",
        )
        mounts = json.loads(docker("inspect", "--format", "{{json .Mounts}}", name))
        assert [(m["Type"], m["Source"], m["Destination"]) for m in mounts] == [
            ("bind", SOCKET, SOCKET)
        ]
        # Another machine: the client's scenarios are not on the worker's filesystem.
        seen = subprocess.run(["docker", "exec", name, "test", "-e", str(SCENARIOS)], check=False)
        assert seen.returncode == 1
        _wait_registered(name, 120)

        remote = tmp_path / "remote"
        began = time.monotonic()
        result = ok(
            harness(
                "run",
                str(matrix),
                "--executor",
                "dask",
                "--scheduler",
                address,
                "--results",
                str(remote),
                "--no-cache",
                "-q",
            )
        )
        wall = time.monotonic() - began
        assert f"dask: scheduler {address}, 1 workers" in result.stderr
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
        scheduler.kill()
        scheduler.wait()
    finished = time.time()

    run = (remote / "latest").resolve()
    recorded = [o.cell_id for o in RunDir(path=run).outcomes()]
    assert len(recorded) == len(set(recorded)) == 6  # each cell exactly once
    assert verdicts(run) == local
    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert meta["provenance"]["executor"] == f"dask {address}"
    # The payload reached the cells through volumes the worker's engine owns (the client's
    # own engine binds its files), and every one of them is gone again.
    created = docker(
        "events",
        "--since",
        f"{started:.0f}",
        "--until",
        f"{finished + 1:.0f}",
        "--filter",
        "type=volume",
        "--filter",
        "event=create",
        "--format",
        "{{.Actor.ID}}",
    ).split()
    payload = {volume for volume in created if volume.startswith(VOLUME_PREFIX)}
    assert payload, "no payload volume was made: the worker bound paths its engine lacks"
    assert payload.isdisjoint(docker("volume", "ls", "--quiet").split())
    # No container is left: the run's cells, the worker, the helpers that filled the volumes.
    assert docker("ps", "-aq", "--filter", f"label=io.keras-matrix.run={run.name}").split() == []
    assert docker("ps", "-aq", "--filter", f"name={name}").split() == []
    helpers = docker(
        "events",
        "--since",
        f"{started:.0f}",
        "--until",
        f"{finished + 1:.0f}",
        "--filter",
        "type=container",
        "--filter",
        "event=create",
        "--filter",
        "label=io.keras-matrix.harness=payload-helper",
        "--format",
        "{{.Actor.ID}}",
    ).split()
    assert helpers and set(helpers).isdisjoint(docker("ps", "-aq", "--no-trunc").split())
    print(f"the matrix on a worker in a container: {wall:.1f} s")
