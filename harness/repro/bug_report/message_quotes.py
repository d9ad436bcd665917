"""Code a library's exception message quotes: Keras 3's KerasTensor error shows, in its own
fences, what the user likely wrote (`x = Input(...)` ... `tf_fn(x)`) and what to write instead
(`class MyLayer(Layer): ...`). Pasted into a report's fenced traceback, those fences cut the
reporter's block, and the quoted snippets look like the reporter's code; they are the library's."""

from __future__ import annotations

from harness.repro.bug_report.tracebacks import ERROR_LINE

_FENCES = ("```", "~~~")


def quoted_lines(text: str) -> frozenset[int]:
    """The (1-based) lines of fenced code inside an exception's message: after an exception
    line whose message ends with ":" ("You are likely doing something like:"), a bare fence
    and code, then, while the message goes on with another line ending with ":" ("What you
    should do instead is ...:"), the next fenced snippet; a fence right after a snippet's
    closing fence closes the traceback's block, and the message with it."""
    lines = text.splitlines()
    quoted: set[int] = set()
    index = 0
    while index < len(lines):
        if not ERROR_LINE.match(lines[index].strip()):
            index += 1
            continue
        index = _quotes_after(lines, index, quoted)
    return frozenset(quoted)


def _quotes_after(lines: list[str], index: int, quoted: set[int]) -> int:
    """Adds the snippets the message at `index` quotes; returns where scanning goes on."""
    end = _prose_end(lines, index)
    while lines[end].rstrip().endswith(":"):
        fence = _next_filled(lines, end + 1)
        if fence is None or not _bare_fence(lines[fence]):
            break
        close = fence + 1
        if close >= len(lines) or not lines[close].strip() or _is_fence(lines[close]):
            break  # a fence then nothing: the reporter's block closing, not a quoted snippet
        while close < len(lines) and not _is_fence(lines[close]):
            quoted.add(close + 1)
            close += 1
        after = _next_filled(lines, close + 1)
        if after is None or _is_fence(lines[after]):
            return close + 1
        end = _prose_end(lines, after)
    return end + 1


def _prose_end(lines: list[str], index: int) -> int:
    """The last line of the message text that starts at `index` (wrapped lines included)."""
    while index + 1 < len(lines) and lines[index + 1].strip() and not _is_fence(lines[index + 1]):
        index += 1
    return index


def _next_filled(lines: list[str], index: int) -> int | None:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index if index < len(lines) else None


def _is_fence(line: str) -> bool:
    return line.strip().startswith(_FENCES)


def _bare_fence(line: str) -> bool:
    return line.strip() in _FENCES
