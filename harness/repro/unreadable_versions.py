"""Versions a report gives that no pip reads: refused in one line before anything is resolved,
because every later step (PyPI's releases, pip's resolver) compares versions."""

from __future__ import annotations

from pathlib import Path

from harness.errors import ConfigurationError
from harness.repro.bug_report.model import Extraction
from harness.repro.request_steps import step_pins
from harness.repro.resolution import version_of


def refuse_unreadable_versions(path: Path, extraction: Extraction) -> None:
    """One line for a version no pip reads (`pip install keras==3.0.0rc1rc2`, `kera==s`, a
    version in other digits than ASCII's, a part of thousands of digits): the reporter's pip
    refused that line too, and nothing can be resolved from it."""
    said = [
        (name, version, f"pip install {step}")
        for step in extraction.pip_steps
        for name, version in step_pins(step).items()
        if version is not None
    ]
    said += [(pin.name, pin.version, pin.source) for pin in (*extraction.pins, *extraction.listed)]
    for name, version, source in said:
        if version_of(version) is None:
            raise ConfigurationError(
                f"{path}: {name} {_shortened(version)!r} is not a version pip reads "
                f"(from {_shortened(source)!r}); "
                "correct it in the report, or pass --pip"
            )


def _shortened(text: str, width: int = 60) -> str:
    """`text` cut to `width` characters for a one-line message."""
    return text if len(text) <= width else text[: width - 3] + "..."
