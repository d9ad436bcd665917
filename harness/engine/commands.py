"""Every Docker action is printed as a command a person could re-run."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

Echo = Callable[[Sequence[str]], None]


def as_command(argv: Sequence[str]) -> str:
    """`argv` as one shell command line."""
    return shlex.join(argv)


def echo_to(stream: TextIO | None = None) -> Echo:
    """An Echo that prints each command, `+ `-prefixed, to `stream` (default stderr)."""

    def echo(argv: Sequence[str]) -> None:
        print(f"+ {as_command(argv)}", file=stream or sys.stderr, flush=True)

    return echo


def silent(argv: Sequence[str]) -> None:
    """An echo that prints nothing (for --quiet and for tests)."""
