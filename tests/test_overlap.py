"""Cells of an environment start as soon as it is ready, while other environments still build;
with the fake engine, whose builds here wait for what the test says. No container runs."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from rich.console import Console

from harness.build.images import ImageRecord
from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.engine.api import BuildResult, LineSink, RunResult, RunSpec
from harness.engine.commands import silent
from harness.errors import EngineError, Interrupted
from harness.execute.executor import Batch, LocalExecutor
from harness.execute.pipeline import Options, run_matrix
from harness.execute.runner import CellJob
from harness.execute.ui import Reporter
from harness.results.rundir import RunDir

from .fakes import FakeEngine, driver_output
from .test_pipeline import ROOT

# Three environments on one base, each its own lane: `early` is built first (alone, as the
# base's first image), then `slow` and `late` side by side with -j 2.
MATRIX = f"""\
python: ["3.11"]
base: debian
scenario_dir: "{ROOT / "scenarios"}"
template_dir: "{ROOT / "dockerfiles"}"
environments:
  early: {{steps: [keras==3.12.0]}}
  slow: {{steps: [tensorflow-cpu==2.15.1]}}
  late: {{steps: [keras==3.11.0]}}
  tf-9.9: {{steps: [tensorflow-cpu==9.9]}}
backends:
  unset: {{}}
scenarios: [missing_tensorflow, invalid_backend]
"""
# `layered` extends `slow`: the two share a lane, `slow` first.
LAYERED = MATRIX.replace(
    "  late: {steps: [keras==3.11.0]}\n",
    "  layered: {steps: [tensorflow-cpu==2.15.1, keras==3.12.0]}\n",
).replace("  tf-9.9: {steps: [tensorflow-cpu==9.9]}\n", "")
# `slow` holds one of the two slots while it builds: the cells of `early` take the other.
ONLY_TWO = MATRIX.replace("  late: {steps: [keras==3.11.0]}\n", "").replace(
    "  tf-9.9: {steps: [tensorflow-cpu==9.9]}\n", ""
)
# A gate that holds waits this long at most: long enough for a loaded CI machine to deliver a
# signal and stop the run (10 s once was not), short enough that a broken gate fails the test.
WAIT_S = 30.0


def _ok(spec: RunSpec) -> RunResult:
    return RunResult(
        exit_code=0,
        stdout=driver_output(),
        stderr="",
        oom_killed=False,
        timed_out=False,
        duration_s=0.0,
    )


class GatedEngine(FakeEngine):
    """Builds and cells as the fake's, with `gates`: a build of a tag naming an environment
    waits (WAIT_S at most) until its callable says go, and every build and cell is logged."""

    def __init__(
        self,
        *,
        runner: Callable[[RunSpec], RunResult] = _ok,
        failing: frozenset[str] = frozenset({"tf-9.9"}),
    ) -> None:
        super().__init__(failing=failing, runner=runner)
        self.gates: dict[str, Callable[[], bool]] = {}
        self.events: list[str] = []
        self.gate_timed_out: list[str] = []
        self.lock = threading.Lock()
        # Builds and cells in flight together, and the most there were at once.
        self.in_flight = 0
        self.most_in_flight = 0
        self.builds_in_flight = 0
        self.most_builds_in_flight = 0

    def _enter(self, *, build: bool = False) -> None:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.builds_in_flight += build
            self.most_builds_in_flight = max(self.most_builds_in_flight, self.builds_in_flight)

    def _leave(self, *, build: bool = False) -> None:
        with self.lock:
            self.in_flight -= 1
            self.builds_in_flight -= build

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
        name = environment_of(context)
        gate = self.gates.get(name)
        self._enter(build=True)
        try:
            if gate is not None and not _wait_for(gate):
                self.gate_timed_out.append(name)
            time.sleep(0.02)
            result = super().build(context, ref, labels, on_line, build_args, cache_from=cache_from)
        finally:
            self._leave(build=True)
        with self.lock:
            self.events.append(f"built {name}")
        return result

    def run(self, spec: RunSpec) -> RunResult:
        self._enter()
        try:
            time.sleep(0.02)
            result = super().run(spec)
        finally:
            self._leave()
        with self.lock:
            self.events.append(f"ran {spec.cell_id}")
        return result


def environment_of(context: Path) -> str:
    """The environment a build context is for: contexts are named py<P>-<environment>."""
    return context.name.split("-", 1)[1]


def _wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def run(tmp_path: Path, engine: FakeEngine, *, jobs: int = 2, text: str = MATRIX) -> RunDir:
    path = tmp_path / "matrix.yaml"
    path.write_text(text, encoding="utf-8")
    matrix = load_matrix(path)
    engine.images.setdefault("keras-matrix-base:bookworm", "sha256:base")
    return run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        Options(base="debian", template_dir=matrix.template_dir, ca_bundle=None, jobs=jobs),
        results_root=tmp_path / "results",
        reporter=Reporter(Console(file=io.StringIO(), force_terminal=False)),
        echo=silent,
    )


def recorded(tmp_path: Path) -> list[dict[str, object]]:
    """The lines of the only run's cells.jsonl so far ([] before it exists)."""
    runs = [p for p in (tmp_path / "results").glob("*/cells.jsonl") if not p.parent.is_symlink()]
    if not runs:
        return []
    return [json.loads(line) for line in runs[0].read_text(encoding="utf-8").splitlines()]


def test_an_environment_s_cells_run_while_a_later_one_still_builds(tmp_path: Path) -> None:
    engine = GatedEngine()
    # `slow` is built only once a cell of `early` has run: with builds first, it never would.
    engine.gates["slow"] = lambda: any(e.startswith("ran py3.11/early/") for e in engine.events)
    run_dir = run(tmp_path, engine)
    assert engine.gate_timed_out == []
    first_early_cell = next(i for i, e in enumerate(engine.events) if e.startswith("ran "))
    assert first_early_cell < engine.events.index("built slow")
    # Builds and cells share one budget of -j: never more than two at once, and with two
    # slots one build at a time (the other slot is the cells').
    assert engine.most_in_flight == 2
    assert engine.most_builds_in_flight == 1
    outcomes = {o.cell_id: o.status for o in run_dir.outcomes()}
    assert len(outcomes) == 8
    assert [s for c, s in outcomes.items() if "/tf-9.9/" in c] == ["build_failed"] * 2
    assert {s for c, s in outcomes.items() if "/tf-9.9/" not in c} == {"ok"}
    # images.json names every image, in the order the cells first use them.
    images = json.loads((run_dir.path / "images.json").read_text(encoding="utf-8"))
    assert [i["environment"] for i in images] == ["early", "slow", "late", "tf-9.9"]
    assert all(i["dockerfile"] for i in images)


def test_a_refused_build_is_recorded_while_others_still_build(tmp_path: Path) -> None:
    engine = GatedEngine()
    engine.gates["slow"] = lambda: (
        sum(line["status"] == "build_failed" for line in recorded(tmp_path)) == 2
    )
    # Three slots: two builds at once (at most jobs - 1), `tf-9.9` beside `slow`.
    run_dir = run(tmp_path, engine, jobs=3)
    assert engine.gate_timed_out == []
    assert engine.most_builds_in_flight == 2
    assert len(list(run_dir.outcomes())) == 8


def test_with_one_job_every_build_comes_before_any_cell(tmp_path: Path) -> None:
    engine = GatedEngine()
    run(tmp_path, engine, jobs=1)
    kinds = [event.split()[0] for event in engine.events]
    assert kinds == ["built"] * 4 + ["ran"] * 6


def test_present_environments_are_handed_on_before_any_build(tmp_path: Path) -> None:
    text = LAYERED
    engine = GatedEngine()
    run(tmp_path, engine, text=text)
    (tmp_path / "results").rename(tmp_path / "first")  # no result cache: every cell runs
    engine.images = {tag: found for tag, found in engine.images.items() if "-slow-" not in tag}
    engine.events.clear()
    # Only `slow` is missing now; it is built once the cells of both others have run.
    engine.gates["slow"] = lambda: sum(e.startswith("ran ") for e in engine.events) == 4
    run_dir = run(tmp_path, engine, text=text)
    assert engine.gate_timed_out == []
    assert [e for e in engine.events if e.startswith("built")] == ["built slow"]
    assert len(list(run_dir.outcomes())) == 6


def _interrupt_main_thread() -> None:
    """What Ctrl-C does: SIGINT to this process, handled in the main thread."""
    os.kill(os.getpid(), signal.SIGINT)


def test_an_interrupt_during_the_builds_starts_no_more_builds(tmp_path: Path) -> None:
    engine = GatedEngine()

    def interrupt_once_early_ran() -> bool:
        if len(recorded(tmp_path)) < 2:
            return False
        time.sleep(0.2)  # both counted: the signal lands in the thread that records
        _interrupt_main_thread()
        return _wait_for(lambda: engine.stopped > 0)

    engine.gates["slow"] = interrupt_once_early_ran
    with pytest.raises(Interrupted) as raised:
        run(tmp_path, engine, text=LAYERED)
    assert "continue with `harness run --resume" in str(raised.value)
    run_dir = RunDir.open(tmp_path / "results", None)
    statuses = sorted(o.status for o in run_dir.outcomes())
    assert statuses == ["ok", "ok"]  # the early cells; nothing built after the signal ran
    assert not any(e.startswith("ran py3.11/slow/") for e in engine.events)
    assert "built layered" not in engine.events  # next in slow's lane: never started
    meta = run_dir.read_meta()
    assert (meta.cells_recorded, meta.complete) == (2, False)
    assert (run_dir.path / "table.md").is_file()
    images = json.loads((run_dir.path / "images.json").read_text(encoding="utf-8"))
    assert [i["environment"] for i in images] == ["early"]


def test_a_build_cut_short_by_the_stop_is_not_remembered_as_refused(tmp_path: Path) -> None:
    # `slow` fails here, but only after the stop: as an install the stop killed.
    engine = GatedEngine(failing=frozenset({"slow"}))

    def interrupt_then_fail() -> bool:
        _interrupt_main_thread()
        return _wait_for(lambda: engine.stopped > 0)

    engine.gates["slow"] = interrupt_then_fail
    engine.gates["late"] = lambda: engine.stopped > 0
    # Three slots, two builds at once: whichever of `slow` and `late` starts first, the other
    # can start beside it (with one build at a time, `late` first would wait for a stop that
    # only `slow` brings).
    with pytest.raises(Interrupted):
        run(tmp_path, engine, jobs=3)
    # Had a gate given up waiting for the stop, `slow` would have failed as pip refusing it.
    assert engine.gate_timed_out == []
    refused = tmp_path / "results" / ".cache" / "builds"
    assert not refused.exists() or list(refused.iterdir()) == []
    run_dir = RunDir.open(tmp_path / "results", None)
    assert not any(o.status == "build_failed" for o in run_dir.outcomes())


def test_an_interrupt_while_cells_and_builds_run_keeps_finished_cells(tmp_path: Path) -> None:
    released = threading.Event()

    def cell(spec: RunSpec) -> RunResult:
        if spec.cell_id == "py3.11/early/unset/invalid_backend":
            _wait_for(lambda: len(recorded(tmp_path)) == 1)  # the other cell is recorded
            time.sleep(0.2)  # and counted: the signal lands in the thread that records
            _interrupt_main_thread()
            released.wait(WAIT_S)  # a cell in flight, until the stop removes its container
        return _ok(spec)

    engine = GatedEngine(runner=cell)
    engine.gates["slow"] = lambda: engine.stopped > 0

    original_stop = engine.stop_running

    def stop_running() -> int:
        released.set()
        return original_stop()

    engine.stop_running = stop_running  # type: ignore[method-assign]
    with pytest.raises(Interrupted) as raised:
        run(tmp_path, engine, text=ONLY_TWO)
    run_dir = RunDir.open(tmp_path / "results", None)
    ids = [o.cell_id for o in run_dir.outcomes()]
    assert ids == ["py3.11/early/unset/missing_tensorflow"]
    assert "1 cells recorded this time" in str(raised.value)


def test_an_engine_error_in_a_build_ends_the_run_with_its_table(tmp_path: Path) -> None:
    engine = GatedEngine()

    def broken() -> bool:
        raise EngineError("docker build: the engine went away")

    engine.gates["slow"] = broken
    with pytest.raises(EngineError, match="the engine went away"):
        run(tmp_path, engine)
    run_dir = RunDir.open(tmp_path / "results", None)
    assert (run_dir.path / "table.md").is_file()
    assert run_dir.read_meta().complete is False


def _job(tmp_path: Path, cell_id: str) -> CellJob:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    matrix = load_matrix(path)
    cell = next(c for c in expand(matrix).cells if c.id == cell_id)
    image = ImageRecord(
        python="3.11", environment=cell.environment, tag="t", base_image="b", status="built"
    )
    spec = RunSpec(image="t", command=("true",), cell_id=cell_id)
    return CellJob(
        cell=cell,
        image=image,
        scenario=matrix.scenarios[cell.scenario],
        spec=spec,
        key=None,
        run_id="r",
    )


def test_the_local_executor_yields_outcomes_while_it_waits_for_the_next_batch(
    tmp_path: Path,
) -> None:
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def cell(spec: RunSpec) -> RunResult:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return _ok(spec)

    engine = FakeEngine(runner=cell)
    early = [
        _job(tmp_path, f"py3.11/early/unset/{scenario}")
        for scenario in ("missing_tensorflow", "invalid_backend")
    ]
    late = [_job(tmp_path, "py3.11/late/unset/missing_tensorflow")]
    got: list[str] = []
    second_batch_taken = threading.Event()

    def batches() -> Iterator[Batch]:
        yield Batch(image=early[0].image, jobs=tuple(early))
        # The next image is not ready until both outcomes of the first are out.
        _wait_for(lambda: len(got) == 2)
        second_batch_taken.set()
        yield Batch(image=late[0].image, jobs=tuple(late))

    executor = LocalExecutor(engine, jobs=2)
    for outcome in executor.run(batches()):
        got.append(outcome.cell_id)
        if len(got) <= 2:
            assert not second_batch_taken.is_set()
    assert sorted(got[:2]) == sorted(j.cell.id for j in early)
    assert got[2:] == ["py3.11/late/unset/missing_tensorflow"]
    assert most <= 2


def test_the_local_executor_raises_what_taking_a_batch_raised(tmp_path: Path) -> None:
    engine = FakeEngine()

    def batches() -> Iterator[Batch]:
        job = _job(tmp_path, "py3.11/early/unset/missing_tensorflow")
        yield Batch(image=job.image, jobs=(job,))
        raise EngineError("no more images")

    executor = LocalExecutor(engine, jobs=2)
    with pytest.raises(EngineError, match="no more images"):
        list(executor.run(batches()))
