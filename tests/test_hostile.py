"""Hostile scenarios in real containers: each is contained and reported with the right status."""

from __future__ import annotations

import subprocess

import pytest

from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.config.matrix_schema import BaseKind
from harness.engine.commands import silent
from harness.engine.docker_engine import DockerEngine
from harness.execute.pipeline import Options, default_ca_bundle, run_matrix
from harness.execute.ui import Reporter
from harness.results.outcome import Outcome

from .conftest import DATA

pytestmark = pytest.mark.docker
HOSTILE = DATA / "hostile" / "matrix.yaml"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    engine = DockerEngine.connect(silent)
    matrix = load_matrix(HOSTILE)
    base: BaseKind = "debian"
    options = Options(
        base=base,
        template_dir=matrix.template_dir,
        ca_bundle=default_ca_bundle(),
        sandbox=matrix.sandbox,
    )
    results = tmp_path_factory.mktemp("hostile")
    run = run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        options,
        results_root=results,
        reporter=Reporter(verbose=False),
        echo=silent,
    )
    leftovers = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=io.keras-matrix.run={run.run_id}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert leftovers == [], "containers outlived their cells"
    return {outcome.scenario: outcome for outcome in run.outcomes()}


def _error(outcome: Outcome) -> str:
    assert outcome.error is not None, (outcome.status, outcome.reason, outcome.stderr_tail[-500:])
    return f"{outcome.error.type}: {outcome.error.message}"


def test_fork_bomb_hits_the_pids_limit(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["fork_bomb"]
    assert outcome.status == "error"
    assert _error(outcome).startswith(
        "BlockingIOError: [Errno 11] Resource temporarily unavailable"
    )


def test_memory_hog_is_oom_killed(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["memory_hog"]
    assert (outcome.status, outcome.reason) == (
        "crashed",
        "out of memory: the container was OOM-killed (memory limit 256m)",
    )


def test_filling_the_tmpfs_stops_at_its_size(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["fill_tmpfs"]
    assert outcome.status == "error"
    assert _error(outcome) == "OSError: [Errno 28] No space left on device"


def test_runaway_output_is_cut_and_killed_at_the_time_limit(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["runaway_output"]
    assert (outcome.status, outcome.reason) == ("timeout", "killed after 8s")
    assert outcome.output_truncated
    head, cut, tail = outcome.stdout_tail.partition(" bytes cut ...]")
    assert head.startswith("runaway line 0\nrunaway line 1\n")
    assert cut and tail.rstrip().splitlines()[-1].startswith("runaway line")
    assert len(outcome.stdout_tail) < 4096 + 100


def test_no_network(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["open_network"]
    assert outcome.status == "error"
    assert _error(outcome) == "OSError: [Errno 101] Network is unreachable"


def test_root_filesystem_is_read_only(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["write_root_fs"]
    assert _error(outcome) == "OSError: [Errno 30] Read-only file system: '/var/tmp/planted'"


def test_the_environment_is_read_only(outcomes: dict[str, Outcome]) -> None:
    # On this engine's driver the environment may be a mounted host directory (build/mounted.py):
    # it is mounted read-only, as the image's own files are under --read-only.
    outcome = outcomes["write_environment"]
    assert _error(outcome) == (
        "OSError: [Errno 30] Read-only file system: '/opt/keras-matrix/pip-freeze.txt'"
    )
    if "/opt/keras-matrix:ro" in (outcome.command or ""):
        assert ":/opt/venv:ro" in (outcome.command or "")


def test_host_files_and_docker_socket_are_out_of_reach(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["read_host_files"]
    assert _error(outcome) == "PermissionError: [Errno 13] Permission denied: '/etc/shadow'"


def test_hang_is_a_timeout(outcomes: dict[str, Outcome]) -> None:
    assert (outcomes["hang"].status, outcomes["hang"].reason) == ("timeout", "killed after 8s")


def test_segfault_is_a_crash(outcomes: dict[str, Outcome]) -> None:
    assert (outcomes["segfault"].status, outcomes["segfault"].reason) == (
        "crashed",
        "killed by SIGSEGV",
    )


def test_payload_path_is_mounted_read_only(outcomes: dict[str, Outcome]) -> None:
    # Every hostile cell ran with the same command; the sandbox flags are on it to re-run by hand.
    command = outcomes["hang"].command or ""
    for flag in (
        "--network none",
        "--cap-drop ALL",
        "--read-only",
        "--pids-limit 32",
        "--user 1000:1000",
        "--security-opt no-new-privileges",
        ":/keras-matrix:ro",
    ):
        assert flag in command
    assert "--privileged" not in command and "docker.sock" not in command


# --- the record: only the driver's, whatever the scenario does -------------------------------


def test_a_record_printed_or_written_to_the_drivers_stdout_is_not_taken(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["forge_record"]
    assert outcome.status == "error"
    assert _error(outcome) == (
        "RuntimeError: the scenario failed after forging (driver stdout: PermissionError)"
    )
    assert outcome.claim_reproduced is True


def test_a_detached_grandchild_cannot_write_a_record_after_the_drivers(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["forge_late"]
    assert outcome.status == "error"
    assert _error(outcome) == "RuntimeError: raised while a grandchild waits to forge"
    assert outcome.leftovers_killed == 1
    assert outcome.stdout_tail == "grandchild detached\n"


def test_the_drivers_environment_and_fds_are_closed_to_the_scenario(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["read_driver"]
    assert _error(outcome) == "PermissionError: [Errno 13] Permission denied: '/proc/1/environ'"
    assert outcome.stdout_tail.splitlines() == [
        "/proc/1/fd PermissionError 13",
        "/proc/1/fd/1 PermissionError 13",
    ]


def test_signals_to_the_driver_leave_the_record_unaffected(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["signal_driver"]
    assert outcome.status == "error"
    assert _error(outcome) == "RuntimeError: still running after signalling the driver"
    sent = ["sent SIGSTOP", "sent SIGINT", "sent SIGTERM", "sent SIGKILL"]
    assert outcome.stdout_tail.splitlines() == sent


def test_the_driver_cannot_be_traced_nor_its_memory_written(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["trace_driver"]
    assert outcome.stdout_tail == "ptrace: EPERM\n"
    assert _error(outcome) == "PermissionError: [Errno 13] Permission denied: '/proc/1/mem'"


def test_a_grandchild_cannot_act_after_the_scenario_ends(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["late_writer"]
    assert (outcome.status, outcome.stdout_tail) == ("ok", "scenario done\n")
    assert outcome.leftovers_killed == 1
    # Had it lived, its line would be in the stderr the driver drains until every writer is gone.
    assert "LATE WRITE" not in outcome.stderr_tail


def test_an_exception_that_escaped_is_an_error_even_with_exit_status_0(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["exit_zero_after_raise"]
    assert (outcome.status, outcome.exit_code) == ("error", 0)
    assert _error(outcome) == "ValueError: raised, then exit 0"
