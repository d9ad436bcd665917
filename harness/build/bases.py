"""Base images: `python:X-slim` from a registry, or Debian bootstrapped locally.

With no registry (air-gapped hosts, firewalls), a base is made from Debian's
packages with mmdebstrap and `docker import`; Debian's Python is then used
through a venv, since Debian marks its own Python as externally managed.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from harness.config.matrix_schema import BaseKind
from harness.engine.api import DEBIAN_IMPORT_CHANGES
from harness.errors import BaseImageError, EngineError

if TYPE_CHECKING:
    from harness.engine.api import ImageStore
    from harness.engine.commands import Echo

DEBIAN_SUITES = {"3.9": "bullseye", "3.11": "bookworm", "3.13": "trixie"}
DEBIAN_REPOSITORY = "keras-matrix-base"


DEBIAN_PACKAGES = "python3,python3-venv,ca-certificates"


@dataclass(frozen=True, kw_only=True)
class Base:
    """A base image: where it comes from, its Python, and the interpreter to use in it."""

    kind: Literal["registry", "debian"]
    python: str
    image: str
    python_bin: str
    # The base as this host holds it: its image ID, and for a registry base the digest it was
    # pulled by. Both are None while planning (no engine asked).
    image_id: str | None = None
    repo_digest: str | None = None

    @property
    def from_ref(self) -> str:
        """What FROM names: the registry digest where there is one, so the base cannot move."""
        if self.kind == "registry" and self.repo_digest:
            return self.repo_digest
        return self.image

    @property
    def suite(self) -> str | None:
        """The Debian suite a Debian base is bootstrapped from; None for a registry base."""
        return DEBIAN_SUITES.get(self.python) if self.kind == "debian" else None

    def notes(self) -> tuple[str, ...]:
        """Comment lines for the Dockerfile: where its base comes from, said honestly."""
        if self.kind == "registry":
            if self.repo_digest:
                return (f"Base: {self.image}, pinned by the digest this host pulled.",)
            return (
                f"Base: {self.image} as this host holds it (image "
                f"{self.image_id or 'not present here'}); it has no registry digest, so FROM "
                "names the moving tag.",
            )
        suite = self.suite
        changes = " ".join(shlex.quote(f"--change={change}") for change in DEBIAN_IMPORT_CHANGES)
        return (
            f"Base: {self.image} is in no registry: the harness made it on the build host from",
            "Debian's packages. To make it on another host (as root, with mmdebstrap installed):",
            f"  mmdebstrap --variant=minbase --include={DEBIAN_PACKAGES} {suite} base.tar",
            f"  docker import {changes} base.tar {self.image}",
            "A base made later holds Debian's later security updates; the one this image was "
            "built on",
            f"is image {self.image_id or '(not present here)'}.",
        )

    def resolved(self, engine: ImageStore) -> Base:
        """This base with its image ID and registry digest as the engine holds it now."""
        image_id = engine.image_id(self.image)
        digest = engine.repo_digest(self.image) if self.kind == "registry" and image_id else None
        return replace(self, image_id=image_id, repo_digest=digest)


def registry_base(python: str) -> Base:
    """The `python:X-slim` base from a registry."""
    return Base(kind="registry", python=python, image=f"python:{python}-slim", python_bin="python3")


def debian_base(python: str) -> Base:
    """The Debian base bootstrapped locally for `python` (its suite's own Python)."""
    suite = DEBIAN_SUITES.get(python)
    if suite is None:
        known = ", ".join(f"{v} ({s})" for v, s in DEBIAN_SUITES.items())
        raise BaseImageError(
            f"no Debian suite ships Python {python} (known: {known}); use base: registry"
        )
    return Base(
        kind="debian",
        python=python,
        image=f"{DEBIAN_REPOSITORY}:{suite}",
        python_bin="/usr/bin/python3",
    )


class BaseResolver:
    """Finds or makes the base image for each Python, asking the registry at most once."""

    def __init__(self, engine: ImageStore, kind: BaseKind, *, echo: Echo, say: Echo) -> None:
        self._engine = engine
        self._kind = kind
        self._echo = echo
        self._say = say
        self._registry_ok: bool | None = None
        self._ready: dict[str, Base] = {}

    def planned(self, python: str) -> Base:
        """The base a build would use, without touching the engine (for `plan`)."""
        if self._kind == "debian" or (self._kind == "auto" and self._registry_ok is False):
            return debian_base(python)
        return registry_base(python)

    def ensure(self, python: str) -> Base:
        """The base for `python`, present on the engine, with its ID and digest."""
        if python not in self._ready:
            self._ready[python] = self._ensure(python).resolved(self._engine)
        return self._ready[python]

    def _ensure(self, python: str) -> Base:
        if self._kind == "debian":
            return self._ensure_debian(python)
        base = registry_base(python)
        if self._engine.image_id(base.image) is not None:
            return base
        if self._kind == "registry" or self._registry_ok is not False:
            try:
                self._engine.pull(base.image)
            except EngineError as exc:
                if self._kind == "registry":
                    raise BaseImageError(f"cannot pull {base.image}: {exc}") from None
                self._registry_ok = False
                self._say(
                    [f"registry unreachable ({exc}); using Debian base images built here instead"]
                )
            else:
                self._registry_ok = True
                return base
        return self._ensure_debian(python)

    def _ensure_debian(self, python: str) -> Base:
        base = debian_base(python)
        if self._engine.image_id(base.image) is None:
            bootstrap_debian(self._engine, python, base.image, echo=self._echo)
        return base


def bootstrap_debian(engine: ImageStore, python: str, ref: str, *, echo: Echo) -> None:
    """Make base image `ref` from Debian with mmdebstrap and `docker import`."""
    if shutil.which("mmdebstrap") is None:
        raise BaseImageError(
            "mmdebstrap is not installed; it builds base images when no registry answers "
            "(install it with: apt-get install mmdebstrap)"
        )
    suite = DEBIAN_SUITES[python]
    with tempfile.TemporaryDirectory(prefix="keras-matrix-base-") as scratch:
        tarball = Path(scratch) / f"{suite}.tar"
        argv = [
            "mmdebstrap",
            "--variant=minbase",
            f"--include={DEBIAN_PACKAGES}",
            suite,
            str(tarball),
        ]
        echo(argv)
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise BaseImageError(f"mmdebstrap {suite} failed (exit {done.returncode}): {last}")
        engine.import_image(tarball, ref, python=python)
