"""The run's logic around the engine, with a fake engine: records, build failures, reuse, tables."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from harness.build.images import pip_reason
from harness.config.cells import expand
from harness.config.matrix import Matrix, load_matrix
from harness.engine.api import RunResult, RunSpec
from harness.engine.commands import silent
from harness.execute.pipeline import Options, run_matrix
from harness.execute.ui import Reporter
from harness.results.rundir import RunDir
from tests.fakes import FakeEngine, driver_output

ROOT = Path(__file__).resolve().parent.parent

MATRIX = f"""\
python: ["3.11"]
base: debian
scenario_dir: "{ROOT / "scenarios"}"
template_dir: "{ROOT / "dockerfiles"}"
environments:
  keras3-only: {{steps: [keras==3.12.0]}}
  tf-9.9: {{steps: [tensorflow-cpu==9.9]}}
backends:
  unset: {{}}
  stale: {{keras_json: {{backend: theano}}}}
scenarios: [missing_tensorflow, invalid_backend]
"""


def load(tmp_path: Path) -> Matrix:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    return load_matrix(path)


def run(
    tmp_path: Path, engine: FakeEngine, *, rebuild: bool = False, console: io.StringIO | None = None
) -> RunDir:
    matrix = load(tmp_path)
    options = Options(
        base="debian", template_dir=matrix.template_dir, ca_bundle=None, rebuild=rebuild
    )
    engine.images.setdefault("keras-matrix-base:bookworm", "sha256:base")
    reporter = Reporter(Console(file=console or io.StringIO(), force_terminal=False))
    return run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        options,
        results_root=tmp_path / "results",
        reporter=reporter,
        echo=silent,
    )


ERROR = {
    "type": "ModuleNotFoundError",
    "message": "No module named 'tensorflow'",
    "phase": "import",
    "raised_at": {
        "file": "/opt/venv/lib/python3.11/site-packages/keras/x.py",
        "line": 3,
        "function": "<module>",
    },
    "scenario_line": {"file": "/keras-matrix/scenarios/s.py", "line": 12, "function": "<module>"},
    "traceback": "Traceback ...",
}


def test_every_cell_is_recorded_and_failed_builds_run_nothing(tmp_path: Path) -> None:
    engine = FakeEngine(
        failing=frozenset({"tf-9.9"}),
        runner=lambda spec: RunResult(
            exit_code=0,
            stdout=driver_output("error", ERROR),
            stderr="",
            oom_killed=False,
            timed_out=False,
            duration_s=0.2,
        ),
    )
    run_dir = run(tmp_path, engine)
    outcomes = list(run_dir.outcomes())
    assert len(outcomes) == 8
    assert len(engine.runs) == 4  # only keras3-only cells start containers
    failed = [o for o in outcomes if o.environment == "tf-9.9"]
    assert {o.status for o in failed} == {"build_failed"}
    assert failed[0].build_error is not None
    assert "No matching distribution found for tensorflow-cpu==9.9" in failed[0].build_error
    ran = [o for o in outcomes if o.environment == "keras3-only"]
    assert {o.status for o in ran} == {"error"}
    assert ran[0].error is not None and ran[0].error.phase == "import"
    assert ran[0].signature == "ModuleNotFoundError: No module named 'tensorflow'"
    assert ran[0].claim_reproduced is False
    assert (tmp_path / "results" / "latest").resolve() == run_dir.path
    table = (run_dir.path / "table.md").read_text(encoding="utf-8")
    assert "ModuleNotFoundError E" in table and "build failed E" in table


def test_backend_settings_reach_the_container(tmp_path: Path) -> None:
    engine = FakeEngine()
    run_dir = run(tmp_path, engine)
    stale: list[RunSpec] = [s for s in engine.runs if "/stale/" in (s.cell_id or "")]
    assert stale and all("--keras-json" in s.command for s in stale)
    payload = run_dir.path / "payload"
    assert json.loads((payload / "backends" / "stale.json").read_text(encoding="utf-8")) == {
        "backend": "theano"
    }
    assert (payload / "driver.py").is_file()
    assert (payload / "scenarios" / "missing_tensorflow.py").is_file()


def test_unchanged_images_are_not_rebuilt(tmp_path: Path) -> None:
    engine = FakeEngine()
    run(tmp_path, engine)
    first = list(engine.builds)
    run(tmp_path, engine)
    assert engine.builds == first


def test_timeouts_oom_and_silent_drivers(tmp_path: Path) -> None:
    results = iter(
        [
            RunResult(
                exit_code=None,
                stdout="",
                stderr="",
                oom_killed=False,
                timed_out=True,
                duration_s=9.0,
            ),
            RunResult(
                exit_code=137,
                stdout="",
                stderr="",
                oom_killed=True,
                timed_out=False,
                duration_s=1.0,
            ),
            RunResult(
                exit_code=139,
                stdout="garbage",
                stderr="Segmentation fault",
                oom_killed=False,
                timed_out=False,
                duration_s=1.0,
            ),
            RunResult(
                exit_code=0,
                stdout=driver_output(),
                stderr="",
                oom_killed=False,
                timed_out=False,
                duration_s=1.0,
            ),
        ]
    )
    run_dir = run(
        tmp_path, FakeEngine(failing=frozenset({"tf-9.9"}), runner=lambda spec: next(results))
    )
    statuses = [(o.status, o.reason) for o in run_dir.outcomes() if o.environment == "keras3-only"]
    assert statuses[0][0] == "timeout"
    assert statuses[1] == (
        "crashed",
        "out of memory: the container was OOM-killed (memory limit 4g)",
    )
    assert statuses[2] == ("crashed", "the driver reported nothing (container exit code 139)")
    assert statuses[3] == ("ok", None)


def test_pip_reason_keeps_only_why_the_install_failed() -> None:
    log = (
        "Step 5/9 : RUN pip install tf-keras==2.0.0\n"
        "ERROR: Ignored the following yanked versions: 2.20.0\n"
        "ERROR: Could not find a version that satisfies the requirement tf-keras==2.0.0\n"
        "ERROR: No matching distribution found for tf-keras==2.0.0\n"
    )
    assert pip_reason(log, "returned a non-zero code: 1") == (
        "ERROR: Could not find a version that satisfies the requirement tf-keras==2.0.0\n"
        "ERROR: No matching distribution found for tf-keras==2.0.0"
    )
    assert (
        pip_reason("no pip words", "returned a non-zero code: 1") == "returned a non-zero code: 1"
    )


def test_a_refused_install_is_not_tried_again_until_rebuild(tmp_path: Path) -> None:
    engine = FakeEngine(failing=frozenset({"tf-9.9"}))
    run(tmp_path, engine)
    first = list(engine.builds)
    second = run(tmp_path, engine)
    assert engine.builds == first  # neither the good image nor the refused one is built again
    failed = [o for o in second.outcomes() if o.environment == "tf-9.9"]
    assert {o.status for o in failed} == {"build_failed"}
    assert "No matching distribution found for tensorflow-cpu==9.9" in (failed[0].build_error or "")
    run(tmp_path, engine, rebuild=True)
    assert len(engine.builds) == 2 * len(first)


def test_a_slow_storage_driver_is_named_once_and_recorded(tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.driver = "fuse-overlayfs"
    console = io.StringIO()
    done = run(tmp_path, engine, console=console)
    assert console.getvalue().count("storage driver fuse-overlayfs: every file a cell reads") == 1
    assert done.read_json("run.json")["engine_storage_driver"] == "fuse-overlayfs"
    quiet = io.StringIO()
    run(tmp_path, FakeEngine(), console=quiet)
    assert "storage driver" not in quiet.getvalue()
