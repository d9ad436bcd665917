"""Building the environment images a set of cells needs; a failed build is a result."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from harness.build.dockerfile import ImageSpec
from harness.engine.api import ImageStore
from harness.errors import Interrupted
from harness.textfiles import write_atomic

# "unreachable": the install failed because the package index could not be reached; the
# environment itself may be fine, so its cells are not recorded as results (resume them later).
# "host_failed": this host could not hold the install (its disk was full); the same holds.
BuildStatus = Literal["reused", "built", "failed", "unreachable", "host_failed"]
# Backoff between attempts after a network failure; the attempts are len(...) + 1.
NETWORK_RETRY_DELAYS_S: tuple[float, ...] = (10.0, 30.0, 90.0)
# What pip (urllib3, requests) logs when the index cannot be reached, as opposed to a
# resolver that reached it and found no installable set.
_NETWORK_FAILURE = re.compile(
    r"NewConnectionError|Failed to establish a new connection"
    r"|Temporary failure in name resolution|Name or service not known"
    r"|ConnectTimeoutError|ReadTimeoutError|Read timed out|Connection refused"
    r"|Network is unreachable|ProxyError|Connection reset by peer|connection broken by"
    r"|RemoteDisconnected|IncompleteRead|SSLError\(SSLEOFError"
)


@dataclass(frozen=True, kw_only=True)
class ImageRecord:
    """What became of one environment image in a run: reused, built, failed or unreachable."""

    python: str
    environment: str
    tag: str
    base_image: str
    status: BuildStatus
    base_image_id: str | None = None
    dockerfile: str | None = None
    image_id: str | None = None
    error: str | None = None
    log_path: str | None = None
    seconds: float = 0.0
    # The image's pip freeze, relative to the run's directory (environments/py<P>-<env>.txt).
    freeze: str | None = None
    # A mounted environment (build/mounted.py): its host directory; `tag` is then the prefix
    # image its cells run in, and `image_id` the environment's own ID.
    environment_dir: str | None = None

    @property
    def usable(self) -> bool:
        """Whether cells can run in this image."""
        return self.status in ("reused", "built")


# Another way to make an environment: (its spec, the earlier ones it extends) -> its record,
# or None to build it as an image.
Instead = Callable[[ImageSpec, Sequence[tuple[ImageSpec, ImageRecord]]], ImageRecord | None]


def network_failure(log: str) -> bool:
    """Whether a failed build's log shows the package index was unreachable."""
    return _NETWORK_FAILURE.search(log) is not None


# What pip (and the engine) print when the host's disk is full. A wheel the host-side mirror
# could not finish writing reaches pip cut short, which pip reports as a hash mismatch.
_HOST_FAILURE = re.compile(
    r"No space left on device|\[Errno 28\]|Disk quota exceeded"
    r"|THESE PACKAGES DO NOT MATCH THE HASHES"
)


def host_failure(log: str) -> bool:
    """Whether a failed build's log shows this host, not pip, failed it (a full disk)."""
    return _HOST_FAILURE.search(log) is not None


def host_failed(record: ImageRecord, reason: str) -> ImageRecord:
    """`record` as failed by this host: neither a result nor remembered as refused."""
    return replace(
        record,
        status="host_failed",
        error=f"this host could not hold the install (is its disk full?): {reason}",
    )


# ERROR lines pip prints that do not say why an install failed.
_PIP_NOISE = ("dependency resolver does not currently", "Ignored the following yanked versions")


@dataclass(frozen=True, kw_only=True)
class BuildFailures:
    """Builds pip refused, by Dockerfile digest: an unchanged environment that cannot be
    installed is not tried again on every run (`--rebuild` tries it again)."""

    root: Path
    # Whether the run is stopping: an install the stop killed was not refused by pip, so its
    # failure is not remembered (a resumed run builds it again).
    stopping: Callable[[], bool] = lambda: False

    @classmethod
    def under(
        cls, results_root: Path, *, stopping: Callable[[], bool] = lambda: False
    ) -> BuildFailures:
        """The record of refused builds beside the runs in `results_root`."""
        return cls(root=results_root / ".cache" / "builds", stopping=stopping)

    def _path(self, spec: ImageSpec) -> Path:
        return self.root / f"{spec.digest}.json"

    def get(self, spec: ImageSpec) -> ImageRecord | None:
        """The refused build of this exact Dockerfile, if one is recorded."""
        try:
            data = json.loads(self._path(spec).read_text(encoding="utf-8"))
            return ImageRecord(**data)
        except (OSError, ValueError, TypeError):
            return None  # absent or damaged: build again

    def put(self, record: ImageRecord, spec: ImageSpec) -> None:
        """Remember that pip refused this Dockerfile's install."""
        if self.stopping():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self._path(spec), json.dumps(asdict(record), sort_keys=True))


# What the classic builder says when a RUN exits non-zero; 124 is `timeout`'s exit on expiry.
_TIMED_OUT_STEP = re.compile(r"returned a non-zero code: 124\b")


def pip_reason(log: str, docker_error: str | None, build_timeout: int | None = None) -> str:
    """pip's own explanation of a failed install, without the build's noise."""
    if docker_error and _TIMED_OUT_STEP.search(docker_error):
        limit = f"build_timeout ({build_timeout} s)" if build_timeout else "build_timeout"
        step = _last_step(log)
        return f"{step or 'an install step'} did not finish within {limit} and was killed"
    lines = [
        line.strip()
        for line in log.splitlines()
        if line.lstrip().startswith("ERROR:") and not any(noise in line for noise in _PIP_NOISE)
    ]
    if lines:
        return "\n".join(dict.fromkeys(lines))
    return docker_error or "the build failed without an error message"


def _last_step(log: str) -> str | None:
    """`pip install ...` of the last RUN step the build log shows starting."""
    found = re.findall(r"RUN timeout (?:--kill-after=\S+ )?\S+ (pip install .*?) 2>&1", log)
    return f"`{found[-1]}`" if found else None


def build_images(
    engine: ImageStore,
    specs: Sequence[ImageSpec],
    *,
    log_dir: Path,
    context_dir: Path,
    on_line: Callable[[ImageSpec, str], None],
    on_record: Callable[[ImageSpec, ImageRecord], None] = lambda spec, record: None,
    rebuild: bool = False,
    jobs: int = 1,
    build_args: Mapping[str, str] | None = None,
    retry_delays: Sequence[float] = NETWORK_RETRY_DELAYS_S,
    say: Callable[[str], None] = lambda text: None,
    failures: BuildFailures | None = None,
    instead: Instead | None = None,
    known: Mapping[tuple[str, str], ImageRecord] | None = None,
    stopping: Callable[[], bool] = lambda: False,
    slot: Callable[[], AbstractContextManager[object]] | None = None,
) -> dict[tuple[str, str], ImageRecord]:
    """Build what is missing, `jobs` at a time; records come back in the order of `specs`.

    `instead` makes an environment another way (a mounted one) where it can, given the earlier
    environments it extends; where it gives None, the environment is built as an image.
    `known` holds records had already (environments found ready): they are neither built nor
    reported again, and those that extend them find them. Once `stopping` says so, no build
    starts: Interrupted is raised instead. Each build holds a `slot`, if given, while it runs:
    a budget it shares with the cells of the images already made.
    """

    def one(spec: ImageSpec, extends: Sequence[tuple[ImageSpec, ImageRecord]] = ()) -> ImageRecord:
        with slot() if slot else contextlib.nullcontext():
            # Checked once the slot is had: the wait for it may have outlasted the run.
            _unless_stopping(spec, stopping)
            record = made(spec, extends)
        # A build the stop cut short (its install container killed) says nothing of the
        # environment: it is neither reported nor handed on.
        _unless_stopping(spec, stopping)
        on_record(spec, record)
        return record

    def made(spec: ImageSpec, extends: Sequence[tuple[ImageSpec, ImageRecord]]) -> ImageRecord:
        other = None if instead is None else instead(spec, extends)
        if other is not None:
            return other
        return build_one(
            engine,
            spec,
            log_dir=log_dir,
            context_dir=context_dir,
            on_line=on_line,
            rebuild=rebuild,
            build_args=build_args,
            retry_delays=retry_delays,
            say=say,
            failures=failures,
            cache_from=[r.tag for _, r in extends if r.image_id and r.environment_dir is None],
        )

    def lane(
        members: Sequence[ImageSpec], primed: Mapping[tuple[str, str], ImageRecord]
    ) -> list[ImageRecord]:
        # An image that extends one built before it names that one as its cache source, so the
        # builder takes that image's own layers even where another process (or a `--no-cache`
        # build) has made identical copies since: otherwise it would take the newest copy.
        done: list[tuple[ImageSpec, ImageRecord]] = []
        for spec in members:
            record = primed.get((spec.python, spec.environment))
            if record is None:
                record = one(spec, [(s, r) for s, r in done if r.usable and _extends(spec, s)])
            done.append((spec, record))
        return [record for _, record in done]

    had = dict(known or {})
    if jobs <= 1 or len(specs) <= 1:
        # Lanes one after another: within each, an environment that extends another comes
        # after it (a mounted one is then made from that one's directory).
        built = [lane(members, had) for members in lanes(specs)]
    else:
        groups = lanes(specs)
        # The layers before the first install step (user, venv, pip) are the same for every
        # image on one base. Lanes started together would each make their own copy, and the
        # builder later picks the newest copy: an image meant to extend another (TF, then Keras
        # over it) would then sit on a different chain and install everything again. So one
        # image per base is built first (bases in parallel: they share nothing), and the lanes
        # then find those layers ready.
        first: dict[tuple[str, str, bytes | None, str | None], ImageSpec] = {}
        for members in groups:
            first.setdefault(_before_the_installs(members[0]), members[0])
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="build") as pool:
            heads = [s for s in first.values() if (s.python, s.environment) not in had]
            primed = had | {
                (s.python, s.environment): record
                for s, record in zip(heads, pool.map(one, heads), strict=True)
            }

            built = list(pool.map(lambda members: lane(members, primed), groups))
    records = {(r.python, r.environment): r for members in built for r in members}
    return {
        (spec.python, spec.environment): records[(spec.python, spec.environment)] for spec in specs
    }


def _unless_stopping(spec: ImageSpec, stopping: Callable[[], bool]) -> None:
    if stopping():
        raise Interrupted(f"py{spec.python}/{spec.environment}: not built, the run is stopping")


def _before_the_installs(spec: ImageSpec) -> tuple[str, str, bytes | None, str | None]:
    """What an image's Dockerfile holds before its first install step depends on these alone."""
    return (spec.base.image, spec.python, spec.ca_bundle, spec.uploaded_prior_to)


def _extends(spec: ImageSpec, earlier: ImageSpec) -> bool:
    """Whether `spec` is `earlier`'s image with more install steps after its own, those steps
    pinned alike (a mounted environment is made from a copy of the one it extends)."""
    count = len(earlier.steps)
    return (
        _before_the_installs(spec) == _before_the_installs(earlier)
        and count < len(spec.steps)
        and spec.steps[:count] == earlier.steps
        and spec.step_constraints[:count] == earlier.step_constraints
    )


def lanes(specs: Sequence[ImageSpec]) -> list[list[ImageSpec]]:
    """Specs grouped so that images sharing their first install layer build one after another.

    The classic builder shares a layer only with images built after it: two environments that
    start with the same `pip install` built at the same time would each install it, and the disk
    would hold it twice. Within a lane the shorter installs go first, so that an environment
    that extends another (TF 2.15, then Keras 3 over it) finds that one's layers ready.
    """
    grouped: dict[tuple[str, str, bytes | None, str | None, str | None], list[ImageSpec]] = {}
    for spec in specs:
        first = spec.steps[0] if spec.steps else None
        key = (*_before_the_installs(spec), first)
        grouped.setdefault(key, []).append(spec)
    return [sorted(members, key=lambda spec: len(spec.steps)) for members in grouped.values()]


def build_one(
    engine: ImageStore,
    spec: ImageSpec,
    *,
    log_dir: Path,
    context_dir: Path,
    on_line: Callable[[ImageSpec, str], None],
    rebuild: bool = False,
    build_args: Mapping[str, str] | None = None,
    retry_delays: Sequence[float] = NETWORK_RETRY_DELAYS_S,
    say: Callable[[str], None] = lambda text: None,
    sleep: Callable[[float], None] = time.sleep,
    failures: BuildFailures | None = None,
    cache_from: Sequence[str] = (),
) -> ImageRecord:
    """Reuse or build one image, retrying network failures with backoff (`sleep` waits);
    `cache_from` names the images it extends, whose layers the builder takes first."""
    record = ImageRecord(
        python=spec.python,
        environment=spec.environment,
        tag=spec.tag,
        base_image=spec.base.from_ref,
        base_image_id=spec.base.image_id,
        status="reused",
    )
    existing = None if rebuild else engine.image_id(spec.tag)
    if existing is not None:
        return replace(record, image_id=existing)
    known = None if rebuild or failures is None else failures.get(spec)
    if known is not None and known.status == "failed":
        return replace(known, status="failed", seconds=0.0)
    context = spec.write_context(context_dir / f"py{spec.python}-{spec.environment}")
    started = time.monotonic()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"py{spec.python}-{spec.environment}.log"
    for attempt, delay in enumerate((*retry_delays, None), start=1):
        # The labels are the Dockerfile's own LABEL: given through the API as well, the classic
        # builder would add a LABEL after the installs: one more commit of the whole tree.
        result = engine.build(
            context,
            spec.tag,
            {},
            lambda line: on_line(spec, line),
            build_args,
            cache_from=cache_from,
        )
        log_path.write_text(result.log + "\n", encoding="utf-8")
        if result.ok or not network_failure(result.log):
            break
        if delay is None:
            reason = pip_reason(result.log, result.error)
            return replace(
                record,
                status="unreachable",
                log_path=str(log_path),
                error=f"the package index was unreachable in {attempt} attempts: {reason}",
                seconds=round(time.monotonic() - started, 1),
            )
        say(f"    network failure while installing (attempt {attempt}); retrying in {delay:g}s")
        sleep(delay)
    seconds = round(time.monotonic() - started, 1)
    record = replace(record, log_path=str(log_path), seconds=seconds)
    if not result.ok:
        reason = pip_reason(result.log, result.error, spec.build_timeout)
        if host_failure(f"{result.log}\n{result.error or ''}"):
            return host_failed(record, reason)
        record = replace(record, status="failed", error=reason)
        if failures is not None:
            failures.put(record, spec)
        return record
    return replace(record, status="built", image_id=result.image_id)
