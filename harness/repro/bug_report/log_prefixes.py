"""What a log puts around the lines a program wrote, taken off before the report is read.

A traceback, pip's output or a version pasted from a CI job, a container's or a cluster
worker's log comes with the log's own mark on every line: a timestamp (GitHub Actions, Azure,
`docker logs -t`, `kubectl logs --timestamps`), the service's name and a bar (`docker compose`,
honcho), `docker build`'s step, the worker (Ray's `(pid=1234)`), glog's header, kubectl's
`[pod/NAME/CONTAINER]`, Airflow's `[time] {file.py:93} INFO - `, the line numbers of `cat -n`
or a pastebin. Those are the log's words, not the report's: with them a traceback is no
traceback, and its last line no claim. Terminal colours (ANSI escape codes, also with their ESC
byte lost in a paste, `[0;31m`) are never a report's either.

Marks that nothing else looks like are taken off any line; those a report's own lines could
look like (a Markdown table's `name | value`, a comment `#8 1.5 `, a numbered list) only off a
run of lines that all carry them and that is a log by what it holds (a traceback, pip's output)
or by its numbers (one more on each line). Nothing here touches what is code: `>>> `, `In [1]:`
and IPython's numbered `----> 4` lines are none of these shapes.
"""

from __future__ import annotations

import itertools
import re

# With its ESC byte (or the byte shown as U+FFFD or U+241B): any control sequence.
_ESCAPED = re.compile("[\x1b\ufffd\u241b]\\[[0-9;?]*[A-Za-z]")
# The ESC byte lost: only colour codes, and only where a reset `[0m` shows it is colour.
_BARE_COLOUR = re.compile(r"\[(?:\d{1,3};)*\d{1,3}m")
_RESET = re.compile(r"\[0?m")

# Marks no report line starts with by itself, each ending where the program's line starts.
_LINE_MARK = re.compile(
    r"^(?:"
    # An RFC 3339 time with its zone: GitHub Actions, Azure, docker -t, kubectl --timestamps,
    # Jenkins' timestamper (bracketed); GitLab's stream tag (`00O `, `01E+`) after it.
    r"\ufeff?\[?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)\]?[ \t]"
    r"(?:\d\d[OE]\+?[ \t])?"
    # Ray's worker: `(pid=1234) `, `(RolloutWorker pid=1234, ip=10.0.0.2) `, `(pid=raylet) `.
    r"|\((?:[\w.:-]+[ \t])?pid=[\w.-]+(?:,[ \t]ip=[\w.:-]+)?\)(?:[ \t]|$)"
    # glog, which TensorFlow's C++ side and Kubeflow's sidecars write.
    r"|[IWEF]\d{4}[ \t]\d\d:\d\d:\d\d\.\d{6}[ \t]+\d+[ \t][\w./-]+:\d+\][ \t]"
    # kubectl logs --prefix.
    r"|\[pod/[\w.-]+/[\w.-]+\][ \t]"
    # Airflow's task log, which wraps each line its task printed (Airflow 1 adds the subtask).
    r"|(?:\[[^\]\n]{8,40}\][ \t]+)?\{[\w.-]+:\d+\}[ \t]+[A-Z]+[ \t]+-[ \t]"
    r"(?:Job \d+: Subtask [\w.-]+[ \t])?"
    # GitHub Actions' workflow commands as a raw log shows them: ##[group], ##[error], ...
    r"|##\[[a-z]+\]"
    r")"
)
# Ray folds repeated lines of its workers into one, and says so at the line's end.
_RAY_REPEATED = re.compile(r"[ \t]\[repeated \d+x across cluster\]$")
# A job log copied from GitHub's web view: each line's number a link to it, alone on a line
# (`[209](https://github.com/o/r/runs/7798?check_suite_focus=true#step:2:221)`), and digits in
# the text made links too (`Python[2](...#step:8:2)_ROOT_DIR`), which stand for themselves.
_RUN_LINK = re.compile(r"\[(?P<digits>\d+)\]\(https://github\.com/[^()\s]*#step:\d+:\d+\)")
_RUN_LINK_LINE = re.compile(r"^[ \t]*\[\d+\]\(https://github\.com/[^()\s]*#step:\d+:\d+\)[ \t]*$")

# Marks a report's line could carry too (a table's row, a comment): taken off a run only.
_RUN_MARKS = (
    # `docker compose` (`web_1  | `, `app-1  | `), honcho (`10:00:01 web.1  | `).
    re.compile(r"^(?:\d\d:\d\d:\d\d[ \t]+)?[A-Za-z][\w.-]*[ \t]+\|(?: |$)"),
    # `docker build`'s (BuildKit's) step and seconds: `#8 12.34 `.
    re.compile(r"^#\d{1,4} \d{1,6}\.\d{1,3}(?: |$)"),
    # journald: `May 02 10:11:12 gpu-box python3[4412]: `.
    re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d [\w.-]+ [\w.@/-]+(?:\[\d+\])?: "),
    # A time of day alone: Jenkins' timestamper, a script's own `%H:%M:%S` log.
    re.compile(r"^\[?\d\d:\d\d:\d\d(?:[.,]\d{1,6})?\]?[ \t]"),
)
# `cat -n` (`     3\t`), a pastebin's or bat's gutter (`  3 | `, `  3 │ `), the failing line
# marked in it (`→ 3│`, `> 3 |`).
_NUMBERED = re.compile(
    r"^[ \t]*(?:(?:\u2192|-*>)[ \t]*)?(?P<number>\d{1,6})(?:\t|[ \t]*[|\u2502](?: |$))"
)
# What shows a run of marked lines is a program's log, not a table or comments.
_PROGRAM_OUTPUT = re.compile(
    r"^(?:Traceback \(most recent call last\)|[ \t]*File \"|Successfully installed |"
    r"Requirement already satisfied: |Collecting |[ \t]*ERROR: )"
)
_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")


def readable(text: str) -> str:
    """`text` without the log's marks on its lines and without terminal colours."""
    text = _without_colours(text)
    lines: list[str] = []
    for line in text.split("\n"):
        if _RUN_LINK_LINE.match(line):
            continue
        lines.append(_unmarked(_RUN_LINK.sub(lambda m: m["digits"], line)))
    return "\n".join(_without_numbers(_without_run_marks(lines)))


def _without_colours(text: str) -> str:
    text = _ESCAPED.sub("", text).replace("\b", "")
    bare = _BARE_COLOUR.findall(text)
    if len(bare) >= 2 and any(_RESET.fullmatch(code) for code in bare):
        text = _BARE_COLOUR.sub("", text)
    return text


def _unmarked(line: str) -> str:
    rest = line
    for _ in range(3):  # marks stack: a timestamp, then `##[error]` or a worker's pid
        mark = _LINE_MARK.match(rest)
        if mark is None or not mark.group():
            break
        rest = rest[mark.end() :]
    return _unless_a_fence(_RAY_REPEATED.sub("", rest), line) if rest != line else line


def _unless_a_fence(line: str, marked: str) -> str:
    # A program printing ``` (Keras's messages quote code so) must not close the report's
    # block: that line keeps its mark.
    return marked if _FENCE.match(line.strip()) else line


def _without_run_marks(lines: list[str]) -> list[str]:
    out = list(lines)
    for mark in _RUN_MARKS:
        for start, end in _runs(out, mark):
            stripped = [mark.sub("", line, count=1) for line in out[start:end]]
            if end - start >= 2 and any(_PROGRAM_OUTPUT.match(line) for line in stripped):
                out[start:end] = map(_unless_a_fence, stripped, out[start:end])
    return out


def _without_numbers(lines: list[str]) -> list[str]:
    out = list(lines)
    for start, end in _runs(lines, _NUMBERED):
        # Every line of a run carries the mark, so each has its number.
        numbers = [int(m["number"]) for line in lines[start:end] if (m := _NUMBERED.match(line))]
        counted = all(b == a + 1 for a, b in itertools.pairwise(numbers))
        if end - start >= 2 and counted:
            stripped = [_NUMBERED.sub("", line, count=1) for line in lines[start:end]]
            out[start:end] = map(_unless_a_fence, stripped, lines[start:end])
    return out


def _runs(lines: list[str], mark: re.Pattern[str]) -> list[tuple[int, int]]:
    """The [start, end) spans of consecutive lines that all carry `mark`."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate([*lines, ""]):
        if mark.match(line) and line.strip():
            start = index if start is None else start
        elif start is not None:
            runs.append((start, index))
            start = None
    return runs
