"""A build this host failed (its disk full) is neither a result nor a refused install, and a
disk that fills while results are written ends the run with one line, not a traceback."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from harness.build.images import BuildFailures, host_failure
from harness.cli import app
from harness.errors import HostResourceError
from harness.results.rundir import RunDir

from .fakes import REFUSED_LOG, FakeEngine
from .test_build_retries import build, spec
from .test_pipeline import run

DISK_FULL = (
    "Collecting tensorflow-cpu==2.12.1\n"
    "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n"
)
CUT_SHORT = (
    "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have "
    "updated the package versions, please update the hashes.\n"
)


def full_disk(log: str) -> FakeEngine:
    """An engine on a host whose disk is full: `tf-9.9`'s build fails printing `log`."""
    return FakeEngine(failing=frozenset({"tf-9.9"}), failing_log=log)


def test_what_a_full_disk_prints_is_told_from_a_refused_install() -> None:
    assert host_failure(DISK_FULL)
    assert host_failure(CUT_SHORT)
    assert not host_failure(REFUSED_LOG)


@pytest.mark.parametrize("log", [DISK_FULL, CUT_SHORT])
def test_a_build_the_host_failed_is_not_remembered_as_refused(tmp_path: Path, log: str) -> None:
    image = spec(tmp_path, "tf-9.9")
    slept: list[float] = []
    record, _ = build(tmp_path, full_disk(log), image, slept)
    assert record.status == "host_failed"
    assert not record.usable
    assert (record.error or "").startswith("this host could not hold the install")
    assert slept == []  # not retried: it will not pass until space is freed
    assert BuildFailures.under(tmp_path).get(image) is None


def test_a_run_whose_build_the_host_failed_records_no_cell_of_it_and_says_how_to_go_on(
    tmp_path: Path,
) -> None:
    engine = full_disk(DISK_FULL)
    with pytest.raises(HostResourceError) as raised:
        run(tmp_path, engine)
    message = str(raised.value)
    assert message.startswith("4 cells not run: py3.11/tf-9.9: this host could not hold")
    assert "free space, then continue with `harness run --resume " in message
    assert raised.value.return_code == 9
    outcomes = list(RunDir.open(tmp_path / "results", None).outcomes())
    # The other environment's cells are results; none of the full disk's cells is.
    assert {o.cell_id.split("/")[1] for o in outcomes} == {"keras3-only"}
    assert all(o.status != "build_failed" for o in outcomes)


def test_a_disk_that_fills_while_results_are_written_is_one_line_and_exit_9(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(**kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "results/R/run.json.tmp")

    monkeypatch.setattr(app.cli, "main", full)
    with pytest.raises(SystemExit) as exited:
        app.main(["run", "matrix.yaml"])
    assert exited.value.code == 9
    err = capsys.readouterr().err
    assert err == (
        "error: No space left on device (results/R/run.json.tmp): free space, then continue a "
        "run with `harness run --resume RUN`\n"
    )


def test_another_os_error_is_still_a_harness_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def denied(**kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(app.cli, "main", denied)
    with pytest.raises(SystemExit) as exited:
        app.main(["run", "matrix.yaml"])
    assert exited.value.code == 70
    assert "an unexpected harness error" in capsys.readouterr().err
