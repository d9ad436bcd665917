"""Where a cold build's time goes (`make bench`, `--only cold-build`).

The image's install steps are run by hand in a container of the same base, timed phase by phase,
in three places for /opt/venv: the container's own filesystem (every write goes through the
storage driver, as in a build; the container is then committed, as the builder commits a step),
a tmpfs (the same pip with no storage driver under it), and the same again with `--no-compile`
(what compiling the .pyc files costs). pip's own log (`--log`, one timestamp a line) splits each
install into resolving and downloading from the mirror, then unpacking and compiling ("Installing
collected packages" to its end). The host venv is timed the same way, with and without
`--no-compile`.
"""

from __future__ import annotations

import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import docker
from cold_build import PIP_SETTINGS, host_environ, scratch_root

from harness.build import wheelhouse
from harness.build.dockerfile import ImageSpec

_PIP_STAMP = "%Y-%m-%dT%H:%M:%S,%f"
_INSTALLING = "Installing collected packages"


@dataclass(frozen=True, kw_only=True)
class Phases:
    """Seconds of one by-hand install, part by part."""

    venv: float  # python -m venv, then pip pinned to the matrix's version
    resolve_download: float  # pip's start to "Installing collected packages"
    unpack_compile: float  # from there to pip's exit
    check_freeze: float
    commit: float | None = None  # `docker commit` of the container, where there is one

    @property
    def install(self) -> float:
        return self.resolve_download + self.unpack_compile


def _pip_stamp(line: str) -> float:
    stamp = line.split(" ", 1)[0]
    return datetime.strptime(stamp, _PIP_STAMP).replace(tzinfo=timezone.utc).timestamp()


def _phases_from(stamps: Sequence[float], pip_log: str) -> tuple[float, float]:
    """(resolve + download, unpack + compile) of one pip run, from its log and its end."""
    lines = [line for line in pip_log.splitlines() if line[:4].isdigit()]
    first = _pip_stamp(lines[0])
    installing = next((_pip_stamp(line) for line in lines if _INSTALLING in line), stamps[-1])
    return installing - first, stamps[-1] - installing


def _script(spec: ImageSpec, pip_version: str, args: Sequence[str]) -> str:
    """The Dockerfile's steps as one shell script that prints a timestamp between parts."""
    install = shlex.join(["/opt/venv/bin/pip", "install", "--log", "/tmp/pip.log", *args])  # noqa: S108 - in the container
    return "\n".join(
        [
            "set -e; t() { date +%s.%N; }",
            "a=$(t)",
            f"{spec.base.python_bin} -m venv /opt/venv",
            f"/opt/venv/bin/python -m pip install --quiet pip=={shlex.quote(pip_version)}",
            "b=$(t)",
            f"{install} > /tmp/install.out 2>&1",
            "c=$(t)",
            "(/opt/venv/bin/pip check || true) > /dev/null 2>&1",
            "/opt/venv/bin/pip freeze --all > /dev/null",
            "d=$(t)",
            "echo $a $b $c $d",
            "cat /tmp/pip.log",
        ]
    )


def in_container(
    client: docker.DockerClient,
    spec: ImageSpec,
    pip_version: str,
    args: Sequence[str],
    mirror: wheelhouse.Mirror | None,
    *,
    tmpfs: bool,
    commit: bool,
) -> Phases:
    """The install steps in a container of the environment's base; /opt/venv in the container's
    own filesystem, or on a tmpfs. Committed and the image removed again if `commit`."""
    environment = dict(PIP_SETTINGS)
    if mirror is not None:
        environment |= mirror.build_args
    container = client.containers.run(
        spec.base.from_ref,
        ["bash", "-c", _script(spec, pip_version, args)],
        environment=environment,
        tmpfs={"/opt/venv": "exec,size=8g"} if tmpfs else {},
        labels={"io.keras-matrix.bench": "1"},
        detach=True,
    )
    try:
        status = container.wait()
        output = container.logs(stdout=True, stderr=False).decode()
        if status.get("StatusCode") != 0:
            raise RuntimeError(f"by-hand install failed: {output[-500:]}")
        stamps_line, _, pip_log = output.partition("\n")
        stamps = [float(word) for word in stamps_line.split()]
        resolve, unpack = _phases_from(stamps[1:3], pip_log)
        committed = None
        if commit:
            started = time.monotonic()
            image = container.commit()
            committed = time.monotonic() - started
            client.images.remove(image.id, force=True)
        return Phases(
            venv=stamps[1] - stamps[0],
            resolve_download=resolve,
            unpack_compile=unpack,
            check_freeze=stamps[3] - stamps[2],
            commit=committed,
        )
    finally:
        container.remove(force=True)


def on_host(
    pip_version: str, args: Sequence[str], mirror: wheelhouse.Mirror | None, *, compile_: bool
) -> Phases:
    """The same steps in a new host venv, with pip's log."""
    environ = host_environ(mirror)
    scratch = Path(tempfile.mkdtemp(prefix="cold-build-phases-", dir=scratch_root()))
    try:
        venv, log = scratch / "venv", scratch / "pip.log"
        python = str(venv / "bin" / "python")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": environ}
        a = time.time()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, **quiet)  # type: ignore[call-overload]
        subprocess.run(  # type: ignore[call-overload]
            [python, "-m", "pip", "install", "--quiet", f"pip=={pip_version}"], check=True, **quiet
        )
        b = time.time()
        extra = [] if compile_ else ["--no-compile"]
        install = [python, "-m", "pip", "install", "--log", str(log), *extra, *args]
        subprocess.run(install, check=True, **quiet)  # type: ignore[call-overload]
        c = time.time()
        subprocess.run([python, "-m", "pip", "check"], check=False, **quiet)  # type: ignore[call-overload]
        subprocess.run([python, "-m", "pip", "freeze", "--all"], check=True, **quiet)  # type: ignore[call-overload]
        d = time.time()
        pip_log = log.read_text(encoding="utf-8")
        # pip stamps its log in local time; the host's clock stamps are UTC epoch seconds.
        offset = datetime.now().astimezone().utcoffset()
        shift = offset.total_seconds() if offset else 0.0
        resolve, unpack = _phases_from([b + shift, c + shift], pip_log)
        return Phases(
            venv=b - a, resolve_download=resolve, unpack_compile=unpack, check_freeze=d - c
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True, kw_only=True)
class Breakdown:
    runs: dict[str, list[Phases]]


VARIANTS = (
    "host venv",
    "host venv, --no-compile",
    "container, /opt/venv in the image's filesystem, then docker commit",
    "container, /opt/venv on a tmpfs (no storage driver)",
    "container, image's filesystem, --no-compile",
)


def breakdown(
    client: docker.DockerClient,
    spec: ImageSpec,
    pip_version: str,
    args: Sequence[str],
    mirror: wheelhouse.Mirror | None,
    *,
    repeat: int,
    say: Callable[[str], None],
) -> Breakdown:
    """Every variant `repeat` times, interleaved (each round runs them all, in turn)."""
    makers: dict[str, Callable[[], Phases]] = {
        VARIANTS[0]: lambda: on_host(pip_version, args, mirror, compile_=True),
        VARIANTS[1]: lambda: on_host(pip_version, args, mirror, compile_=False),
        VARIANTS[2]: lambda: in_container(
            client, spec, pip_version, args, mirror, tmpfs=False, commit=True
        ),
        VARIANTS[3]: lambda: in_container(
            client, spec, pip_version, args, mirror, tmpfs=True, commit=False
        ),
        VARIANTS[4]: lambda: in_container(
            client, spec, pip_version, [*args, "--no-compile"], mirror, tmpfs=False, commit=False
        ),
    }
    runs: dict[str, list[Phases]] = {name: [] for name in makers}
    for round_ in range(max(repeat, 1)):
        order = list(makers)
        if round_ % 2:
            order.reverse()
        for name in order:
            runs[name].append(makers[name]())
            say(f"  breakdown {round_ + 1}: {name}: {runs[name][-1].install:.1f} s of pip install")
    return Breakdown(runs=runs)


def _median(values: Sequence[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def report(result: Breakdown) -> list[tuple[str, str, str]]:
    """One row per variant: venv, resolve + download, unpack + compile, check + freeze, commit."""
    rows = []
    for name, runs in result.runs.items():
        parts = [
            f"venv+pip {_median([r.venv for r in runs])}",
            f"resolve+download {_median([r.resolve_download for r in runs])}",
            f"unpack+compile {_median([r.unpack_compile for r in runs])}",
            f"check+freeze {_median([r.check_freeze for r in runs])}",
        ]
        commits = [r.commit for r in runs if r.commit is not None]
        if commits:
            parts.append(f"docker commit {_median(commits)}")
        total = statistics.median(r.install for r in runs)
        rows.append((f"  {name}", f"{total:.1f} s", "; ".join(parts)))
    return rows
