"""A build whose package index cannot be reached, against the real engine: retried, never
recorded as `build_failed`, and its cells left for `--resume` with exit code 7."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from harness.build.images import BuildFailures
from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.errors import NetworkError
from harness.execute.pipeline import Options, default_ca_bundle, run_matrix
from harness.execute.ui import Reporter
from harness.results.rundir import RunDir

from .conftest import DATA

pytestmark = pytest.mark.docker


def test_an_unreachable_index_is_retried_and_left_for_resume(tmp_path: Path) -> None:
    engine = DockerEngine.connect(silent)
    matrix = load_matrix(DATA / "offline" / "matrix.yaml")
    options = Options(
        base="debian",
        template_dir=matrix.template_dir,
        ca_bundle=default_ca_bundle(),
        network_retry_delays=(0.0,),
    )
    console = io.StringIO()
    with pytest.raises(NetworkError) as raised:
        run_matrix(
            engine,
            matrix,
            expand(matrix).cells,
            options,
            results_root=tmp_path,
            reporter=Reporter(Console(file=console, force_terminal=False, width=200)),
            echo=silent,
        )
    assert raised.value.return_code == 7
    assert "1 cells not run: the package index was unreachable while building py3.11/offline" in (
        str(raised.value)
    )
    assert "network failure while installing (attempt 1); retrying in 0s" in console.getvalue()
    run = RunDir.open(tmp_path, None)
    # The installable environment's cell ran; the unreachable one's is neither a result nor
    # remembered as a refused install.
    assert [o.cell_id for o in run.outcomes()] == ["py3.11/tiny/plain/missing_tensorflow"]
    assert not list(BuildFailures.under(tmp_path).root.glob("*.json"))
    log = (run.path / "builds" / "py3.11-offline.log").read_text(encoding="utf-8")
    assert "Connection refused" in log or "NewConnectionError" in log
