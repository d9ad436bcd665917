"""A run's directory: results/<run-id>/ with cells.jsonl, run.json and tables."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.errors import ResultsError
from harness.results.outcome import Outcome
from harness.results.runmeta import RunMeta
from harness.textfiles import write_atomic

CELLS = "cells.jsonl"
RUN = "run.json"
LATEST = "latest"
# Each image's full `pip freeze`, as the run exported it (build/freezes.py).
ENVIRONMENTS = "environments"


def new_run_id(now: datetime | None = None) -> str:
    """A run ID from the time (UTC, to the second)."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True, kw_only=True)
class RunDir:
    """One run's directory under the results root."""

    path: Path

    @property
    def run_id(self) -> str:
        """The run's ID: its directory's name."""
        return self.path.name

    @property
    def cells_path(self) -> Path:
        """Where the run's cells.jsonl is."""
        return self.path / CELLS

    @classmethod
    def create(cls, root: Path, run_id: str) -> RunDir:
        """A new, empty run directory under `root` (suffixed if the ID is taken)."""
        path = root / run_id
        suffix = 1
        while path.exists():  # two runs in one second get distinct directories
            suffix += 1
            path = root / f"{run_id}-{suffix}"
        path.mkdir(parents=True)
        return cls(path=path)

    @classmethod
    def open(cls, root: Path, name: str | None) -> RunDir:
        """A run by id or path; `None` or 'latest' is the newest."""
        candidate = Path(name) if name else root / LATEST
        if name and not candidate.exists():
            candidate = root / name
        if not (candidate / CELLS).is_file():
            raise ResultsError(
                f"{candidate}: no {CELLS} here; run `harness run` first or name a run under {root}/"
            )
        return cls(path=candidate.resolve())

    def write_json(self, name: str, data: Any) -> None:
        """Write `data` as JSON to the file `name` in the run, atomically."""
        write_atomic(
            self.path / name, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
        )

    def read_meta(self) -> RunMeta:
        """The run's run.json as a record (an absent file reads as a run that recorded nothing)."""
        data = self.read_json(RUN)
        return RunMeta.from_json(data if isinstance(data, dict) else {}, run_id=self.run_id)

    def write_meta(self, meta: RunMeta) -> None:
        """Replace run.json with `meta`, atomically."""
        self.write_json(RUN, meta.to_json())

    def read_json(self, name: str) -> Any:
        """The JSON in the run's file `name` ({} if absent); ResultsError if unreadable."""
        try:
            return json.loads((self.path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{self.path / name}: unreadable: {exc}") from None

    def outcomes(self) -> Iterator[Outcome]:
        """The cells recorded in cells.jsonl, in the order they finished."""
        with self.cells_path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip() or not line.endswith("\n"):
                    continue  # a line cut short by a kill mid-write: that cell was in flight
                try:
                    yield Outcome.from_json(json.loads(line))
                except (ValueError, TypeError, KeyError) as exc:
                    raise ResultsError(
                        f"{self.cells_path}:{number}: not a cell record: {exc}"
                    ) from None

    def mark_latest(self) -> None:
        """Point `latest` beside the run at it, atomically."""
        link = self.path.parent / LATEST
        temporary = self.path.parent / f".{LATEST}.tmp"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(self.path.name)
        temporary.replace(link)


class CellWriter:
    """Appends each finished cell to cells.jsonl at once, as one write() and an fsync.

    One append-only file rather than a file per cell: readers stream it, and a kill
    (even SIGKILL) can only leave a final line without its newline, which readers skip
    and `repair_torn_tail` removes before a resumed run appends. Every complete line
    was on disk before the next cell was recorded.
    """

    def __init__(self, path: Path) -> None:
        repair_torn_tail(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def write(self, outcome: Outcome) -> None:
        """Append one cell's record and fsync it."""
        data = (json.dumps(outcome.to_json(), sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            written = 0
            while written < len(data):  # os.write may write less than asked, e.g. on a full disk
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)

    def close(self) -> None:
        """Close cells.jsonl (closing twice is fine)."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def repair_torn_tail(path: Path) -> bool:
    """Cut a final line that lacks its newline (a write killed midway); True if one was cut."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with path.open("rb+") as handle:
        handle.seek(0)
        data = handle.read()
        if data.endswith(b"\n"):
            return False
        handle.truncate(data.rfind(b"\n") + 1)
        handle.flush()
        os.fsync(handle.fileno())
    return True
