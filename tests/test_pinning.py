"""Against the real engine: each image's pip freeze exported, an environment rebuilt exactly
from it (a layered one too, as an image and mounted), the packaged template used by a matrix in a
directory of its own, and a hung install killed at build_timeout.

Installs are tiny (six, python-dateutil). A newer patch of a transitive package reaching the
index after the first run is simulated from the other side: the first run pins the older six
in its own install step, as the index of its day would have resolved it; the second matrix names
python-dateutil alone, so that unpinned its six floats to the newest release.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.build.freezes import pins
from harness.engine.docker_engine import DockerEngine

pytestmark = pytest.mark.docker

SCENARIO = '''"""
title: Import the installed packages
description: Prints six's version.
source: tests
claim: {summary: nothing raises, pattern: "^$"}
"""
import six
print(six.__version__)
'''


def harness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=900,
    )


def project(where: Path, steps: str, extra: str = "") -> Path:
    """A matrix in a directory of its own: no dockerfiles/ beside it."""
    (where / "scenarios").mkdir(parents=True, exist_ok=True)
    (where / "scenarios" / "imports.py").write_text(SCENARIO, encoding="utf-8")
    path = where / "matrix.yaml"
    path.write_text(
        'python: ["3.11"]\nbase: debian\ntimeout: 60\n'
        f"environments:\n  dated:\n    steps: [{steps}]\n"
        f"backends: {{plain: {{}}}}\nscenarios: [imports]\n{extra}",
        encoding="utf-8",
    )
    return path


LAYERED = Path(__file__).resolve().parent / "data" / "integration.yaml"


def freeze_of(run: Path) -> str:
    return (run / "environments" / "py3.11-dated.txt").read_text(encoding="utf-8")


def test_freeze_exported_and_rebuilt_exactly(tmp_path: Path) -> None:
    results = tmp_path / "results"
    first_matrix = project(tmp_path / "then", "'python-dateutil==2.8.2 six==1.15.0'")
    done = harness("run", str(first_matrix), "--results", str(results), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    first = (results / "latest").resolve()
    exported = freeze_of(first)
    assert "six==1.15.0" in exported.splitlines()
    assert "python-dateutil==2.8.2" in exported.splitlines()
    images = json.loads((first / "images.json").read_text(encoding="utf-8"))
    assert images[0]["freeze"] == "environments/py3.11-dated.txt"
    assert f"# base image: keras-matrix-base:bookworm ({images[0]['base_image_id']})" in exported
    assert images[0]["base_image_id"].startswith("sha256:")
    # The packaged template built it: the matrix's directory has no dockerfiles/.
    assert "RUN timeout --kill-after=10 3600 pip install" in images[0]["dockerfile"]
    assert f"is image {images[0]['base_image_id']}." in images[0]["dockerfile"]

    later = project(tmp_path / "now", "python-dateutil==2.8.2")
    floating = harness("run", str(later), "--results", str(results), "--quiet", cwd=tmp_path)
    assert floating.returncode == 0, floating.stderr[-3000:]
    unpinned = freeze_of((results / "latest").resolve())
    assert "six==1.15.0" not in unpinned.splitlines()  # six floated to a newer release

    pinned_run = harness(
        "run",
        str(later),
        "--results",
        str(results),
        "--quiet",
        "--pin-from",
        str(first),
        "--json",
        cwd=tmp_path,
    )
    assert pinned_run.returncode == 0, pinned_run.stderr[-3000:]
    summary = json.loads(pinned_run.stdout)
    rebuilt = Path(summary["path"])
    assert pins(freeze_of(rebuilt)) == pins(exported)
    assert json.loads((rebuilt / "run.json").read_text(encoding="utf-8"))["pinned_from"] == str(
        first / "environments"
    )
    cell = json.loads((rebuilt / "cells.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert cell["status"] == "ok", cell
    assert cell["stdout_tail"].strip() == "1.15.0"

    # Published, the run keeps its freezes, and a diff against it finds nothing changed.
    out = tmp_path / "published"
    assert harness("publish", str(first), "--out", str(out), cwd=tmp_path).returncode == 0
    assert freeze_of(out) == exported
    same = harness("diff", str(out), str(first), cwd=tmp_path)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "No cell changed" in same.stdout


def test_a_layered_environment_is_rebuilt_exactly_step_by_step(tmp_path: Path) -> None:
    """TensorFlow 2.15, then Keras 3 over it: the final freeze (keras 3) cannot constrain the
    first step (TensorFlow 2.15 needs keras<2.16); each step is pinned to its own."""
    results = tmp_path / "results"
    only = (
        *("--only", "environment=tf-2.15,tf-2.15_then_keras-3"),
        *("--only", "backend=unset", "--only", "scenario=missing_tensorflow"),
    )

    def run(*args: str) -> Path:
        done = harness(
            "run", str(LAYERED), "--results", str(results), "--quiet", *only, *args, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "without pins" not in done.stderr
        return (results / "latest").resolve()

    first = run("--environments", "images")
    for mode in ("images", "mounts"):
        rebuilt = run("--environments", mode, "--pin-from", str(first))
        for environment in ("tf-2.15", "tf-2.15_then_keras-3"):
            name = f"py3.11-{environment}.txt"
            pinned = (first / "environments" / name).read_text(encoding="utf-8")
            again = (rebuilt / "environments" / name).read_text(encoding="utf-8")
            assert pins(again) == pins(pinned), (mode, environment)
        images = json.loads((rebuilt / "images.json").read_text(encoding="utf-8"))
        assert {r["status"] for r in images} <= {"built", "reused"}, images
        layered = next(r for r in images if r["environment"] == "tf-2.15_then_keras-3")
        assert "PIP_CONSTRAINT=/etc/keras-matrix/constraints/1.txt timeout" in layered["dockerfile"]
        cells = (rebuilt / "cells.jsonl").read_text(encoding="utf-8").splitlines()
        assert {json.loads(line)["status"] for line in cells} == {"ok"}, cells


@pytest.fixture
def silent_index() -> Iterator[int]:
    """A TCP port on the host that accepts connections and never answers: a hung index."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))  # noqa: S104 - build containers reach the host on its bridge
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.5)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        server.close()


def test_a_hung_install_is_killed_at_build_timeout(
    tmp_path: Path, engine: DockerEngine, silent_index: int
) -> None:
    gateway = engine.gateway()
    assert gateway, "no bridge gateway: build containers cannot reach the host"
    index = f"http://{gateway}:{silent_index}/simple/"
    step = f"'--index-url {index} --trusted-host {gateway} --timeout 600 six==1.16.0'"
    matrix = project(tmp_path, step, "build_timeout: 5\n")
    started = time.monotonic()
    done = harness("run", str(matrix), "--results", str(tmp_path / "r"), "--quiet", cwd=tmp_path)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    run = (tmp_path / "r" / "latest").resolve()
    cell = json.loads((run / "cells.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert cell["status"] == "build_failed"
    assert cell["reason"] == (
        f"`pip install --index-url {index} --trusted-host {gateway} --timeout 600 six==1.16.0` "
        "did not finish within build_timeout (5 s) and was killed"
    )
    images = json.loads((run / "images.json").read_text(encoding="utf-8"))
    assert images[0]["status"] == "failed"
    assert took < 120, f"the hung build took {took:.0f} s"
