"""Output that `docker compose up` (or `logs`) printed: each line behind its service's name,
`trainer_1  | Traceback ...` (Compose v1) or `trainer-1  | ...` (v2). A block whose every line
carries the same service's prefix is that service's own output without it."""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^(?P<service>[A-Za-z0-9][\w.-]*?[-_]\d+)[ \t]*\|(?: |$)")


def unprefixed(lines: list[str]) -> list[str]:
    """The lines without their service's prefix, when all that are not blank carry the same."""
    services = {
        m["service"] if (m := _PREFIX.match(line)) else None for line in lines if line.strip()
    }
    if len(services) != 1 or None in services:
        return lines
    return [_PREFIX.sub("", line, count=1) for line in lines]


_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")


def in_blocks(text: str) -> str:
    """The text with each fenced block of one service's output unprefixed."""
    lines = text.splitlines()
    opened: int | None = None
    for index, line in enumerate(lines):
        if not _FENCE.match(line):
            continue
        if opened is None:
            opened = index
            continue
        lines[opened + 1 : index] = unprefixed(lines[opened + 1 : index])
        opened = None
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
