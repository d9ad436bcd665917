"""A cold build whose installs do not write through the storage driver (`--only host-layer`).

The idea measured here: the classic builder runs the Dockerfile up to its first install step (the
venv, pip, the user: a few MB); the install steps then run in a container of that image, as the
same `RUN` commands with the same shell, environment and build arguments, but with /opt/venv and
/opt/keras-matrix bind-mounted from a directory on the host's own filesystem, so pip's writes
skip fuse-overlayfs. What they changed there becomes one layer tarball per step (new and changed
files, whiteouts for removed ones), and the image is `docker load`ed from a tarball that holds
that layer, the prefix image's layers by reference only (the engine skips a layer whose chain it
already has) and the config the builder would have written (the prefix's, then USER and the
labels).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import docker

from harness.build.dockerfile import ImageSpec

# The directories the install steps write; everything else they touch is checked to be nothing.
MOUNTED = ("/opt/venv", "/opt/keras-matrix")
_CONTINUED = re.compile(r"\\\n")


@dataclass(kw_only=True)
class HostLayerBuild:
    """Seconds per part of one build."""

    prefix: float = 0.0  # the classic builder, up to the first install step
    copy_out: float = 0.0  # the prefix's /opt/venv and /opt/keras-matrix onto the host
    installs: list[float] = field(default_factory=list)  # each step's container
    layers: list[float] = field(default_factory=list)  # each step's layer tarball
    load: float = 0.0  # `docker load`
    seconds: float = 0.0
    image_id: str | None = None
    stray: list[str] = field(default_factory=list)  # what an install changed outside MOUNTED


def instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    found = []
    for line in _CONTINUED.sub(" ", dockerfile).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            found.append(line.strip())
    return found


def split(spec: ImageSpec) -> tuple[list[str], list[str], list[str]]:
    """(the instructions before the first install step, the install RUNs' commands, the rest)."""
    lines = instructions(spec.dockerfile)
    first = next(i for i, line in enumerate(lines) if line.startswith("RUN timeout "))
    installs = [line for line in lines[first:] if line.startswith("RUN timeout ")]
    rest = [line for line in lines[first:] if not line.startswith("RUN timeout ")]
    return lines[:first], [line.removeprefix("RUN ") for line in installs], rest


Listing = dict[str, tuple[int, int, int, int, int]]


def listing(root: Path) -> Listing:
    """Every entry under `root` by path relative to it: mode, uid, gid, size, mtime."""
    found: Listing = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            st = path.lstat()
            size = 0 if stat.S_ISDIR(st.st_mode) else st.st_size
            found[str(path.relative_to(root))] = (
                st.st_mode,
                st.st_uid,
                st.st_gid,
                size,
                st.st_mtime_ns,
            )
    return found


class _Hashing(io.RawIOBase):
    """A write-only file that hashes what passes through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.position = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def write(self, data: Any) -> int:
        self.digest.update(data)
        self.position += len(data)
        return self.target.write(data)


def write_layer(host: Path, before: Listing, after: Listing, out: Path) -> str:
    """The changes from `before` to `after` under `host` (which holds MOUNTED's directories, by
    base name) as a layer tarball at `out`; its diff ID."""
    changed = sorted(path for path, meta in after.items() if before.get(path) != meta)
    removed = sorted(path for path in before if path not in after)
    # A removed directory needs one whiteout, not one per entry under it.
    removed = [p for p in removed if not any(p.startswith(q + "/") for q in removed if q != p)]
    mounted = {Path(m).name: m.lstrip("/") for m in MOUNTED}
    with out.open("wb") as raw:
        hashing = _Hashing(raw)
        with tarfile.open(fileobj=hashing, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            added: set[str] = set()

            def add_dir_chain(relative: str) -> None:
                parts = relative.split("/")
                for depth in range(1, len(parts)):
                    parent = "/".join(parts[:depth])
                    if parent not in added:
                        add(parent)

            def arcname(relative: str) -> str:
                top, _, rest = relative.partition("/")
                inside = mounted[top]
                return f"{inside}/{rest}" if rest else inside

            def add(relative: str) -> None:
                added.add(relative)
                info = tar.gettarinfo(str(host / relative), arcname(relative))
                info.uname = info.gname = ""
                if info.isreg():
                    with (host / relative).open("rb") as handle:
                        tar.addfile(info, handle)
                else:
                    tar.addfile(info)

            # The parents of the mounted directories (/opt) as the image has them: root's, 0755.
            for parent in sorted({str(Path(m).parent).lstrip("/") for m in MOUNTED}):
                info = tarfile.TarInfo(parent)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                info.mtime = int(time.time())
                tar.addfile(info)
            for relative in changed:
                add_dir_chain(relative)
                if relative not in added:
                    add(relative)
            for relative in removed:
                add_dir_chain(relative)
                head, _, name = relative.rpartition("/")
                whiteout = tarfile.TarInfo(arcname(f"{head}/.wh.{name}" if head else name))
                whiteout.mtime = int(time.time())
                tar.addfile(whiteout)
    return "sha256:" + hashing.digest.hexdigest()


def raw_config(client: docker.DockerClient, image: str) -> dict[str, Any]:
    """The image's config as the engine stores it (history included), from `docker save`."""
    stream = client.api.get_image(image)
    with tempfile.TemporaryFile() as saved:
        for chunk in stream:
            saved.write(chunk)
        saved.seek(0)
        with tarfile.open(fileobj=saved) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
            member = tar.extractfile(manifest[0]["Config"])
            if member is None:
                raise RuntimeError(f"docker save {image}: no config in the archive")
            config: dict[str, Any] = json.load(member)
            return config


def now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def image_config(
    prefix: dict[str, Any],
    *,
    diff_ids: list[str],
    commands: list[str],
    rest: list[str],
    shell: list[str],
    labels: Mapping[str, str],
    parent_id: str,
) -> dict[str, Any]:
    """The config the builder would write: the prefix's, the install layers, USER, labels."""
    config = json.loads(json.dumps(prefix))
    for key in ("container", "container_config"):
        config.pop(key, None)
    inner = config["config"]
    inner["Image"] = parent_id
    history = list(config.get("history", []))
    for command in commands:
        history.append({"created": now(), "created_by": " ".join([*shell, command])})
    for line in rest:
        keyword, _, value = line.partition(" ")
        if keyword == "USER":
            inner["User"] = value
        elif keyword != "LABEL":
            raise ValueError(f"no host-layer equivalent for {line!r}")
        history.append({"created": now(), "created_by": line, "empty_layer": True})
    inner["Labels"] = {**(inner.get("Labels") or {}), **labels}
    config["rootfs"]["diff_ids"] = [*config["rootfs"]["diff_ids"], *diff_ids]
    config["history"] = history
    config["created"] = now()
    return config


def load(
    client: docker.DockerClient,
    tag: str,
    config: dict[str, Any],
    layer_files: Mapping[str, Path],
    scratch: Path,
) -> str:
    """`docker load` of an archive with the config and only the new layers' files."""
    data = json.dumps(config, separators=(",", ":")).encode()
    config_name = hashlib.sha256(data).hexdigest() + ".json"
    layers = [f"{d.split(':', 1)[1]}/layer.tar" for d in config["rootfs"]["diff_ids"]]
    members: list[tuple[str, bytes | Path]] = [(config_name, data)]
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": layers}]
    members.append(("manifest.json", json.dumps(manifest).encode()))
    members += [(f"{d.split(':', 1)[1]}/layer.tar", path) for d, path in layer_files.items()]
    # Streamed to the engine as it is made: no second copy of the layers on this side.
    for _ in client.api.load_image(archive_stream(members), quiet=True):
        pass
    return str(client.images.get(tag).id)


def archive_stream(members: list[tuple[str, bytes | Path]]) -> Iterator[bytes]:
    """A tar archive of `members` (bytes, or a file's contents), chunk by chunk."""
    block = tarfile.BLOCKSIZE
    for name, payload in members:
        info = tarfile.TarInfo(name)
        info.size = len(payload) if isinstance(payload, bytes) else payload.stat().st_size
        info.mode = 0o644
        yield info.tobuf(format=tarfile.USTAR_FORMAT)
        if isinstance(payload, bytes):
            yield payload
        else:
            with payload.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    yield chunk
        yield b"\0" * (-info.size % block)
    yield b"\0" * (2 * block)


@contextlib.contextmanager
def scratch_dir(root: Path) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="host-layer-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def build_prefix(client: docker.DockerClient, context: Path, build_args: Mapping[str, str]) -> str:
    """The classic builder's image of the context's Dockerfile, built without its cache."""
    found = None
    for chunk in client.api.build(
        path=str(context),
        rm=True,
        forcerm=True,
        decode=True,
        buildargs=dict(build_args),
        nocache=True,
    ):
        if "error" in chunk:
            raise RuntimeError(f"prefix build failed: {chunk['error']}")
        aux = chunk.get("aux")
        if isinstance(aux, dict) and "ID" in aux:
            found = str(aux["ID"])
    if found is None:
        raise RuntimeError("prefix build gave no image")
    return found


def host_layer_build(
    client: docker.DockerClient,
    spec: ImageSpec,
    *,
    context: Path,
    tag: str,
    build_args: Mapping[str, str],
    scratch_root: Path,
) -> HostLayerBuild:
    """Build `spec` as `tag` with its installs on the host's filesystem (see the module)."""
    timing = HostLayerBuild()
    started = time.monotonic()
    prefix_lines, commands, rest = split(spec)
    with scratch_dir(scratch_root) as scratch:
        # The classic builder up to the first install (cached like any build of this text).
        spec.write_context(context)
        (context / "Dockerfile").write_text("\n".join(prefix_lines) + "\n", encoding="utf-8")
        mark = time.monotonic()
        prefix_image = build_prefix(client, context, build_args)
        timing.prefix = time.monotonic() - mark
        prefix = client.images.get(prefix_image)
        shell = list(prefix.attrs["Config"].get("Shell") or ["/bin/sh", "-c"])
        host = scratch / "host"
        host.mkdir()
        mark = time.monotonic()
        client.containers.run(
            prefix_image,
            ["cp", "-a", *MOUNTED, "/mnt/host/"],
            user="0",
            volumes={str(host): {"bind": "/mnt/host", "mode": "rw"}},
            network_mode="none",
            remove=True,
        )
        timing.copy_out = time.monotonic() - mark
        volumes = {str(host / Path(m).name): {"bind": m, "mode": "rw"} for m in MOUNTED}
        diff_ids: list[str] = []
        layer_files: dict[str, Path] = {}
        before = listing(host)
        for number, command in enumerate(commands, start=1):
            mark = time.monotonic()
            container = client.containers.run(
                prefix_image,
                [*shell, command],
                user="0",
                environment=dict(build_args),
                volumes=volumes,
                detach=True,
            )
            try:
                status = container.wait()
                if status.get("StatusCode") != 0:
                    log = container.logs().decode(errors="replace")
                    raise RuntimeError(f"install step {number} failed: {log[-800:]}")
                timing.stray += [
                    f"{c['Kind']} {c['Path']}"
                    for c in client.api.diff(container.id) or []
                    if not any(c["Path"] == m or c["Path"].startswith(m + "/") for m in MOUNTED)
                    and c["Path"] not in ("/opt",)
                ]
            finally:
                container.remove(force=True)
            timing.installs.append(time.monotonic() - mark)
            mark = time.monotonic()
            after = listing(host)
            out = scratch / f"layer-{number}.tar"
            diff_id = write_layer(host, before, after, out)
            diff_ids.append(diff_id)
            layer_files[diff_id] = out
            before = after
            timing.layers.append(time.monotonic() - mark)
        mark = time.monotonic()
        config = image_config(
            raw_config(client, prefix_image),
            diff_ids=diff_ids,
            commands=commands,
            rest=rest,
            shell=shell,
            labels={},  # the Dockerfile's own LABEL is in the prefix's config
            parent_id=prefix_image,
        )
        timing.image_id = load(client, tag, config, layer_files, scratch)
        timing.load = time.monotonic() - mark
    with contextlib.suppress(docker.errors.APIError):
        client.images.remove(prefix_image, noprune=False)
    timing.seconds = time.monotonic() - started
    return timing
