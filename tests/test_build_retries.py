"""Builds whose package index is unreachable, with no engine: retried with backoff, given up
as `unreachable` (never `failed`), and a refused install remembered. Sleeps are recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.build.bases import debian_base
from harness.build.dockerfile import ImageSpec, render
from harness.build.images import BuildFailures, ImageRecord, build_one
from harness.config.matrix import load_matrix
from harness.engine.api import BuildResult, LineSink

from .fakes import FakeEngine
from .test_pipeline import MATRIX

UNREACHABLE = (
    "WARNING: Retrying (Retry(total=4)) after connection broken by "
    "'NewConnectionError: Failed to establish a new connection: [Errno 111] Connection refused'\n"
    "ERROR: Could not find a version that satisfies the requirement keras==3.12.0"
)


class FlakyIndex(FakeEngine):
    """Builds fail as if the package index were unreachable, `outages` times, then succeed."""

    def __init__(self, outages: int) -> None:
        super().__init__()
        self.outages = outages

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
        if self.outages > 0:
            self.outages -= 1
            self.builds.append(ref)
            return BuildResult(ok=False, image_id=None, log=UNREACHABLE, error="exit code: 1")
        return super().build(context, ref, labels, on_line, build_args, cache_from=cache_from)


def spec(tmp_path: Path, environment: str = "keras3-only") -> ImageSpec:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    matrix = load_matrix(path)
    base = debian_base("3.11")
    return render(
        matrix, "3.11", environment, base=base, template_dir=matrix.template_dir, ca_bundle=None
    )


def build(
    tmp_path: Path, engine: FakeEngine, image: ImageSpec, slept: list[float]
) -> tuple[ImageRecord, list[str]]:
    said: list[str] = []
    record = build_one(
        engine,
        image,
        log_dir=tmp_path / "logs",
        context_dir=tmp_path / "contexts",
        on_line=lambda spec, line: None,
        retry_delays=(10.0, 30.0, 90.0),
        say=said.append,
        sleep=slept.append,
        failures=BuildFailures.under(tmp_path),
    )
    return record, said


def test_a_network_failure_is_retried_with_backoff_until_the_build_works(tmp_path: Path) -> None:
    engine, slept = FlakyIndex(outages=2), list[float]()
    image = spec(tmp_path)
    record, said = build(tmp_path, engine, image, slept)
    assert slept == [10.0, 30.0]
    assert said == [
        "    network failure while installing (attempt 1); retrying in 10s",
        "    network failure while installing (attempt 2); retrying in 30s",
    ]
    assert engine.builds == [image.tag] * 3
    assert record.status == "built"


def test_an_index_unreachable_on_every_attempt_is_not_a_failed_build(tmp_path: Path) -> None:
    engine, slept = FlakyIndex(outages=9), list[float]()
    image = spec(tmp_path)
    record, _ = build(tmp_path, engine, image, slept)
    assert slept == [10.0, 30.0, 90.0]
    assert len(engine.builds) == 4
    assert record.status == "unreachable"
    assert (record.error or "").startswith(
        "the package index was unreachable in 4 attempts: ERROR: Could not find a version"
    )
    # Not remembered as a refused install: the next run tries again.
    assert BuildFailures.under(tmp_path).get(image) is None


def test_a_refused_install_is_not_retried_and_is_remembered(tmp_path: Path) -> None:
    engine, slept = FakeEngine(failing=frozenset({"tf-9.9"})), list[float]()
    image = spec(tmp_path, "tf-9.9")
    record, _ = build(tmp_path, engine, image, slept)
    assert slept == [] and engine.builds == [image.tag]
    assert record.status == "failed"
    remembered = BuildFailures.under(tmp_path).get(image)
    assert remembered is not None and remembered.status == "failed"
