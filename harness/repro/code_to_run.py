"""The code a reproduction runs, and the one-line refusal of a report that has none."""

from __future__ import annotations

from pathlib import Path

from harness.errors import ConfigurationError
from harness.repro.bug_report.model import Extraction
from harness.textfiles import read_text


class NothingToRunError(ConfigurationError):
    """The report has no code to run or no version to install."""


def code_to_run(
    path: Path, extraction: Extraction, *, script: Path | None, block: int | None
) -> tuple[str, str]:
    """The code to run (`--script FILE`, the block `--block N` picks, else the one the
    report's reading chose) and where it came from; refuses, in one line, a report with none."""
    if script is not None:
        text = read_text(script, label=f"--script {script}")
        return text, str(script)
    candidates = [b for b in (extraction.code, *extraction.other_code) if b is not None]
    if block is not None:
        ordered = sorted(candidates, key=lambda b: b.line)
        if not 1 <= block <= len(ordered):
            raise NothingToRunError(
                f"{path}: --block {block}: the report has {len(ordered)} Python blocks"
            )
        chosen = ordered[block - 1]
    elif extraction.code is not None:
        chosen = extraction.code
    elif extraction.code_links:
        # A notebook behind a link is not fetched (Colab's need their owner's sign-in; builds
        # reach only PyPI's mirror), and guessing its cells would reproduce another report.
        raise NothingToRunError(
            f"{path}: no code to run: the report's code is only behind a link "
            f"({extraction.code_links[0]}), which the harness does not fetch; pass --script "
            "FILE with that code"
        )
    else:
        why = extraction.no_code or (
            "no Python block, python -c line, pasted code or traceback line"
        )
        raise NothingToRunError(f"{path}: no code to run ({why}); pass --script FILE")
    others = len(candidates) - 1
    note = f" (of {others + 1} Python blocks; choose another with --block N)" if others else ""
    return chosen.text.rstrip() + "\n", f"{path.name}:{chosen.line}{note}"
