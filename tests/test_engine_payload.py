"""The payload as a volume the engine owns, for engines on another host: the same outcomes as
a bind mount, read-only in the cell, and nothing left behind. Against the real engine."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import tarfile
from pathlib import Path

import docker
import docker.errors
import pytest
from rich.console import Console

from harness.build.bases import BaseResolver
from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.engine.api import RUN_LABEL
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.engine.payload import (
    VOLUME_PREFIX,
    archive_of,
    engine_sees_this_filesystem,
    helper_labels,
    shares_this_filesystem,
)
from harness.execute.pipeline import Options, default_ca_bundle, run_matrix
from harness.execute.ui import Reporter
from harness.results.outcome import Outcome

from .conftest import ROOT

MATRIX = f"""\
python: ["3.11"]
base: debian
timeout: 60
scenario_dir: "{ROOT / "scenarios"}"
template_dir: "{ROOT / "dockerfiles"}"
environments:
  tiny: {{steps: [six==1.16.0]}}
backends:
  unset: {{}}
  stale-json: {{keras_json: {{backend: theano}}}}
scenarios: [missing_tensorflow]
"""


def test_only_a_local_socket_shares_this_filesystem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no config.json: the default context
    assert shares_this_filesystem({})
    assert shares_this_filesystem({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"})
    assert not shares_this_filesystem({"DOCKER_HOST": "tcp://10.0.0.5:2376"})
    assert not shares_this_filesystem({"DOCKER_HOST": "ssh://build@ci-runner"})


def test_the_archive_is_read_only_and_root_owned(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "driver.py").write_text("print(1)\n", encoding="utf-8")
    (tmp_path / "scenarios" / "s.py").write_text("x = 1\n", encoding="utf-8")
    with tarfile.open(fileobj=io.BytesIO(archive_of(tmp_path))) as tar:
        members = {m.name: (m.mode, m.uid, m.isdir()) for m in tar.getmembers()}
    assert members == {
        "driver.py": (0o444, 0, False),
        "scenarios": (0o555, 0, True),
        "scenarios/s.py": (0o444, 0, False),
    }


def run(tmp_path: Path, engine: DockerEngine) -> dict[str, Outcome]:
    tmp_path.mkdir()
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    matrix = load_matrix(path)
    options = Options(
        base="debian", template_dir=matrix.template_dir, ca_bundle=default_ca_bundle()
    )
    done = run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        dataclasses.replace(options, use_cache=False),
        results_root=tmp_path / "results",
        reporter=Reporter(Console(file=io.StringIO()), verbose=False),
        echo=silent,
    )
    return {o.cell_id: o for o in done.outcomes()}


def _seen(outcome: Outcome) -> tuple[str, str | None, str | None]:
    """What a cell showed: its status and the exception's type and message."""
    error = outcome.error
    return (outcome.status, error.type if error else None, error.message if error else None)


def _ours(client: docker.DockerClient, tmp_path: Path) -> list[str]:
    return [
        v.name
        for v in client.volumes.list(filters={"label": "io.keras-matrix.harness=payload"})
        if str(v.name).startswith(VOLUME_PREFIX)
    ]


@pytest.mark.docker
def test_a_payload_volume_gives_the_same_outcomes_as_a_bind_mount(tmp_path: Path) -> None:
    client = docker.from_env()
    before = set(_ours(client, tmp_path))
    bound = run(tmp_path / "bound", DockerEngine(client, silent))
    commands: list[str] = []
    copied = run(
        tmp_path / "copied",
        DockerEngine(client, lambda argv: commands.append(" ".join(argv)), copy_mounts=True),
    )
    made = [c for c in commands if c.startswith("docker volume create")]
    assert len(made) == 1, commands  # one copy of the payload for the run's two cells
    assert bound.keys() == copied.keys() and len(bound) == 2
    for cell_id, outcome in bound.items():
        other = copied[cell_id]
        assert (
            other.status,
            other.error and other.error.type,
            other.error and other.error.message,
        ) == (
            outcome.status,
            outcome.error and outcome.error.type,
            outcome.error and outcome.error.message,
        ), cell_id
    assert {o.status for o in copied.values()} == {"error"}
    # The stale keras.json reached the cell through the volume: the driver copied it in.
    stale = copied["py3.11/tiny/stale-json/missing_tensorflow"]
    assert stale.error is not None and stale.error.type == "ModuleNotFoundError"
    assert set(_ours(client, tmp_path)) == before  # released at the end of the run


@pytest.mark.docker
def test_the_payload_volume_is_mounted_read_only(tmp_path: Path) -> None:
    client = docker.from_env()
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    scenario = tmp_path / "scenarios" / "missing_tensorflow.py"
    scenario.parent.mkdir()
    original = (ROOT / "scenarios" / "missing_tensorflow.py").read_text(encoding="utf-8")
    docstring = original[: original.index('"""', 3) + 3]
    scenario.write_text(
        docstring + "\nline = next(m for m in open('/proc/self/mounts') if ' /keras-matrix ' in m)"
        "\nraise RuntimeError(line.split()[3].split(',')[0])\n",
        encoding="utf-8",
    )
    text = MATRIX.replace(f'"{ROOT / "scenarios"}"', f'"{scenario.parent}"')
    path.write_text(text, encoding="utf-8")
    matrix = load_matrix(path)
    done = run_matrix(
        DockerEngine(client, silent, copy_mounts=True),
        matrix,
        expand(matrix).cells[:1],
        Options(base="debian", template_dir=matrix.template_dir, ca_bundle=default_ca_bundle()),
        results_root=tmp_path / "results",
        reporter=Reporter(Console(file=io.StringIO()), verbose=False),
        echo=silent,
    )
    (outcome,) = done.outcomes()
    assert outcome.error is not None
    assert (outcome.error.type, outcome.error.message) == ("RuntimeError", "ro")


@pytest.mark.docker
def test_an_engine_on_this_filesystem_is_told_by_a_bound_file(tmp_path: Path) -> None:
    """Here the engine binds this process's paths, so a connected engine binds rather than
    copies (a worker in a container, which it cannot see, is tests/test_dask_container_worker)."""
    client = docker.from_env()
    base = BaseResolver(DockerEngine(client, silent), "debian", echo=silent, say=silent)
    image = base.ensure("3.11").image
    assert engine_sees_this_filesystem(client, image, helper_labels(None, None))
    before = set(_ours(client, tmp_path))
    commands: list[str] = []
    engine = DockerEngine.connect(lambda argv: commands.append(" ".join(argv)))
    outcomes = run(tmp_path / "asked", engine)
    assert len(outcomes) == 2
    assert not [c for c in commands if c.startswith("docker volume create")], commands
    assert set(_ours(client, tmp_path)) == before
    probes = [
        c
        for c in client.containers.list(all=True, filters={"label": "io.keras-matrix.harness"})
        if any("keras-matrix-probe-" in m.get("Source", "") for m in c.attrs.get("Mounts", []))
    ]
    assert probes == []  # the probe's container is gone


@pytest.mark.docker
def test_a_helper_left_by_a_killed_process_is_swept_with_its_runs_cells() -> None:
    """A process killed between creating a probe or filler container and removing it (a Dask
    worker's SIGKILL) leaves it behind; the sweep of the run's cells removes it too."""
    client = docker.from_env()
    engine = DockerEngine(client, silent)
    image = BaseResolver(engine, "debian", echo=silent, say=silent).ensure("3.11").image
    run_id = f"helper-sweep-{id(client):x}"
    left = client.containers.create(
        image, ["true"], network_mode="none", labels=helper_labels(run_id, None)
    )
    try:
        assert engine.remove_cells(lambda c: c.labels.get(RUN_LABEL) == run_id) == 1
        assert client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"}) == []
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            left.remove(force=True)


def test_a_docker_context_on_another_host_is_not_this_filesystem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Docker CLI's layout: config.json beside contexts/meta/<sha256 of the name>/meta.json.
    (tmp_path / "config.json").write_text('{"currentContext": "builder"}', encoding="utf-8")
    for name, host in (("builder", "ssh://build@ci-runner"), ("desk", "unix:///run/d.sock")):
        meta = tmp_path / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
        meta.mkdir(parents=True)
        endpoint = {"Host": host, "SkipTLSVerify": False}
        document = {"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}}
        (meta / "meta.json").write_text(json.dumps(document), encoding="utf-8")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))

    assert not shares_this_filesystem({})  # config.json's current context
    assert shares_this_filesystem({"DOCKER_CONTEXT": "desk"})
    assert not shares_this_filesystem({"DOCKER_CONTEXT": "builder"})
    assert shares_this_filesystem({"DOCKER_HOST": "unix:///var/run/docker.sock"})
