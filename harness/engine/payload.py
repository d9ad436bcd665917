"""Read-only mounts for an engine that does not share this host's filesystem.

A bind mount names a path on the engine's host, which is this host only for a local engine.
For any other, the directory is copied into a named volume the engine owns, and cells mount
that volume read-only instead. Docker refuses `put_archive` into a container whose root
filesystem is read-only (every cell's), and a tmpfs exists only once a container has started;
a helper container that is created with the volume mounted read-write, and never started,
takes the archive. One volume per directory and process, removed by `release` once the run's
containers are gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import tarfile
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
from docker.context import ContextAPI

from harness.engine.api import HARNESS_LABEL, OWNER_LABEL, RUN_LABEL
from harness.engine.commands import Echo
from harness.engine.docker_errors import reason
from harness.errors import EngineError

VOLUME_PREFIX = "keras-matrix-payload"
FILL_AT = "/payload"
HELPER_LABEL_VALUE = "payload-helper"


def helper_labels(run_id: str | None, owner: str | None) -> dict[str, str]:
    """A helper container's labels: whose run it serves, so that the sweeps of a run's
    leftovers remove it too when its process dies between creating and removing it."""
    labels = {HARNESS_LABEL: HELPER_LABEL_VALUE}
    if run_id is not None:
        labels[RUN_LABEL] = run_id
    if owner:
        labels[OWNER_LABEL] = owner
    return labels


def archive_of(directory: Path) -> bytes:
    """`directory`'s files as a tar archive, root-owned and read-only, in a stable order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(directory.rglob("*")):
            info = tarfile.TarInfo(str(path.relative_to(directory)))
            info.uid = info.gid = 0
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o555
                tar.addfile(info)
            elif path.is_file():
                data = path.read_bytes()
                info.size, info.mode = len(data), 0o444
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def engine_sees_this_filesystem(
    client: docker.DockerClient, image: str, labels: dict[str, str]
) -> bool:
    """Whether the engine's binds reach this process's files: a fresh temporary file's random
    content, bound into a container (made from `image`, never started) and read back.

    DOCKER_HOST alone cannot tell: a process in a container given only the host's socket talks
    to a local engine whose host paths are not its own, while the harness in a container that
    runs its own engine shares that engine's paths. A `type=bind` mount of a missing path is
    refused (a `-v` bind would create it empty on the engine's host).
    """
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="keras-matrix-probe-") as probe:
        Path(probe, "token").write_text(token, encoding="utf-8")
        try:
            container = client.containers.create(
                image,
                ["true"],
                network_mode="none",
                mounts=[docker.types.Mount(FILL_AT, probe, type="bind", read_only=True)],
                labels=labels,
            )
        except docker.errors.APIError:
            return False  # the engine's host has no such path
        found = file_from(container, f"{FILL_AT}/token", "reading back a bound file")
    return found is not None and found.decode("utf-8", "replace") == token


def file_from(container: Any, path: str, doing: str) -> bytes | None:
    """The file at `path` in a created (never started) container, which is then removed; None
    if it has no such file. Other failures are an EngineError that starts with `doing`."""
    try:
        stream, _ = container.get_archive(path)
        archive = b"".join(stream)
    except docker.errors.NotFound:
        return None
    except docker.errors.DockerException as exc:
        raise EngineError(f"{doing}: {reason(exc)}") from None
    finally:
        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = next((m for m in tar.getmembers() if m.isfile()), None)
        handle = tar.extractfile(member) if member is not None else None
        return handle.read() if handle else None


class VolumeCopies:
    """Named volumes holding copies of host directories, made once each and removed together."""

    def __init__(self, client: docker.DockerClient, echo: Echo) -> None:
        self._client = client
        self._echo = echo
        self._volumes: dict[Path, str] = {}
        self._lock = threading.Lock()

    def volume_for(
        self, source: Path, *, image: str, owner: str | None, run_id: str | None = None
    ) -> str:
        """The volume holding `source`'s files, filled now through a helper made from `image`."""
        with self._lock:
            if source not in self._volumes:
                digest = hashlib.sha256(f"{source}\0{owner}".encode()).hexdigest()[:16]
                name = f"{VOLUME_PREFIX}-{digest}"
                self._fill(name, source, image=image, owner=owner, run_id=run_id)
                self._volumes[source] = name
            return self._volumes[source]

    def _fill(
        self, name: str, source: Path, *, image: str, owner: str | None, run_id: str | None
    ) -> None:
        labels = {HARNESS_LABEL: "payload"} | ({OWNER_LABEL: owner} if owner else {})
        self._echo(["docker", "volume", "create", name])
        helper: Any = None
        try:
            self._client.volumes.create(name=name, labels=labels)
            helper = self._client.containers.create(
                image,
                ["true"],
                volumes={name: {"bind": FILL_AT, "mode": "rw"}},
                network_mode="none",
                labels=helper_labels(run_id, owner),
            )
            self._echo(["docker", "cp", f"{source}/.", f"{str(helper.id)[:12]}:{FILL_AT}"])
            helper.put_archive(FILL_AT, archive_of(source))
        except docker.errors.DockerException as exc:
            raise EngineError(f"copying {source} into volume {name}: {reason(exc)}") from None
        finally:
            if helper is not None:
                with contextlib.suppress(docker.errors.DockerException):
                    helper.remove(force=True)

    def release(self) -> None:
        """Remove every volume made so far (its containers must be gone)."""
        with self._lock:
            names, self._volumes = list(self._volumes.values()), {}
        for name in names:
            self._echo(["docker", "volume", "rm", name])
            # Still in use by a container being removed, or gone: it carries our label.
            with contextlib.suppress(docker.errors.DockerException):
                self._client.volumes.get(name).remove(force=True)


def shares_this_filesystem(environ: Mapping[str, str]) -> bool:
    """Whether the engine runs on this host: its address (DOCKER_HOST, else the Docker CLI's
    current context, as `docker.from_env` resolves them) is unset or a local socket."""
    host = environ.get("DOCKER_HOST", "")
    if not host:
        # DOCKER_CONTEXT, then config.json's currentContext; "default" gives no address.
        try:
            found = ContextAPI.kwargs_from_context(environment=environ).get("base_url")
        except docker.errors.DockerException:
            found = None
        host = str(found or "")
    return not host or host.startswith("unix://")
