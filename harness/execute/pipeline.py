"""The run, start to end: matrix → cells → Dockerfiles → images → runs → outcomes → table."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.build import environment_store, freezes, mounted, wheelhouse
from harness.build.bases import BaseResolver
from harness.build.dockerfile import ImageSpec, render
from harness.build.images import NETWORK_RETRY_DELAYS_S, BuildFailures, ImageRecord, build_images
from harness.config.cells import Cell
from harness.config.matrix import Matrix
from harness.config.matrix_schema import BaseKind
from harness.config.sandbox import Sandbox
from harness.engine.api import Engine
from harness.engine.commands import Echo
from harness.errors import BaseImageError, HarnessError, Interrupted
from harness.execute.cache import ResultCache
from harness.execute.dead_runs import owner_of_this_process, sweep_dead_runs
from harness.execute.executor import Executor, LocalExecutor
from harness.execute.feed import ImageFeed
from harness.execute.intake import Intake
from harness.execute.interrupts import stop_on_signals
from harness.execute.not_run import cells_not_run
from harness.execute.planning import RunPlan, start_run
from harness.execute.recorder import Recorder
from harness.execute.runner import Payload
from harness.execute.slots import Slots
from harness.execute.ui import Reporter
from harness.results import table
from harness.results.rundir import CellWriter, RunDir
from harness.results.runmeta import RunMeta

CA_BUNDLE_VARIABLES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


@dataclass(frozen=True, kw_only=True)
class Options:
    """How a run builds its images and runs its cells (the command line's choices)."""

    base: BaseKind
    template_dir: Path | None
    ca_bundle: Path | None
    jobs: int = 1
    rebuild: bool = False
    use_cache: bool = True
    # Port of the host-side caching pip index builds install through; None: straight from PyPI.
    mirror_port: int | None = wheelhouse.DEFAULT_PORT
    sandbox: Sandbox = field(default_factory=Sandbox)
    network_retry_delays: tuple[float, ...] = NETWORK_RETRY_DELAYS_S
    # pip freezes (an earlier run's environments/) that every build is constrained to.
    constraints: Path | None = None
    # Images, or environments mounted from host directories (build/mounted.py), or auto.
    environments: environment_store.EnvironmentMode = "auto"
    # Where mounted environments are kept; None: ~/.cache/keras-matrix/environments.
    environments_dir: Path | None = None


def default_ca_bundle() -> Path | None:
    """The CA bundle the host's pip trusts, if one is configured: builds must trust it too."""
    for name in CA_BUNDLE_VARIABLES:
        value = os.environ.get(name)
        if value and Path(value).is_file():
            return Path(value)
    return None


def image_keys(cells: Sequence[Cell]) -> list[tuple[str, str]]:
    """The (python, environment) images `cells` need, in first-use order."""
    return list(dict.fromkeys(cell.image_key for cell in cells))


# Drivers under which every file a cell reads costs more than from the page cache, with what that
# means for a matrix (measured in docs/performance.md).
SLOW_STORAGE_DRIVERS = {
    "fuse-overlayfs": "every file a cell reads is a round trip through a userspace daemon; "
    "TensorFlow imports from an image take about 3x as long as under overlay2, which mounted "
    "environments avoid (--environments, docs/performance.md)",
    "vfs": "every container starts from a full copy of its image; expect slow starts",
}


def base_resolver(
    engine: Engine, options: Options, *, reporter: Reporter, echo: Echo
) -> BaseResolver:
    """A base resolver for `options.base` that speaks through `reporter`."""
    return BaseResolver(
        engine, options.base, echo=echo, say=lambda words: reporter.note(" ".join(words))
    )


def build_all(
    engine: Engine,
    matrix: Matrix,
    cells: Sequence[Cell],
    options: Options,
    *,
    workdir: Path,
    reporter: Reporter,
    echo: Echo,
    failures: BuildFailures | None = None,
    resolver: BaseResolver | None = None,
    on_ready: Callable[[ImageRecord], None] = lambda record: None,
    stopping: Callable[[], bool] = lambda: False,
    slots: Slots | None = None,
) -> dict[tuple[str, str], ImageRecord]:
    """Every image the cells need; unbuildable ones come back as failed records.

    `on_ready` gets each record as soon as it is known (environments found ready first, then
    each as its build ends), from the thread that made it. Once `stopping` says so, no build
    starts (Interrupted). Each build holds one of `slots` (shared with cells) while it runs.
    Pass the `resolver` of an earlier call to ask the registry once across several matrices.
    """
    resolver = resolver or base_resolver(engine, options, reporter=reporter, echo=echo)
    ca_bundle = options.ca_bundle.read_bytes() if options.ca_bundle else None
    failed: dict[tuple[str, str], ImageRecord] = {}
    specs: list[ImageSpec] = []
    keys = image_keys(cells)
    # Bases first, one at a time: several environments share each one.
    for python, environment in keys:
        try:
            base = resolver.ensure(python)
        except BaseImageError as exc:
            failed[(python, environment)] = ImageRecord(
                python=python,
                environment=environment,
                tag="-",
                base_image="-",
                status="failed",
                error=str(exc),
            )
            reporter.note(f"py{python}/{environment}: no base image: {exc}")
            on_ready(failed[(python, environment)])
            continue
        spec = render(
            matrix,
            python,
            environment,
            base=base,
            template_dir=options.template_dir,
            ca_bundle=ca_bundle,
            constraints=freezes.step_constraints(options.constraints, matrix, python, environment),
        )
        unpinned = freezes.unpinned_note(options.constraints, spec)
        if unpinned is not None:
            reporter.note(unpinned)
        specs.append(spec)
    store = environment_store.store_for(
        engine,
        specs,
        options.environments,
        root=options.environments_dir,
        note=reporter.note,
    )

    def ready(spec: ImageSpec) -> bool:
        if store is not None:
            return mounted.present(engine, store, spec)
        return engine.image_id(spec.tag) is not None

    missing = [
        spec
        for spec in specs
        if options.rebuild or (not ready(spec) and (failures is None or failures.get(spec) is None))
    ]
    build_args: dict[str, str] = {}
    if missing and options.mirror_port is not None:
        build_args = wheelhouse.build_args(engine.gateway(), options.mirror_port, reporter.note)
    progress = reporter.builds(len(missing))
    instead = None
    if store is not None:
        instead = mounted.builder(
            mounted.MountedBuild(
                engine=engine,
                store=store,
                log_dir=workdir / "builds",
                context_dir=workdir / "contexts",
                on_line=reporter.build_line if options.jobs <= 1 else _no_line,
                build_args=build_args,
                retry_delays=options.network_retry_delays,
                say=reporter.note,
            ),
            rebuild=options.rebuild,
            failures=failures,
        )

    def each(spec: ImageSpec, record: ImageRecord) -> None:
        progress.advance(spec, record)
        on_ready(_with_provenance(spec, record))

    def build(
        chosen: Sequence[ImageSpec], known: dict[tuple[str, str], ImageRecord]
    ) -> dict[tuple[str, str], ImageRecord]:
        return build_images(
            engine,
            chosen,
            log_dir=workdir / "builds",
            context_dir=workdir / "contexts",
            # Parallel builds keep their logs in files only: interleaved lines are unreadable.
            on_line=reporter.build_line if options.jobs <= 1 else _no_line,
            on_record=each,
            rebuild=options.rebuild,
            jobs=options.jobs,
            build_args=build_args,
            retry_delays=options.network_retry_delays,
            say=reporter.note,
            failures=failures,
            instead=instead,
            known=known,
            stopping=stopping,
            slot=slots.build if slots else None,
        )

    try:
        # The environments found ready (or known to be refused) are handed on before any build
        # starts, so that their cells need not wait for a build in the same lane.
        known = build([spec for spec in specs if spec not in missing], {})
        built = build(specs, known)
    finally:
        progress.close()
    records = {
        (spec.python, spec.environment): _with_provenance(
            spec, built[(spec.python, spec.environment)]
        )
        for spec in specs
    } | failed
    return {key: records[key] for key in keys}


def _with_provenance(spec: ImageSpec, record: ImageRecord) -> ImageRecord:
    """The record with its base image's ID and its Dockerfile, for published tables."""
    return replace(record, base_image_id=spec.base.image_id, dockerfile=spec.dockerfile)


def _no_line(spec: ImageSpec, line: str) -> None:
    pass


def run_matrix(
    engine: Engine,
    matrix: Matrix,
    cells: Sequence[Cell],
    options: Options,
    *,
    results_root: Path,
    reporter: Reporter,
    echo: Echo,
    resolver: BaseResolver | None = None,
    executor: Executor | None = None,
) -> RunDir:
    """Start a new run of `cells` and execute it (`harness run`, `repro`, `bisect`)."""
    plan = start_run(
        matrix,
        cells,
        sandbox=options.sandbox,
        engine=engine.describe(),
        results_root=results_root,
        pinned_from=options.constraints,
    )
    return execute(
        engine,
        plan,
        options,
        reporter=reporter,
        echo=echo,
        resolver=resolver,
        executor=executor,
    )


def announce(engine: Engine, plan: RunPlan, meta: RunMeta, reporter: Reporter) -> None:
    """Say what is about to run, and warn of a storage driver that makes every cell slow."""
    cells, run = plan.cells, plan.run
    reporter.note(
        f"run {run.run_id}: {len(cells)} cells in {len(image_keys(cells))} images -> {run.path}"
    )
    driver = meta.engine_storage_driver or engine.describe().storage_driver
    if driver in SLOW_STORAGE_DRIVERS and cells:
        reporter.note(f"storage driver {driver}: {SLOW_STORAGE_DRIVERS[driver]}")


def execute(
    engine: Engine,
    plan: RunPlan,
    options: Options,
    *,
    reporter: Reporter,
    echo: Echo,
    resolver: BaseResolver | None = None,
    executor: Executor | None = None,
) -> RunDir:
    """Run the plan's cells into its run, and write its table: the one path to cells.

    Images are built (or reused), cells whose inputs are unchanged since an earlier run come
    from the result cache, and the rest go to `executor` (by default, this engine's
    containers, `options.jobs` at a time). With more than one job, the cells of an image start
    as soon as it is ready, while the others still build: `options.jobs` builds and cells at
    once in all. Ctrl-C or SIGTERM stops the builds and the cells in flight,
    keeps every finished cell, writes the partial table and raises Interrupted; a second
    signal exits at once.
    """
    run, matrix = plan.run, plan.matrix
    meta = run.read_meta()
    sweep_dead_runs(engine, reporter.note)
    announce(engine, plan, meta, reporter)
    # One budget of `jobs` slots for builds and cells together, builds first (harness/execute/
    # slots.py): two installs at once are much slower than an install beside cells.
    slots = Slots(options.jobs)
    executor = executor or LocalExecutor(engine, jobs=options.jobs, slot=slots.cell)
    payload = Payload.prepare(run.path / "payload", matrix)
    with stop_on_signals(reporter.note) as stop:
        progress = reporter.cells(len(plan.cells))
        cache = ResultCache.under(run.path.parent)
        recorder = Recorder(
            writer=CellWriter(run.cells_path), cache=cache, stop=stop, progress=progress
        )
        feed = ImageFeed(
            lambda on_ready, stopping: build_all(
                engine,
                matrix,
                plan.cells,
                options,
                workdir=run.path,
                reporter=reporter,
                echo=echo,
                failures=BuildFailures.under(run.path.parent, stopping=stopping),
                resolver=resolver,
                on_ready=on_ready,
                stopping=stopping,
                slots=slots,
            ),
            # One job: one thing at a time, the builds, then the cells.
            background=options.jobs > 1,
        )
        intake = Intake(
            engine=engine,
            run=run,
            matrix=matrix,
            cells=plan.cells,
            payload=payload,
            sandbox=options.sandbox,
            owner=owner_of_this_process(),
            cache=cache,
            use_cache=options.use_cache,
            recorder=recorder,
            progress=progress,
            reporter=reporter,
        )
        try:
            feed.start()
            for outcome in executor.run(intake.batches(feed.arrivals())):
                recorder.fresh(outcome)
        except (KeyboardInterrupt, HarnessError) as exc:
            feed.stop()
            stopped = executor.stop()
            if isinstance(exc, HarnessError):
                raise
            stop.request(stop.signal_name or "SIGINT")
            reporter.note(
                f"stopped and removed {stopped} running container{'s' if stopped != 1 else ''}"
            )
            raise Interrupted(
                f"interrupted by {stop.signal_name}: {recorder.count} cells recorded this time "
                f"in {run.path}; "
                f"continue with `harness run --resume {run.run_id}`"
            ) from None
        finally:
            feed.wait(reporter.note)
            executor.close()
            recorder.close()
            run.write_meta(meta.finish(len(list(run.outcomes()))))
            write_table(run)
            run.mark_latest()
    cells_not_run(intake.images.values(), plan.cells, run.run_id)
    return run


def write_table(run: RunDir) -> Path:
    """Rewrite the run's table.md from its cells.jsonl."""
    return table.write(run, "md")
