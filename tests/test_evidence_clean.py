"""`harness clean` against a real engine: it removes the images the harness built, base and
environment, and nothing else. It runs against a second Docker daemon of its own (its own
socket, data root, containerd namespace and bridge), so that the machine's images, which other
test files and other users need, are never touched.

The second daemon gets a bridge of its own rather than `--bridge none`: a daemon started with
no bridge deletes the host's docker0 interface, which cuts every container of the machine's
own daemon off the network."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from harness.build.bases import Base
from harness.build.dockerfile import render
from harness.config.matrix import load_matrix
from harness.engine.api import HARNESS_LABEL
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine

from .conftest import DATA

pytestmark = pytest.mark.docker
BASE_TAG = "keras-matrix-base:evidence"
# The second daemon's bridge: away from Docker's 172.17-172.29 defaults and bench/second-engine.
BRIDGE_ADDRESS = "172.31.251.1/24"


@pytest.fixture(scope="module")
def second_daemon() -> Iterator[str]:
    """The DOCKER_HOST of a throwaway daemon (vfs, no bridge, no iptables), stopped after."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        pytest.skip("dockerd is not installed: no second daemon to clean")
    if os.geteuid() != 0:
        pytest.skip("a second Docker daemon needs root")
    if shutil.which("ip") is None:
        pytest.skip("ip (iproute2) is not installed: no bridge for a second daemon")
    # A short path: the daemon's sockets must fit in sun_path.
    root = Path(tempfile.mkdtemp(prefix="kmclean-", dir="/tmp"))
    (root / "daemon.json").write_text("{}", encoding="utf-8")  # not the machine's settings
    host = f"unix://{root / 'docker.sock'}"
    namespace = f"kmclean-{root.name}"
    bridge = f"kmc{root.name[-8:]}".replace("_", "0")[:15]
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", BRIDGE_ADDRESS, "dev", bridge], check=True)
    subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
    host_bridge = _link_exists("docker0")
    log = (root / "dockerd.log").open("wb")
    daemon = subprocess.Popen(
        [
            dockerd,
            "--config-file",
            str(root / "daemon.json"),
            "--host",
            host,
            "--data-root",
            str(root / "data"),
            "--exec-root",
            str(root / "exec"),
            "--pidfile",
            str(root / "docker.pid"),
            "--storage-driver",
            "vfs",
            "--bridge",
            bridge,
            "--iptables=false",
            "--ip-masq=false",
            "--containerd-namespace",
            namespace,
            "--containerd-plugins-namespace",
            f"{namespace}-plugins",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            probe = subprocess.run(["docker", "-H", host, "info"], capture_output=True, check=False)
            if probe.returncode == 0:
                break
            assert daemon.poll() is None, (root / "dockerd.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the second daemon did not answer in 60 s"
            time.sleep(0.5)
        yield host
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        subprocess.run(["ip", "link", "del", bridge], check=False)
        shutil.rmtree(root, ignore_errors=True)
    assert _link_exists("docker0") == host_bridge, "the second daemon changed the host's bridge"


def _link_exists(name: str) -> bool:
    shown = subprocess.run(["ip", "link", "show", name], capture_output=True, check=False)
    return shown.returncode == 0


def _tiny_rootfs(path: Path) -> Path:
    """A root filesystem of one file: enough for an image, nothing to download."""
    with tarfile.open(path, "w") as tar:
        data = b"evidence\n"
        info = tarfile.TarInfo("etc/evidence")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def _build(client: docker.DockerClient, context: Path, dockerfile: str, tag: str) -> None:
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    client.images.build(path=str(context), tag=tag, rm=True)


def test_clean_removes_the_harness_images_and_only_those(
    second_daemon: str, tmp_path: Path
) -> None:
    client = docker.DockerClient(base_url=second_daemon)
    engine = DockerEngine(client, silent)
    tarball = _tiny_rootfs(tmp_path / "rootfs.tar")
    # A base as the harness imports one (its labels), and an environment image with the labels
    # and tag the harness gives the hostile suite's `tiny` environment.
    engine.import_image(tarball, BASE_TAG, python="3.11")
    matrix = load_matrix(DATA / "hostile" / "matrix.yaml")
    base = Base(kind="debian", python="3.11", image=BASE_TAG, python_bin="/usr/bin/python3")
    spec = render(
        matrix, "3.11", "tiny", base=base, template_dir=matrix.template_dir, ca_bundle=None
    )
    context = tmp_path / "environment"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {BASE_TAG}\n", encoding="utf-8")
    built = engine.build(context, spec.tag, {HARNESS_LABEL: "environment"}, lambda line: None)
    assert built.ok, built.log
    # What a user has beside them: an imported image under two tags and one built from it; an
    # image built from the harness's base (which inherits its labels); and their own tag on
    # the harness's environment image.
    client.api.import_image(src=str(tarball), repository="unrelated", tag="1")
    client.images.get("unrelated:1").tag("unrelated", tag="2")
    _build(client, tmp_path / "mine", "FROM unrelated:1\nLABEL owner=me\n", "mine:latest")
    _build(client, tmp_path / "derived", f"FROM {BASE_TAG}\nLABEL owner=me\n", "mine:derived")
    client.images.get(spec.tag).tag("mine", tag="env-copy")
    assert client.images.get("mine:derived").labels[HARNESS_LABEL] == "base"  # inherited
    users = ("unrelated:1", "unrelated:2", "mine:latest", "mine:derived", "mine:env-copy")
    others = {tag: client.images.get(tag).id for tag in users}

    # A mounted environment in a cache of this test's own: clean removes those too, and must not
    # touch the real ~/.cache of whoever runs the tests.
    cache = tmp_path / "cache"
    environment = cache / "keras-matrix" / "environments" / ("0" * 64)
    (environment / "venv").mkdir(parents=True)
    (environment / "environment.json").write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "harness", "clean", "--yes"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | {"DOCKER_HOST": second_daemon, "XDG_CACHE_HOME": str(cache)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "removed 2 images and 1 mounted environments\n"
    assert not environment.exists()
    assert f"+ docker rmi {BASE_TAG}" in done.stderr
    assert f"+ docker rmi {spec.tag}" in done.stderr
    left = {tag: image.id for image in client.images.list(all=True) for tag in image.tags}
    # The harness's two tags are gone; every tag of the user's is there, on the same image.
    assert left == others
    client.close()
