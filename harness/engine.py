"""The one seam between the harness and Docker.

`Engine` is what the rest of the harness sees; `DockerEngine` implements it with
the Docker SDK and is the only place that knows `docker.errors`. Each action is
echoed as the `docker` command that does the same by hand.
"""

from __future__ import annotations

import contextlib
import errno
import io
import ipaddress
import tarfile
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import docker
import docker.errors
import requests.exceptions

from harness.bases import DEBIAN_IMPORT_CHANGES
from harness.commands import Echo
from harness.errors import EngineError, EngineUnavailableError
from harness.sandbox import Clip, Sandbox

LineSink = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class Mount:
    source: Path
    target: str
    read_only: bool = True


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """A container to run once and remove."""

    image: str
    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 600.0
    name: str | None = None
    sandbox: Sandbox = field(default_factory=Sandbox)

    def argv(self) -> list[str]:
        argv = ["docker", "run", "--rm"]
        if self.name:
            argv += ["--name", self.name]
        argv += self.sandbox.docker_flags()
        for key, value in sorted(self.labels.items()):
            argv += ["--label", f"{key}={value}"]
        for key, value in sorted(self.env.items()):
            argv += ["-e", f"{key}={value}"]
        for mount in self.mounts:
            argv += ["-v", f"{mount.source}:{mount.target}{':ro' if mount.read_only else ''}"]
        return [*argv, self.image, *self.command]


@dataclass(frozen=True, kw_only=True)
class RunResult:
    exit_code: int | None
    stdout: str
    stderr: str
    oom_killed: bool
    timed_out: bool
    duration_s: float
    # Bytes of the container's own output dropped to stay within the sandbox's limit.
    output_cut: int = 0


@dataclass(frozen=True, kw_only=True)
class BuildResult:
    ok: bool
    image_id: str | None
    log: str
    error: str | None


class Engine(Protocol):
    def version(self) -> str: ...
    def storage_driver(self) -> str: ...
    def image_id(self, ref: str) -> str | None: ...
    def repo_digest(self, ref: str) -> str | None: ...
    def read_file(self, image: str, path: str) -> str | None: ...
    def pull(self, ref: str) -> None: ...
    def import_image(self, tarball: Path, ref: str, *, python: str) -> str: ...
    def build(
        self,
        context: Path,
        ref: str,
        labels: Mapping[str, str],
        on_line: LineSink,
        build_args: Mapping[str, str] | None = None,
    ) -> BuildResult: ...
    def run(self, spec: RunSpec) -> RunResult: ...
    def remove_images(self, label: str, *, repositories: Collection[str] = ()) -> int: ...
    def gateway(self) -> str | None: ...
    def stop_running(self) -> int: ...
    def containers(self, label: str) -> list[ContainerInfo]: ...
    def remove_container(self, container_id: str) -> None: ...


@dataclass(frozen=True, kw_only=True)
class ContainerInfo:
    id: str
    name: str
    labels: Mapping[str, str]


class DockerEngine:
    """`Engine` over the Docker SDK (docker-py), talking to DOCKER_HOST or the local socket."""

    def __init__(self, client: docker.DockerClient, echo: Echo) -> None:
        self._client = client
        self._echo = echo
        # Containers this process started and has not removed yet, for stop_running().
        self._live: dict[str, Any] = {}
        self._live_lock = threading.Lock()
        self._stopping = False

    @classmethod
    def connect(cls, echo: Echo) -> DockerEngine:
        try:
            client = docker.from_env()
            client.ping()
        except docker.errors.DockerException as exc:
            raise EngineUnavailableError(unavailable_reason(exc)) from None
        except PermissionError as exc:  # pragma: no cover - depends on the host's socket mode
            raise EngineUnavailableError(unavailable_reason(exc)) from None
        return cls(client, echo)

    def version(self) -> str:
        return str(self._client.version().get("Version", "unknown"))

    def storage_driver(self) -> str:
        """The driver every file a container reads goes through (overlay2, fuse-overlayfs, ...)."""
        try:
            return str(self._client.info().get("Driver", "unknown"))
        except docker.errors.APIError:
            return "unknown"

    def image_id(self, ref: str) -> str | None:
        try:
            return str(self._client.images.get(ref).id)
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise EngineError(f"inspecting {ref}: {_reason(exc)}") from None

    def repo_digest(self, ref: str) -> str | None:
        """`name@sha256:...` as the registry served `ref`; None for a locally made image."""
        try:
            digests = self._client.images.get(ref).attrs.get("RepoDigests") or []
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise EngineError(f"inspecting {ref}: {_reason(exc)}") from None
        repository = ref.rpartition(":")[0] if ":" in ref.rsplit("/", 1)[-1] else ref
        mine = [d for d in digests if str(d).partition("@")[0] == repository]
        return str((mine or digests)[0]) if (mine or digests) else None

    def read_file(self, image: str, path: str) -> str | None:
        """A text file of `image`, read from a created (never started) container; None if the
        image has no such file."""
        self._echo(["docker", "run", "--rm", "--entrypoint", "cat", image, path])
        try:
            container = self._client.containers.create(image, ["true"], network_disabled=True)
        except docker.errors.DockerException as exc:
            raise EngineError(f"creating a container from {image}: {_reason(exc)}") from None
        try:
            stream, _ = container.get_archive(path)
            archive = b"".join(stream)
        except docker.errors.NotFound:
            return None
        except docker.errors.DockerException as exc:
            raise EngineError(f"reading {path} from {image}: {_reason(exc)}") from None
        finally:
            with contextlib.suppress(docker.errors.DockerException):
                container.remove(force=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            member = next((m for m in tar.getmembers() if m.isfile()), None)
            handle = tar.extractfile(member) if member is not None else None
            return handle.read().decode("utf-8", errors="replace") if handle else None

    def pull(self, ref: str) -> None:
        self._echo(["docker", "pull", ref])
        repository, _, tag = ref.partition(":")
        try:
            self._client.images.pull(repository, tag=tag or "latest")
        except docker.errors.DockerException as exc:
            raise EngineError(_reason(exc)) from None

    def import_image(self, tarball: Path, ref: str, *, python: str) -> str:
        changes = [
            *DEBIAN_IMPORT_CHANGES,
            'LABEL io.keras-matrix.harness="base"',
            f'LABEL io.keras-matrix.python="{python}"',
        ]
        argv = ["docker", "import"]
        for change in changes:
            argv += ["--change", change]
        self._echo([*argv, str(tarball), ref])
        repository, _, tag = ref.partition(":")
        try:
            self._client.api.import_image(
                src=str(tarball), repository=repository, tag=tag, changes=changes
            )
        except docker.errors.DockerException as exc:
            raise EngineError(f"docker import {ref}: {_reason(exc)}") from None
        found = self.image_id(ref)
        if found is None:
            raise EngineError(f"docker import {ref}: no image after import")
        return found

    def build(
        self,
        context: Path,
        ref: str,
        labels: Mapping[str, str],
        on_line: LineSink,
        build_args: Mapping[str, str] | None = None,
    ) -> BuildResult:
        argv = ["docker", "build", "-t", ref]
        for key, value in sorted(labels.items()):
            argv += ["--label", f"{key}={value}"]
        for key, value in sorted((build_args or {}).items()):
            argv += ["--build-arg", f"{key}={value}"]
        self._echo([*argv, str(context)])
        lines: list[str] = []
        error: str | None = None
        image: str | None = None
        try:
            # The low-level API streams the log; images.build() returns it only at the end.
            for chunk in self._client.api.build(
                path=str(context),
                tag=ref,
                labels=dict(labels),
                rm=True,
                forcerm=True,
                decode=True,
                buildargs=dict(build_args or {}),
            ):
                text = chunk.get("stream")
                if isinstance(text, str):
                    for line in text.splitlines():
                        lines.append(line)
                        on_line(line)
                if "error" in chunk:
                    error = str(chunk["error"]).strip()
                    lines.append(error)
                    on_line(error)
                aux = chunk.get("aux")
                if isinstance(aux, dict) and "ID" in aux:
                    image = str(aux["ID"])
        except docker.errors.DockerException as exc:
            raise EngineError(f"docker build {ref}: {_reason(exc)}") from None
        if error is None and image is None:
            image = self.image_id(ref)
        return BuildResult(ok=error is None, image_id=image, log="\n".join(lines), error=error)

    def run(self, spec: RunSpec) -> RunResult:
        self._echo(spec.argv())
        volumes = {
            str(m.source): {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
            for m in spec.mounts
        }
        try:
            container = self._client.containers.create(
                spec.image,
                list(spec.command),
                environment=dict(spec.env),
                volumes=volumes,
                labels=dict(spec.labels),
                name=spec.name,
                detach=True,
                **spec.sandbox.create_kwargs(),
            )
        except docker.errors.DockerException as exc:
            raise EngineError(f"creating a container from {spec.image}: {_reason(exc)}") from None
        with self._live_lock:
            stopping = self._stopping
            if not stopping:
                self._live[str(container.id)] = container
        if stopping:  # created while stop_running() ran: it must not start
            self._discard(container)
            raise EngineError("the run is stopping")
        started = time.monotonic()
        timed_out = False
        try:
            container.start()
            try:
                status = container.wait(timeout=spec.timeout_s)
                exit_code: int | None = int(status.get("StatusCode", -1))
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                # Kill the container itself: abandoning the client call would leave it running.
                timed_out = True
                container.kill()
                exit_code = None
            duration = time.monotonic() - started
            # The driver bounds the scenario's output; this bounds anything else that reached
            # the container's own streams, keeping the tail where the driver's record is.
            limit = max(4 * 1024 * 1024, 16 * spec.sandbox.output_limit)
            stdout, stdout_cut = _read_logs(container, limit, stdout=True)
            stderr, stderr_cut = _read_logs(container, limit, stdout=False)
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled", False))
        except docker.errors.DockerException as exc:
            raise EngineError(f"running {spec.image}: {_reason(exc)}") from None
        finally:
            self._discard(container)
        return RunResult(
            exit_code=exit_code,
            stdout=stdout,
            stderr=stderr,
            oom_killed=oom,
            timed_out=timed_out,
            duration_s=duration,
            output_cut=stdout_cut + stderr_cut,
        )

    def gateway(self) -> str | None:
        """The host's address on the default bridge: containers reach host services there."""
        try:
            network = self._client.networks.get("bridge")
        except docker.errors.DockerException:
            return None
        for entry in network.attrs.get("IPAM", {}).get("Config") or []:
            if isinstance(entry, dict) and entry.get("Gateway"):
                return str(entry["Gateway"])
            if isinstance(entry, dict) and entry.get("Subnet"):
                # No explicit gateway: the daemon gives the bridge the subnet's first address.
                return str(next(ipaddress.ip_network(entry["Subnet"], strict=False).hosts()))
        return None

    def _discard(self, container: Any) -> None:
        with self._live_lock:
            self._live.pop(str(container.id), None)
        # Already gone is fine; stragglers carry our label and the next start sweeps them.
        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)

    def stop_running(self) -> int:
        """Kill and remove the containers this process runs; after it, no new one starts."""
        with self._live_lock:
            self._stopping = True
            running = list(self._live.values())
        for container in running:
            self._echo(["docker", "rm", "--force", container.id[:12]])
            self._discard(container)
        return len(running)

    def containers(self, label: str) -> list[ContainerInfo]:
        try:
            # Other harness processes remove their containers while this one lists them; one
            # that is gone between the listing and docker-py's inspect of it is simply skipped.
            found = self._client.containers.list(
                all=True, filters={"label": label}, ignore_removed=True
            )
        except docker.errors.DockerException as exc:
            raise EngineError(f"listing containers: {_reason(exc)}") from None
        return [
            ContainerInfo(id=str(c.id), name=str(c.name), labels=dict(c.labels or {}))
            for c in found
        ]

    def remove_container(self, container_id: str) -> None:
        self._echo(["docker", "rm", "--force", container_id[:12]])
        try:
            self._client.api.remove_container(container_id, force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.DockerException as exc:
            raise EngineError(f"docker rm {container_id[:12]}: {_reason(exc)}") from None

    def remove_images(self, label: str, *, repositories: Collection[str] = ()) -> int:
        """Remove the images carrying `label`; with `repositories`, only their tags there.

        Labels are inherited: an image someone builds FROM a labelled one carries the label too.
        Given the repositories the harness tags into, a labelled image is untagged only there, so
        other tags (and the images under them) stay.
        """
        removed = 0
        try:
            images = self._client.images.list(filters={"label": label})
        except docker.errors.DockerException as exc:
            raise EngineError(f"listing images: {_reason(exc)}") from None
        for image in images:
            refs = list(image.tags) or [str(image.id)]
            if repositories and image.tags:
                refs = [tag for tag in image.tags if tag.rpartition(":")[0] in repositories]
            for ref in refs:
                self._echo(["docker", "rmi", ref])
                try:
                    # Forced only where every tag is ours: otherwise an untag, never a removal.
                    self._client.images.remove(ref, force=len(refs) == len(image.tags or refs))
                    removed += 1
                except docker.errors.ImageNotFound:
                    continue
                except docker.errors.APIError as exc:
                    raise EngineError(f"docker rmi {ref}: {_reason(exc)}") from None
        return removed


def _read_logs(container: Any, limit: int, *, stdout: bool) -> tuple[str, int]:
    clip = Clip(limit)
    for chunk in container.logs(stdout=stdout, stderr=not stdout, stream=True, follow=False):
        clip.feed(chunk)
    return clip.text(), clip.dropped


def unavailable_reason(exc: BaseException) -> str:
    """Why no engine answers, from the OS error under docker-py's wrapping (never its text)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException) and id(arg) not in seen:
                found = _os_reason(arg)
                if found:
                    return found
        found = _os_reason(current)
        if found:
            return found
        current = current.__cause__ or current.__context__
    return f"no Docker engine answers: {_reason(exc) if isinstance(exc, Exception) else exc}"


def _os_reason(exc: BaseException) -> str | None:
    if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
        return (
            "permission denied on the Docker socket: add your user to the 'docker' group "
            "(then log in again) or set DOCKER_HOST"
        )
    if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
        return (
            "Docker is not installed or not running: no Docker socket "
            "(start the daemon or set DOCKER_HOST)"
        )
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return (
            "the Docker daemon is not running: its socket refuses connections "
            "(start it, e.g. `systemctl start docker`)"
        )
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, BaseException) and arg is not exc:
            found = _os_reason(arg)
            if found:
                return found
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, docker.errors.APIError):
        return str(exc.explanation or exc)
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
