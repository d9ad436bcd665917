"""Where a run's environments live: images, or directories of this host mounted into their
cells (build/mounted.py builds those), and which a run uses."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.build import wheelhouse
from harness.build.dockerfile import ImageSpec
from harness.engine.api import Engine, Mount
from harness.errors import ConfigurationError

# "auto": mounted on the storage drivers that write every file of a layer the slow way, where
# the engine binds this host's directories; images everywhere else.
EnvironmentMode = Literal["auto", "images", "mounts"]
ENVIRONMENT_MODES: tuple[EnvironmentMode, ...] = ("auto", "images", "mounts")
MOUNTING_DRIVERS = frozenset({"fuse-overlayfs", "vfs"})
# Where the image would hold them, and the host directory's name for each.
MOUNTED_PATHS: tuple[tuple[str, str], ...] = (("venv", "/opt/venv"), ("state", "/opt/keras-matrix"))
RECORD = "environment.json"


def use_mounts(mode: EnvironmentMode, *, driver: str, binds: Callable[[], bool]) -> bool:
    """Whether this run's environments are mounted (`binds`: the engine sees this host's
    directories, asked only where it matters)."""
    if mode == "images":
        return False
    if mode == "mounts":
        if not binds():
            raise ConfigurationError(
                "--environments mounts: the engine cannot bind-mount this machine's directories "
                "(a remote engine, or one in another container); use --environments images"
            )
        return True
    return driver in MOUNTING_DRIVERS and binds()


@dataclass(frozen=True, kw_only=True)
class EnvironmentStore:
    """The mounted environments of one host, one directory per Dockerfile digest."""

    root: Path

    @classmethod
    def default(cls) -> EnvironmentStore:
        """~/.cache/keras-matrix/environments (beside the wheelhouse, as images are per host)."""
        return cls(root=wheelhouse.default_cache_dir().parent / "environments")

    def directory(self, spec: ImageSpec) -> Path:
        """Where `spec`'s environment lives once built."""
        return self.root / spec.digest

    def complete(self, spec: ImageSpec) -> dict[str, object] | None:
        """The record of `spec`'s finished environment, or None if it is absent or unfinished."""
        try:
            found = json.loads((self.directory(spec) / RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def sweep(self, older_than_s: float = 86400.0) -> None:
        """Remove what killed builds left: unfinished (`.partial-`) and half-removed (`.removed-`)
        directories a day old. Younger ones may be another process's build in progress."""
        if not self.root.is_dir():
            return
        limit = time.time() - older_than_s
        for path in self.root.iterdir():
            if (".partial-" in path.name or ".removed-" in path.name) and (
                path.stat().st_mtime < limit
            ):
                shutil.rmtree(path, ignore_errors=True)

    def clear(self) -> tuple[int, list[Path]]:
        """Remove every environment: how many, and the paths this process could not remove
        (their files are root's where the engine is not rootless)."""
        if not self.root.is_dir():
            return 0, []
        found = [path for path in self.root.iterdir() if path.is_dir()]
        for path in found:
            shutil.rmtree(path, ignore_errors=True)
        return len(found), [path for path in found if path.exists()]


def mounts(environment_dir: Path) -> tuple[Mount, ...]:
    """The read-only mounts a cell of this environment runs with."""
    return tuple(
        Mount(source=environment_dir / name, target=target, read_only=True)
        for name, target in MOUNTED_PATHS
    )


def store_for(
    engine: Engine,
    specs: Sequence[ImageSpec],
    mode: EnvironmentMode,
    *,
    root: Path | None,
    note: Callable[[str], None],
) -> EnvironmentStore | None:
    """Where these environments are mounted from, or None where they are images (the engine is
    probed for binds with the first one's base image)."""
    if not specs:
        return None
    driver = engine.describe().storage_driver
    probe = specs[0].base.image
    if not use_mounts(mode, driver=driver, binds=lambda: engine.binds_host_paths(probe)):
        return None
    store = EnvironmentStore(root=root) if root is not None else EnvironmentStore.default()
    store.sweep()
    note(
        f"environments: mounted from {store.root} (storage driver {driver}; "
        "--environments images builds images instead)"
    )
    return store
