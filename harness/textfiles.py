"""Reading the text files a user hands the harness (matrix, scenarios, reports, snippets), and
writing the harness's own files so that a reader never sees half of one."""

from __future__ import annotations

from pathlib import Path

from harness.errors import ConfigurationError


def read_text(path: Path, *, label: str | None = None) -> str:
    """The file's text, or a one-line ConfigurationError naming it (and the line, for bad UTF-8)."""
    name = label or str(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{name}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigurationError(
            f"{name}:{line}: cannot read: not UTF-8 text (byte {exc.start})"
        ) from None


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader sees the old file or the new one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
