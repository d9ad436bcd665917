"""Incremental runs against a real engine: unchanged cells are not run, changed ones are.

Each test counts the containers and builds the real engine performs through a counting wrapper.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import docker
import pytest
from rich.console import Console

from harness.build import wheelhouse
from harness.build.bases import debian_base
from harness.build.dockerfile import render
from harness.config.cells import expand
from harness.config.matrix import Matrix, load_matrix
from harness.engine.api import BuildResult, ContainerInfo, EngineInfo, LineSink, RunResult, RunSpec
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.execute.pipeline import Options, default_ca_bundle, run_matrix
from harness.execute.ui import Reporter
from harness.results.outcome import Outcome
from harness.results.rundir import RunDir

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("missing_tensorflow", "invalid_backend")
KERAS = "keras==3.12.0"
# A second step after Keras's: its image must reuse every layer of keras3-only up to that step.
EXTRA_ENVIRONMENT = f"  keras3-then-six: {{steps: [{KERAS}, six==1.16.0]}}\n"


class CountingEngine:
    """The real engine, recording which cells it ran and which images it built."""

    def __init__(self, engine: DockerEngine) -> None:
        self._engine = engine
        self.cells: list[str] = []
        self.builds: list[str] = []

    def describe(self) -> EngineInfo:
        return self._engine.describe()

    def image_id(self, ref: str) -> str | None:
        return self._engine.image_id(ref)

    def repo_digest(self, ref: str) -> str | None:
        return self._engine.repo_digest(ref)

    def read_file(self, image: str, path: str) -> str | None:
        return self._engine.read_file(image, path)

    def pull(self, ref: str) -> None:
        self._engine.pull(ref)

    def import_image(self, tarball: Path, ref: str, *, python: str) -> str:
        return self._engine.import_image(tarball, ref, python=python)

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
        self.builds.append(ref)
        return self._engine.build(context, ref, labels, on_line, build_args, cache_from=cache_from)

    def run(self, spec: RunSpec) -> RunResult:
        assert spec.cell_id is not None
        self.cells.append(spec.cell_id)
        return self._engine.run(spec)

    def gateway(self) -> str | None:
        return self._engine.gateway()

    def stop_running(self) -> int:
        return self._engine.stop_running()

    def release(self) -> None:
        self._engine.release()

    def binds_host_paths(self, image: str) -> bool:
        return self._engine.binds_host_paths(image)

    def remove_cells(self, where: Callable[[ContainerInfo], bool]) -> int:
        return self._engine.remove_cells(where)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").mkdir()
    for name in SCENARIOS:
        shutil.copy(ROOT / "scenarios" / f"{name}.py", tmp_path / "scenarios" / f"{name}.py")
    (tmp_path / "matrix.yaml").write_text(
        'python: ["3.11"]\n'
        "base: debian\n"
        "timeout: 120\n"
        "scenario_dir: scenarios\n"
        f'template_dir: "{ROOT / "dockerfiles"}"\n'
        "environments:\n"
        f"  keras3-only: {{steps: [{KERAS}]}}\n"
        "backends:\n"
        "  unset: {}\n"
        "  invalid: {env: {KERAS_BACKEND: invalid_backend}}\n"
        f"scenarios: [{', '.join(SCENARIOS)}]\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def created_images() -> Iterator[list[str]]:
    """Tags a test builds for itself, removed afterwards (and nothing else)."""
    tags: list[str] = []
    yield tags
    client = docker.from_env()
    for tag in tags:
        # Still used by a concurrent run's container, or already gone: leave it.
        with contextlib.suppress(docker.errors.DockerException):
            client.images.remove(tag)


def run(project: Path, engine: CountingEngine, *, use_cache: bool = True) -> RunDir:
    matrix = load_matrix(project / "matrix.yaml")
    options = Options(
        base="debian",
        template_dir=matrix.template_dir,
        ca_bundle=_ca(),
        jobs=2,
        use_cache=use_cache,
        # Layers shared between images are what this module checks; mounted environments
        # (the default on some storage drivers) are checked in tests/test_integration.py.
        environments="images",
    )
    return run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        options,
        results_root=project / "results",
        reporter=Reporter(Console(file=io.StringIO()), verbose=False),
        echo=silent,
    )


def _ca() -> Path | None:
    return default_ca_bundle()


def comparable(outcomes: list[Outcome]) -> dict[str, Outcome]:
    """Outcomes without what names their run, keyed by cell."""
    return {
        o.cell_id: dataclasses.replace(o, run_id="", cached_from=None, duration_s=None)
        for o in outcomes
    }


def matrix_of(project: Path) -> Matrix:
    return load_matrix(project / "matrix.yaml")


@pytest.mark.docker
def test_an_unchanged_matrix_starts_no_container(engine: DockerEngine, project: Path) -> None:
    first_engine = CountingEngine(engine)
    first = run(project, first_engine)
    first_outcomes = list(first.outcomes())
    assert {o.status for o in first_outcomes} == {"error"}, [o.reason for o in first_outcomes]
    assert len(first_engine.cells) == 4

    again = CountingEngine(engine)
    second = run(project, again)
    second_outcomes = list(second.outcomes())
    assert again.cells == []
    assert again.builds == []
    assert {o.cached_from for o in second_outcomes} == {first.run_id}
    assert comparable(second_outcomes) == comparable(first_outcomes)
    table = (second.path / "table.md").read_text(encoding="utf-8")
    assert f"4 cells unchanged since earlier runs, taken from them: `{first.run_id}` (4)" in table

    forced = CountingEngine(engine)
    run(project, forced, use_cache=False)
    assert sorted(forced.cells) == sorted(o.cell_id for o in first_outcomes)


@pytest.mark.docker
def test_editing_one_scenario_runs_only_its_cells(engine: DockerEngine, project: Path) -> None:
    run(project, CountingEngine(engine))
    edited = project / "scenarios" / "invalid_backend.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")

    after = CountingEngine(engine)
    second = run(project, after)
    assert sorted(after.cells) == [
        "py3.11/keras3-only/invalid/invalid_backend",
        "py3.11/keras3-only/unset/invalid_backend",
    ]
    origins = {o.cell_id: o.cached_from for o in second.outcomes()}
    assert origins["py3.11/keras3-only/unset/invalid_backend"] is None
    assert origins["py3.11/keras3-only/unset/missing_tensorflow"] is not None


@pytest.mark.docker
def test_adding_one_environment_builds_and_runs_only_it(
    engine: DockerEngine, project: Path, created_images: list[str]
) -> None:
    run(project, CountingEngine(engine))
    # Another process (or a `--no-cache` build) makes a second copy of the layers every image on
    # this base shares, newer than keras3-only's. The builder's own choice would be that copy.
    _duplicate_the_shared_prefix(engine, project, created_images)
    matrix_file = project / "matrix.yaml"
    text = matrix_file.read_text(encoding="utf-8").replace(
        "backends:\n", EXTRA_ENVIRONMENT + "backends:\n"
    )
    matrix_file.write_text(text, encoding="utf-8")

    after = CountingEngine(engine)
    second = run(project, after)
    images = {record["environment"]: record for record in second.read_json("images.json")}
    created_images.append(images["keras3-then-six"]["tag"])
    assert after.builds == [images["keras3-then-six"]["tag"]]
    assert images["keras3-then-six"]["status"] == "built"
    assert images["keras3-only"]["status"] == "reused"
    assert sorted(after.cells) == sorted(
        c.id for c in expand(matrix_of(project)).cells if c.environment == "keras3-then-six"
    )
    # Environments that share install steps share those layers: the new image holds every
    # layer of keras3-only (its `pip install keras` included) and one more, instead of
    # installing Keras again. Layers, not image IDs: a layer the builder takes from a cache
    # source is the same layer under a new intermediate image.
    client = docker.from_env()

    def layers(tag: str) -> list[str]:
        return list(client.images.get(tag).attrs["RootFS"]["Layers"])

    extended, base = layers(images["keras3-then-six"]["tag"]), layers(images["keras3-only"]["tag"])
    assert extended[: len(base)] == base
    assert len(extended) == len(base) + 1


def _duplicate_the_shared_prefix(
    engine: DockerEngine, project: Path, created_images: list[str]
) -> None:
    matrix = matrix_of(project)
    spec = render(
        matrix,
        "3.11",
        "keras3-only",
        base=debian_base("3.11"),
        template_dir=matrix.template_dir,
        ca_bundle=ca.read_bytes() if (ca := _ca()) else None,
    )
    context = spec.write_context(project / "duplicate")
    dockerfile = context / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    dockerfile.write_text(text[: text.index("\nRUN timeout")] + "\n", encoding="utf-8")
    tag = "keras-matrix-test-duplicate:prefix"
    created_images.append(tag)
    args = wheelhouse.build_args(engine.gateway(), wheelhouse.DEFAULT_PORT, lambda text: None)
    docker.from_env().images.build(
        path=str(context), tag=tag, nocache=True, rm=True, forcerm=True, buildargs=args
    )
