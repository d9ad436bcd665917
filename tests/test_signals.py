"""Ctrl-C and SIGTERM handling, with no engine: the first signal stops the run cleanly, a
second one exits at once with 130, and the previous handlers come back."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from harness.execute.interrupts import FORCED_EXIT, StopRequest, stop_on_signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_first_signal_raises_keyboard_interrupt_once_and_records_its_name(
    signum: signal.Signals,
) -> None:
    before = signal.getsignal(signum)
    said: list[str] = []
    with stop_on_signals(said.append) as stop:
        assert not stop.requested
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signum)  # runs the handler before it returns
    assert stop.requested and stop.signal_name == signum.name
    assert said == [
        f"{signum.name}: stopping running containers and writing finished cells (again to force)"
    ]
    assert signal.getsignal(signum) == before


def test_a_second_signal_exits_at_once_with_130() -> None:
    script = textwrap.dedent(
        """
        import signal
        from harness.execute.interrupts import stop_on_signals
        with stop_on_signals(print) as stop:
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                print("first: stopping")
            signal.raise_signal(signal.SIGTERM)
            print("not reached")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == FORCED_EXIT
    assert "first: stopping" in done.stdout and "not reached" not in done.stdout
    assert "SIGTERM again: exiting now" in done.stderr


def test_outside_the_main_thread_no_handler_is_installed() -> None:
    found: list[StopRequest] = []
    before = signal.getsignal(signal.SIGINT)

    def worker() -> None:
        with stop_on_signals(lambda text: None) as stop:
            found.append(stop)
            assert signal.getsignal(signal.SIGINT) == before

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert found and not found[0].requested
