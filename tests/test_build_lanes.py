"""Parallel builds, with no engine: the first image on each base is built before the lanes
start, so that lanes do not each make their own copy of the layers every image there shares."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.build.bases import debian_base
from harness.build.dockerfile import ImageSpec, render
from harness.build.images import build_images
from harness.config.matrix import load_matrix
from harness.engine.api import BuildResult, LineSink

from .fakes import FakeEngine

ROOT = Path(__file__).resolve().parent.parent

MATRIX = f"""\
python: ["3.9", "3.11"]
base: debian
scenario_dir: "{ROOT / "scenarios"}"
template_dir: "{ROOT / "dockerfiles"}"
environments:
  a: {{steps: [six==1.16.0]}}
  a_then_b: {{steps: [six==1.16.0, attrs==23.1.0]}}
  c: {{steps: [attrs==23.1.0]}}
  d: {{steps: [idna==3.4]}}
backends:
  unset: {{}}
scenarios: [missing_tensorflow]
"""


class TimedEngine(FakeEngine):
    """Records when each build starts and ends; builds take a little while, so lanes overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

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
        start = time.monotonic()
        time.sleep(0.05)
        with self._lock:
            result = super().build(context, ref, labels, on_line, build_args, cache_from=cache_from)
            self.spans[ref] = (start, time.monotonic())
        return result


def specs(tmp_path: Path) -> list[ImageSpec]:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    matrix = load_matrix(path)
    return [
        render(
            matrix,
            python,
            environment,
            base=debian_base(python),
            template_dir=matrix.template_dir,
            ca_bundle=None,
        )
        for python in ("3.9", "3.11")
        for environment in ("a_then_b", "c", "a", "d")
    ]


def test_the_first_image_of_each_base_is_built_before_the_other_lanes_start(
    tmp_path: Path,
) -> None:
    engine = TimedEngine()
    wanted = specs(tmp_path)
    records = build_images(
        engine,
        wanted,
        log_dir=tmp_path / "logs",
        context_dir=tmp_path / "contexts",
        on_line=lambda spec, line: None,
        jobs=2,
    )

    assert set(records) == {(s.python, s.environment) for s in wanted}
    assert sorted(engine.builds) == sorted(s.tag for s in wanted)
    for python in ("3.9", "3.11"):
        on_base = [engine.spans[s.tag] for s in wanted if s.python == python]
        first_end = min(end for _, end in on_base)
        primer = next(span for span in on_base if span[1] == first_end)
        # Nothing else on this base started before the primer had finished.
        assert all(start >= first_end for start, _ in on_base if (start, _) != primer)
    # The two bases share nothing, so their primers overlap.
    primers = [
        min((engine.spans[s.tag] for s in wanted if s.python == p), key=lambda span: span[1])
        for p in ("3.9", "3.11")
    ]
    assert primers[0][0] < primers[1][1] and primers[1][0] < primers[0][1]


def test_an_image_that_extends_another_names_it_as_its_cache_source(tmp_path: Path) -> None:
    engine = TimedEngine()
    wanted = specs(tmp_path)
    for jobs in (1, 2):
        engine.images.clear()
        build_images(
            engine,
            wanted,
            log_dir=tmp_path / "logs",
            context_dir=tmp_path / "contexts",
            on_line=lambda spec, line: None,
            jobs=jobs,
        )
        tag = {(s.python, s.environment): s.tag for s in wanted}
        for python in ("3.9", "3.11"):
            # a_then_b is a's steps and one more: though it comes first in `specs`, a is built
            # before it (one lane at a time with jobs=1, lanes side by side with 2).
            expected = (tag[(python, "a")],)
            assert engine.cache_sources[tag[(python, "a_then_b")]] == expected
            for other in ("a", "c", "d"):
                assert engine.cache_sources[tag[(python, other)]] == ()
