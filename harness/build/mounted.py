"""Environments kept as directories on the host's own disk, bind-mounted into their cells.

Every Docker image store keeps a layer as the difference its step made, so building an image
writes each install twice: once by pip, once as the layer; and on a storage driver without a
native diff (fuse-overlayfs, vfs) pip's writes also go through a userspace daemon or a full copy
(docs/performance.md, "Cold builds"). A mounted environment skips both: the Dockerfile's
instructions before its first install are built as an image (the "prefix", shared by every
environment of the same base), and each install step then runs, as the very `RUN` command the
Dockerfile holds (same shell, environment and build arguments, as root), in a container of the
prefix with /opt/venv and /opt/keras-matrix bind-mounted from a directory of the host. Cells run
in the prefix with those two directories mounted read-only where the image would hold them: the
same pip, paths and files, the same resolver, without a layer.

An environment that extends another (TensorFlow, then Keras over it) starts from a copy of that
one's directory made of hard links: pip replaces a file by unlinking it first, so the copy shares
every file it does not change. The parent is checked after each such install, and dropped (to
be built again) if anything changed it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shlex
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from harness.build.dockerfile import ImageSpec
from harness.build.dockerfile_cut import Split, prefix_tag, split
from harness.build.environment_store import MOUNTED_PATHS, RECORD, EnvironmentStore
from harness.build.images import (
    BuildFailures,
    BuildStatus,
    ImageRecord,
    Instead,
    host_failed,
    host_failure,
    network_failure,
    pip_reason,
)
from harness.config.sandbox import Sandbox
from harness.engine.api import Engine, Mount, RunResult, RunSpec
from harness.textfiles import write_atomic

# Where the store's root is mounted for laying environments out and removing them, as root.
STORE_MOUNT = "/keras-matrix-environments"
# An install container is a build step, not a cell: root, the bridge network (the host-side
# mirror), no read-only root. pip unpacks each download under /tmp, kept in memory as in a build.
INSTALL_SANDBOX = Sandbox(
    network="bridge",
    user="0:0",
    read_only=False,
    cap_drop_all=False,
    memory="16g",
    tmp_size="8g",
    home_size="64m",
    output_limit=1 << 20,
)


def present(engine: Engine, store: EnvironmentStore, spec: ImageSpec) -> bool:
    """Whether `spec`'s mounted environment is ready to reuse."""
    cut = split(spec)
    if cut is None:
        return engine.image_id(spec.tag) is not None
    probe = ImageRecord(
        python=spec.python, environment=spec.environment, tag="-", base_image="-", status="reused"
    )
    return reuse(engine, store, spec, probe) is not None


@dataclass(frozen=True, kw_only=True)
class MountedBuild:
    """What building one mounted environment needs beside its spec."""

    engine: Engine
    store: EnvironmentStore
    log_dir: Path
    context_dir: Path
    on_line: Callable[[ImageSpec, str], None]
    build_args: Mapping[str, str]
    retry_delays: Sequence[float]
    say: Callable[[str], None]
    sleep: Callable[[float], None] = time.sleep


def builder(job: MountedBuild, *, rebuild: bool, failures: BuildFailures | None) -> Instead:
    """`make` for build_images(): each environment mounted where its Dockerfile allows."""

    def instead(
        spec: ImageSpec, extends: Sequence[tuple[ImageSpec, ImageRecord]]
    ) -> ImageRecord | None:
        return make(job, spec, extends, rebuild=rebuild, failures=failures)

    return instead


def make(
    job: MountedBuild,
    spec: ImageSpec,
    extends: Sequence[tuple[ImageSpec, ImageRecord]],
    *,
    rebuild: bool = False,
    failures: BuildFailures | None = None,
) -> ImageRecord | None:
    """`spec`'s mounted environment, reused or built (from the longest mounted environment in
    `extends`); None where its Dockerfile cannot be cut before the installs."""
    cut = split(spec)
    if cut is None:
        return None
    record = ImageRecord(
        python=spec.python,
        environment=spec.environment,
        tag=prefix_tag(spec, cut),
        base_image=spec.base.from_ref,
        base_image_id=spec.base.image_id,
        status="reused",
    )
    if not rebuild:
        found = reuse(job.engine, job.store, spec, record)
        if found is not None:
            return found
        known = None if failures is None else failures.get(spec)
        if known is not None and known.status == "failed":
            return replace(known, status="failed", seconds=0.0)
    mounted = [(s, r) for s, r in extends if r.environment_dir is not None]
    parent = max(mounted, key=lambda pair: len(pair[0].steps)) if mounted else None
    built = build_mounted(job, spec, cut, record, parent=parent)
    if built.status == "failed" and failures is not None:
        failures.put(built, spec)
    return built


def build_mounted(
    job: MountedBuild,
    spec: ImageSpec,
    cut: Split,
    record: ImageRecord,
    *,
    parent: tuple[ImageSpec, ImageRecord] | None = None,
) -> ImageRecord:
    """Build `spec` as a mounted environment (record's status "built", "failed" or
    "unreachable"), from `parent`'s directory where it extends that one."""
    started = time.monotonic()
    job.log_dir.mkdir(parents=True, exist_ok=True)
    log_path = job.log_dir / f"py{spec.python}-{spec.environment}.log"
    record = replace(record, log_path=str(log_path))
    tag = prefix_tag(spec, cut)
    prefix_id, log = _prefix(job, spec, cut, tag)
    if prefix_id is None:
        log_path.write_text(log + "\n", encoding="utf-8")
        # The prefix installs pip itself: an index it cannot reach is not the environment's fault.
        status: BuildStatus = "unreachable" if network_failure(log) else "failed"
        reason = pip_reason(log, log.splitlines()[-1])
        if host_failure(log):
            return host_failed(record, reason)
        return replace(record, status=status, error=reason)
    record = replace(record, tag=tag)
    for attempt, delay in enumerate((*job.retry_delays, None), start=1):
        ok, log, error, made = _install(job, spec, cut, tag, parent)
        log_path.write_text(log + "\n", encoding="utf-8")
        if ok or not network_failure(log):
            break
        if made is not None:
            remove(job, tag, made)
        if delay is None:
            return replace(
                record,
                status="unreachable",
                error=f"the package index was unreachable in {attempt} attempts: "
                f"{pip_reason(log, error)}",
                seconds=round(time.monotonic() - started, 1),
            )
        job.say(f"    network failure while installing (attempt {attempt}); retrying in {delay:g}s")
        job.sleep(delay)
    seconds = round(time.monotonic() - started, 1)
    if not ok or made is None:
        if made is not None:
            remove(job, tag, made)
        reason = pip_reason(log, error, spec.build_timeout)
        if host_failure(f"{log}\n{error or ''}"):
            return replace(host_failed(record, reason), seconds=seconds)
        return replace(record, status="failed", error=reason, seconds=seconds)
    environment_id = (
        "sha256:"
        + hashlib.sha256(f"{prefix_id} {spec.digest} {secrets.token_hex(16)}".encode()).hexdigest()
    )
    document = {
        "id": environment_id,
        "digest": spec.digest,
        "prefix": tag,
        "prefix_id": prefix_id,
        "python": spec.python,
        "environment": spec.environment,
        "extends": parent[0].digest if parent else None,
        "seconds": seconds,
    }
    write_atomic(made / RECORD, json.dumps(document, indent=2, sort_keys=True) + "\n")
    final = job.store.directory(spec)
    if final.exists():
        # Renamed first, so that no reader sees half of one.
        doomed = final.with_name(f"{final.name}.removed-{secrets.token_hex(4)}")
        final.rename(doomed)
        remove(job, tag, doomed)
    made.rename(final)
    return replace(
        record,
        status="built",
        image_id=environment_id,
        environment_dir=str(final),
        seconds=seconds,
    )


def reuse(
    engine: Engine, store: EnvironmentStore, spec: ImageSpec, record: ImageRecord
) -> ImageRecord | None:
    """`record` as a reused environment where `spec`'s is complete and its prefix present."""
    found = store.complete(spec)
    if found is None:
        return None
    tag, prefix_id = str(found.get("prefix")), found.get("prefix_id")
    if engine.image_id(tag) != prefix_id:
        return None  # the prefix was removed or rebuilt since: the environment must follow it
    return replace(
        record,
        status="reused",
        tag=tag,
        image_id=str(found.get("id")),
        environment_dir=str(store.directory(spec)),
    )


def _prefix(job: MountedBuild, spec: ImageSpec, cut: Split, tag: str) -> tuple[str | None, str]:
    """The prefix image's ID (built if missing) and the build's log."""
    existing = job.engine.image_id(tag)
    if existing is not None:
        return existing, ""
    context = spec.write_context(job.context_dir / f"py{spec.python}-{spec.environment}-prefix")
    (context / "Dockerfile").write_text(cut.prefix, encoding="utf-8")
    result = job.engine.build(
        context, tag, {}, lambda line: job.on_line(spec, line), job.build_args
    )
    if not result.ok:
        return None, f"{result.log}\n{result.error or 'the prefix build failed'}"
    return result.image_id or job.engine.image_id(tag), result.log


def _install(
    job: MountedBuild,
    spec: ImageSpec,
    cut: Split,
    tag: str,
    parent: tuple[ImageSpec, ImageRecord] | None,
) -> tuple[bool, str, str | None, Path | None]:
    """Run the install steps into a new directory: (ok, log, the builder-style error, the
    directory)."""
    job.store.root.mkdir(parents=True, exist_ok=True)
    made = job.store.root / f"{spec.digest}.partial-{secrets.token_hex(4)}"
    made.mkdir()
    lines: list[str] = []
    done = 0
    parent_dir = Path(parent[1].environment_dir) if parent and parent[1].environment_dir else None
    if parent is not None and parent_dir is not None and parent_dir.is_dir():
        done = len(parent[0].steps)
        # In a container, as root: the files are root's, and a user may not hard-link files
        # that are not theirs (fs.protected_hardlinks). One mount, so that links can be made.
        script = (
            f"cp -al {_in_store(parent_dir, 'venv')} {_in_store(made, 'venv')}"
            f" && cp -a {_in_store(parent_dir, 'state')} {_in_store(made, 'state')}"
        )
        lines.append(f"Extending {parent[0].environment}: its {done} install step(s) are done")
    else:
        parent_dir = None
        script = (
            f"cp -a /opt/venv {_in_store(made, 'venv')}"
            f" && cp -a /opt/keras-matrix {_in_store(made, 'state')}"
        )
    result = _as_root(job, tag, script)
    if result.exit_code != 0:
        text = f"laying out the environment failed: {(result.stdout + result.stderr).strip()}"
        return False, text, text, made
    if parent_dir is not None:
        before = _signature(parent_dir / "venv")
    env = {name: value for name, value in job.build_args.items() if name in cut.args}
    binds = tuple(
        Mount(source=made / name, target=target, read_only=False) for name, target in MOUNTED_PATHS
    )
    timeout = float(spec.build_timeout or 3600) + 120.0
    for number, command in enumerate(cut.installs[done:], start=done + 1):
        lines.append(f"Step {number}/{len(cut.installs)} : RUN {command}")
        for line in lines[-1:]:
            job.on_line(spec, line)
        run = RunSpec(
            image=tag,
            command=(*cut.shell, command),
            env=env,
            mounts=binds,
            sandbox=INSTALL_SANDBOX,
            timeout_s=timeout,
        )
        result = job.engine.run(run)
        output = (result.stdout + result.stderr).rstrip("\n")
        for line in output.splitlines():
            lines.append(line)
            job.on_line(spec, line)
        code = 124 if result.timed_out else result.exit_code
        if code != 0:
            # The classic builder's words, which pip_reason() reads (124: `timeout` expired).
            error = (
                f"The command '{' '.join((*cut.shell, command))}' returned a non-zero code: {code}"
            )
            lines.append(error)
            return False, "\n".join(lines), error, made
    if parent_dir is not None and _signature(parent_dir / "venv") != before:
        # An install changed a shared file in place: the parent is no longer what it recorded.
        name = parent[0].environment if parent else "its parent"
        job.say(f"    {name}: changed by an install that extends it; it will be built again")
        (parent_dir / RECORD).unlink(missing_ok=True)
    return True, "\n".join(lines), None, made


def _in_store(directory: Path, name: str) -> str:
    """`directory`/`name` as the store's root is mounted in _as_root()'s container."""
    return shlex.quote(f"{STORE_MOUNT}/{directory.name}/{name}")


def _as_root(job: MountedBuild, image: str, script: str) -> RunResult:
    """`script` run by root in a container of `image`, the store mounted at STORE_MOUNT."""
    return job.engine.run(
        RunSpec(
            image=image,
            command=("sh", "-c", script),
            mounts=(Mount(source=job.store.root, target=STORE_MOUNT, read_only=False),),
            sandbox=replace(INSTALL_SANDBOX, network="none"),
            timeout_s=600.0,
        )
    )


def remove(job: MountedBuild, image: str, directory: Path) -> None:
    """Remove a directory of the store, as root in a container where this process may not."""
    shutil.rmtree(directory, ignore_errors=True)
    if directory.exists():
        _as_root(job, image, f"rm -rf {shlex.quote(f'{STORE_MOUNT}/{directory.name}')}")


def _signature(root: Path) -> dict[str, tuple[int, int, int]]:
    """Each file under `root` by path: inode, size and modification time."""
    found: dict[str, tuple[int, int, int]] = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = f"{directory}/{name}"
            info = os.lstat(path)
            found[path] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return found
