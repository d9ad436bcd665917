"""`DockerEngine`: the `ImageStore` and `ContainerRunner` of engine/api.py on the Docker SDK.

The only place that knows `docker.errors`, `docker.types` and the labels containers carry.
Each action is echoed as the `docker` command that does the same by hand.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from harness.engine.api import (
    CELL_LABEL_VALUE,
    DEBIAN_IMPORT_CHANGES,
    HARNESS_LABEL,
    BuildResult,
    ContainerInfo,
    EngineInfo,
    LineSink,
    Mount,
    RunResult,
    RunSpec,
)
from harness.engine.commands import Echo
from harness.engine.docker_confinement import create_kwargs, read_logs
from harness.engine.docker_errors import reason, unavailable_reason
from harness.engine.payload import (
    HELPER_LABEL_VALUE,
    VolumeCopies,
    engine_sees_this_filesystem,
    file_from,
    helper_labels,
    shares_this_filesystem,
)
from harness.errors import EngineError, EngineUnavailableError


class DockerEngine:
    """`Engine` over the Docker SDK (docker-py), talking to DOCKER_HOST or the local socket."""

    def __init__(
        self, client: docker.DockerClient, echo: Echo, *, copy_mounts: bool | None = False
    ) -> None:
        self._client = client
        self._echo = echo
        # An engine that cannot see this process's paths gets read-only mounts copied into
        # volumes it owns (engine_payload.py) instead of bound. None: ask the engine, once.
        self._copy_mounts = copy_mounts
        self._copies = VolumeCopies(client, echo)
        self._probe_lock = threading.Lock()
        # Containers this process started and has not removed yet, for stop_running().
        self._live: dict[str, Any] = {}
        self._live_lock = threading.Lock()
        self._stopping = False

    @classmethod
    def connect(cls, echo: Echo) -> DockerEngine:
        """The engine at DOCKER_HOST or the local socket; EngineUnavailableError says why not."""
        try:
            client = docker.from_env()
            client.ping()
        except docker.errors.DockerException as exc:
            raise EngineUnavailableError(unavailable_reason(exc)) from None
        except PermissionError as exc:  # pragma: no cover - depends on the host's socket mode
            raise EngineUnavailableError(unavailable_reason(exc)) from None
        # A local socket is not enough: a process in a container given only the host's socket
        # (a Dask worker, say) does not share the engine's filesystem.
        remote = not shares_this_filesystem(os.environ)
        return cls(client, echo, copy_mounts=True if remote else None)

    def describe(self) -> EngineInfo:
        """The engine's version and storage driver, for run.json."""
        return EngineInfo(version=self.version(), storage_driver=self.storage_driver())

    def version(self) -> str:
        """The Docker Engine's version."""
        return str(self._client.version().get("Version", "unknown"))

    def storage_driver(self) -> str:
        """The driver every file a container reads goes through (overlay2, fuse-overlayfs, ...)."""
        try:
            return str(self._client.info().get("Driver", "unknown"))
        except docker.errors.APIError:
            return "unknown"

    def image_id(self, ref: str) -> str | None:
        """The ID of the image `ref`, or None if the engine does not have it."""
        try:
            return str(self._client.images.get(ref).id)
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise EngineError(f"inspecting {ref}: {reason(exc)}") from None

    def repo_digest(self, ref: str) -> str | None:
        """`name@sha256:...` as the registry served `ref`; None for a locally made image."""
        try:
            digests = self._client.images.get(ref).attrs.get("RepoDigests") or []
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise EngineError(f"inspecting {ref}: {reason(exc)}") from None
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
            raise EngineError(f"creating a container from {image}: {reason(exc)}") from None
        found = file_from(container, path, f"reading {path} from {image}")
        return found.decode("utf-8", errors="replace") if found is not None else None

    def pull(self, ref: str) -> None:
        """Pull `ref` from its registry."""
        self._echo(["docker", "pull", ref])
        repository, _, tag = ref.partition(":")
        try:
            self._client.images.pull(repository, tag=tag or "latest")
        except docker.errors.DockerException as exc:
            raise EngineError(reason(exc)) from None

    def import_image(self, tarball: Path, ref: str, *, python: str) -> str:
        """Import a root filesystem tarball as base image `ref`; its ID."""
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
            raise EngineError(f"docker import {ref}: {reason(exc)}") from None
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
        *,
        cache_from: Sequence[str] = (),
    ) -> BuildResult:
        """Build the Dockerfile in `context` as `ref`, streaming its log to `on_line`."""
        argv = ["docker", "build", "-t", ref]
        options = [("--cache-from", source) for source in cache_from]
        options += [("--label", f"{k}={v}") for k, v in sorted(labels.items())]
        options += [("--build-arg", f"{k}={v}") for k, v in sorted((build_args or {}).items())]
        argv += [arg for option in options for arg in option]
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
                cache_from=list(cache_from) or None,
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
            raise EngineError(f"docker build {ref}: {reason(exc)}") from None
        if error is None and image is None:
            image = self.image_id(ref)
        return BuildResult(ok=error is None, image_id=image, log="\n".join(lines), error=error)

    def run(self, spec: RunSpec) -> RunResult:
        """Run one container to its end (or its timeout) and remove it."""
        self._echo(spec.argv())
        volumes = {
            self._mount_source(spec, m): {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
            for m in spec.mounts
        }
        try:
            container = self._client.containers.create(
                spec.image,
                list(spec.command),
                environment=dict(spec.env),
                volumes=volumes,
                labels=spec.labels(),
                name=spec.name,
                detach=True,
                **create_kwargs(spec.sandbox),
            )
        except docker.errors.DockerException as exc:
            raise EngineError(f"creating a container from {spec.image}: {reason(exc)}") from None
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
            stdout, stdout_cut = read_logs(container, limit, stdout=True)
            stderr, stderr_cut = read_logs(container, limit, stdout=False)
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled", False))
        except docker.errors.DockerException as exc:
            raise EngineError(f"running {spec.image}: {reason(exc)}") from None
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

    def _mount_source(self, spec: RunSpec, mount: Mount) -> str:
        """The host path to bind, or the volume holding a copy of it for a remote engine."""
        if not mount.read_only or not self._copies_mounts(spec):
            return str(mount.source)
        return self._copies.volume_for(
            mount.source, image=spec.image, owner=spec.owner, run_id=spec.run_id
        )

    def _copies_mounts(self, spec: RunSpec) -> bool:
        with self._probe_lock:
            if self._copy_mounts is None:
                labels = helper_labels(spec.run_id, spec.owner)
                self._copy_mounts = not engine_sees_this_filesystem(
                    self._client, spec.image, labels
                )
            return self._copy_mounts

    def binds_host_paths(self, image: str) -> bool:
        """Whether bind mounts reach this process's files (probed once, with `image`)."""
        return not self._copies_mounts(RunSpec(image=image, command=()))

    def release(self) -> None:
        """Remove the copies of mounts made for this process's containers, once they are done."""
        self._copies.release()

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

    def remove_cells(self, where: Callable[[ContainerInfo], bool]) -> int:
        """Remove the cell containers on the engine (any process's) that `where` picks, and the
        payload helpers of the same runs and owners; how many."""
        kinds = (CELL_LABEL_VALUE, HELPER_LABEL_VALUE)
        picked = [
            c
            for c in self.containers(HARNESS_LABEL)
            if c.labels.get(HARNESS_LABEL) in kinds and where(c)
        ]
        for container in picked:
            self.remove_container(container.id)
        return len(picked)

    def containers(self, label: str) -> list[ContainerInfo]:
        """Containers carrying `label` (`key=value` or `key`)."""
        try:
            # Other harness processes remove their containers while this one lists them; one
            # that is gone between the listing and docker-py's inspect of it is simply skipped.
            found = self._client.containers.list(
                all=True, filters={"label": label}, ignore_removed=True
            )
        except docker.errors.DockerException as exc:
            raise EngineError(f"listing containers: {reason(exc)}") from None
        return [
            ContainerInfo(id=str(c.id), name=str(c.name), labels=dict(c.labels or {}))
            for c in found
        ]

    def remove_container(self, container_id: str) -> None:
        """Remove one container, running or not (already gone is fine)."""
        self._echo(["docker", "rm", "--force", container_id[:12]])
        try:
            self._client.api.remove_container(container_id, force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.DockerException as exc:
            raise EngineError(f"docker rm {container_id[:12]}: {reason(exc)}") from None

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
            raise EngineError(f"listing images: {reason(exc)}") from None
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
                    raise EngineError(f"docker rmi {ref}: {reason(exc)}") from None
        return removed
