"""The budget that builds and cells share (harness/execute/slots.py): never more than `jobs`
at once, at most `jobs - 1` builds, and a freed slot goes to a waiting build first."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from harness.execute.slots import Slots

WAIT_S = 5.0


class Holder:
    """A thread that takes a slot, says so, and keeps it until let go."""

    def __init__(self, name: str, slot: Callable[[], AbstractContextManager[None]], log: list[str]):
        self.name = name
        self.holding = threading.Event()
        self.go = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(slot, log), daemon=True)
        self._thread.start()

    def _run(self, slot: Callable[[], AbstractContextManager[None]], log: list[str]) -> None:
        with slot():
            log.append(self.name)
            self.holding.set()
            assert self.go.wait(WAIT_S)

    def release(self) -> None:
        self.go.set()
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive()


def _settle() -> None:
    # Long enough for a thread that could take a free slot to have taken it.
    time.sleep(0.2)


def _until(slots: Slots, **use: int) -> None:
    """Wait until the slots are used as `use` says (threads reach their waits in their time)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        now = slots.use()
        if all(getattr(now, key) == value for key, value in use.items()):
            return
        time.sleep(0.005)
    raise AssertionError(f"slots never became {use}: {slots.use()}")


def test_a_freed_slot_goes_to_the_waiting_build_before_the_waiting_cell() -> None:
    slots = Slots(3)
    log: list[str] = []
    build = Holder("build-1", slots.build, log)
    cells = [Holder(f"cell-{i}", slots.cell, log) for i in (1, 2)]
    for holder in (build, *cells):
        assert holder.holding.wait(WAIT_S)
    waiting_cell = Holder("cell-3", slots.cell, log)
    waiting_build = Holder("build-2", slots.build, log)
    _until(slots, held=3, builds_waiting=1, cells_waiting=1)
    assert not waiting_cell.holding.is_set() and not waiting_build.holding.is_set()

    cells[0].release()
    assert waiting_build.holding.wait(WAIT_S)
    _settle()
    assert not waiting_cell.holding.is_set()
    assert log[-1] == "build-2"

    cells[1].release()
    assert waiting_cell.holding.wait(WAIT_S)
    for holder in (build, waiting_build, waiting_cell):
        holder.release()


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_build_at_a_time_with_two_jobs_or_fewer(jobs: int) -> None:
    slots = Slots(jobs)
    log: list[str] = []
    first = Holder("build-1", slots.build, log)
    assert first.holding.wait(WAIT_S)
    second = Holder("build-2", slots.build, log)
    _until(slots, builds_waiting=1)
    _settle()
    # A free slot (with two jobs) is kept for cells rather than a second install.
    assert not second.holding.is_set()
    if jobs == 2:
        cell = Holder("cell-1", slots.cell, log)
        assert cell.holding.wait(WAIT_S)
        cell.release()
    first.release()
    assert second.holding.wait(WAIT_S)
    second.release()


def test_cells_take_every_slot_while_no_build_waits() -> None:
    slots = Slots(2)
    log: list[str] = []
    cells = [Holder(f"cell-{i}", slots.cell, log) for i in (1, 2)]
    for holder in cells:
        assert holder.holding.wait(WAIT_S)
    third = Holder("cell-3", slots.cell, log)
    _until(slots, cells_waiting=1)
    assert not third.holding.is_set()
    for holder in cells:
        holder.release()
    assert third.holding.wait(WAIT_S)
    third.release()


def test_a_cell_is_not_held_back_by_a_build_that_may_not_start() -> None:
    slots = Slots(2)
    log: list[str] = []
    build = Holder("build-1", slots.build, log)
    assert build.holding.wait(WAIT_S)
    waiting_build = Holder("build-2", slots.build, log)
    _until(slots, builds_waiting=1)
    # The second build is over the limit, so the free slot is the cell's.
    cell = Holder("cell-1", slots.cell, log)
    assert cell.holding.wait(WAIT_S)
    assert not waiting_build.holding.is_set()
    for holder in (cell, build):
        holder.release()
    assert waiting_build.holding.wait(WAIT_S)
    waiting_build.release()


@pytest.mark.parametrize("jobs", [1, 2, 3, 4])
def test_never_more_than_jobs_at_once_nor_more_than_jobs_minus_one_builds(jobs: int) -> None:
    slots = Slots(jobs)
    lock = threading.Lock()
    now = {"all": 0, "builds": 0}
    most = {"all": 0, "builds": 0}
    rng = random.Random(jobs)  # noqa: S311 - a repeatable mix, not a secret

    def work(kind: str, pause: float) -> None:
        slot = slots.build if kind == "builds" else slots.cell
        with slot():
            with lock:
                now["all"] += 1
                now[kind] = now.get(kind, 0) + 1
                most["all"] = max(most["all"], now["all"])
                most["builds"] = max(most["builds"], now["builds"])
            time.sleep(pause)
            with lock:
                now["all"] -= 1
                now[kind] -= 1

    threads = [
        threading.Thread(target=work, args=(rng.choice(["builds", "cells"]), rng.uniform(0, 0.01)))
        for _ in range(60)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert not any(thread.is_alive() for thread in threads)
    assert most["all"] <= jobs
    assert most["builds"] <= max(1, jobs - 1)


def test_jobs_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Slots(0)
