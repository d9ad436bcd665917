"""Tracebacks as reports paste them: Python's, IPython's (old and new), Spyder's, fenced or not.
They give the claimed error (the last exception line) and, when a report shows no code, the code
that failed: the lines run from `<stdin>` / `<string>` (`python -c`), a notebook cell's lines up
to its arrow, or the innermost frame of the reporter's own script."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.repro.bug_report import ide_consoles, keras_messages, message_lines, pytest_output
from harness.repro.bug_report.library_source import library_source
from harness.repro.bug_report.message_markup import without_markup_left
from harness.repro.bug_report.model import ReportedError
from harness.repro.bug_report.pasted_lines import readable
from harness.repro.bug_report.python_code import parsed

_HEADER = "Traceback (most recent call last)"
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
FRAME = _FRAME
# `/x/tensorflow/__init__.py:29: DeprecationWarning: ...`, then the source line it warns about.
_WARNING = re.compile(r"^\S.*:\d+: [A-Z]\w*Warning: ")
# IPython: `Cell In[5], line 3`, `File ~/x/y.py:111, in f()`, `<ipython-input-3-ab> in <module>()`,
# Colab's `<ipython-input-2-5b> in <cell line: 3>()` (also as a Markdown link to the cell),
# Spyder's `  File ~\anaconda3\Lib\site-packages\x\__init__.py:68 in f`, `...\3752.py in <module>`.
# Copied from rendered HTML: tags lost (`x.py in ()`, `in ()`), numbered lines unindented.
_CELL_FRAME = re.compile(
    r"^(?:Cell In\s*\[\d*\],? line \d+|\s*File (?P<path>\S+?):\d+(?:,? in .+)?"
    r"|(?P<old>\S.*?) in (?:<module>|<cell line: \d+>|[\w.]+)?(?:\(.*\))?|in \(\))\s*$"
)
_NUMBERED = re.compile(r"^(?P<arrow>-*>|\s|(?=\d))\s*(?P<number>\d+)(?: (?P<code>.*))?$")
# The base class itself too: `Exception: URL fetch failure on ...` (keras.utils.get_file).
ERROR_LINE = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)|Exception)"
    r"(?::\s?(?P<msg>.*))?$"
)
# Installed code: site-packages, a Python's own lib, or any tree under a `pythonX.Y` directory
# (Colab's `/tensorflow-1.15.2/python3.7/tensorflow_core/...`).
# A console script pip wrote for an installed package's entry point is installed code too:
# `.../envs/x/bin/tool` (no extension), Windows' `...\\Scripts\\tool-script.py`.
# An IDE's code running the reporter's (PyCharm's pydev helpers, debugpy) is not theirs.
_LIBRARY = re.compile(
    r"site-packages|dist-packages|[\\/]lib[\\/]python\d|[\\/]Lib[\\/]|^<frozen|\.egg[\\/]"
    r"|[\\/]helpers[\\/]pydev[\\/]|[\\/]debugpy[\\/]"
    r"|[\\/]python\d\.\d+[\\/]"
    r"|[\\/]bin[\\/][\w-]+$|[\\/]Scripts[\\/](?:[\w-]+-script\.pyw?|[\w-]+)$",
    re.IGNORECASE,
)
# Between the parts of a chained traceback: the part after it was raised last.
_CHAIN = re.compile(
    r"^\s*(?:During handling of the above exception, another exception occurred"
    r"|The above exception was the direct cause of the following exception)\s*:?\s*$"
)
# IPython's header names the exception even when the paste is cut before its last line:
# `ModuleNotFoundError     Traceback (most recent call last)`, or Theano's bare `Exception`.
_TYPED_HEADER = re.compile(
    r"^\s*(?P<type>Exception|[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Iteration))\s+"
    + re.escape(_HEADER)
)


@dataclass(frozen=True, kw_only=True)
class Frame:
    """One frame of a pasted traceback: its file, its source lines and what kind of code it is."""

    file: str
    lines: tuple[str, ...]  # its source line(s); a notebook cell's lines up to the arrow
    kind: str  # stdin | string | cell | user | library
    module_level: bool = False  # running a module's own lines: the module was being imported
    function: str = ""  # the function it runs, as the frame names it (`__init__`)
    pytest: bool = False  # as pytest prints it: the first of the reporter's frames is the test


@dataclass(frozen=True, kw_only=True)
class Traceback:
    """A pasted traceback: its frames and the error it ends with."""

    frames: tuple[Frame, ...]
    error: ReportedError | None
    chained: bool = False  # raised while handling the one before (after a _CHAIN line)


def parse(text: str) -> list[Traceback]:
    """Every traceback in the text, in order; frames without a header count too (reports
    often paste only the tail)."""
    found: list[Traceback] = []
    frames: list[Frame] = []
    inside = False
    header: str | None = None  # the type IPython's header names
    lines = readable(text)
    index, in_fences = 0, message_lines.fenced(lines)  # where a message may run on
    chain_said = chained = False

    def cut_short() -> Traceback:
        error = None if header is None else ReportedError(type=header, message="", source="header")
        return Traceback(frames=tuple(frames), error=error, chained=chained)

    while index < len(lines):
        line = lines[index]
        chain_said = chain_said or _CHAIN.match(line) is not None
        if _HEADER in line:
            if inside and (frames or header):
                found.append(cut_short())
            inside, frames = True, []
            chained, chain_said = chain_said and bool(found), False
            typed = _TYPED_HEADER.match(line)
            header = typed["type"] if typed else None
            index += 1
            continue
        step = _pytest_line(lines, index, frames, inside=inside)
        if step is not None:
            index, ended, inside = step
            if ended is not None:
                found.append(ended)
                inside, frames, header = False, [], None
            continue
        frame = _FRAME.match(line)
        if frame:
            # A part pasted without its header line starts here.
            chained, chain_said = (
                (chained, chain_said) if inside else (chain_said and bool(found), False)
            )
            inside = True
            frames.append(_python_frame(frame, lines, index))
            index += 1
            continue
        notebook = _notebook_step(lines, index, inside=inside)
        if notebook is not None:
            notebook_frame, index = notebook
            frames.append(notebook_frame)
            inside = True
            continue
        error = ERROR_LINE.match(line)
        if inside and error and not line[:1].isspace():
            raised = _error(error, lines, index, fenced=in_fences[index])
            found.append(Traceback(frames=tuple(frames), error=raised, chained=chained))
            inside, frames, header, chained = False, [], None, False
        index += 1
    # Cut right after "During handling of the above exception ...": its last part is unshown.
    unshown = Traceback(frames=(), error=None, chained=True) if chain_said and found else None
    last = cut_short() if inside and (frames or header) else unshown
    return [*found, last] if last is not None else found


def _notebook_step(lines: list[str], index: int, *, inside: bool) -> tuple[Frame, int] | None:
    """The IPython frame starting at `index`, if one does, and the index after it."""
    line = lines[index]
    cell = _CELL_FRAME.match(line) if inside or _headless_library(lines, index) else None
    if cell:
        return _notebook_frame(cell, lines, index)
    if not inside and _headless_cell(lines, index):
        # Numbered lines with an arrow pasted without header or file line, then the error.
        numbered, after = _numbered(lines, index)
        kind = "library" if library_source(numbered) else "cell"  # `from .x import y`
        return Frame(file="cell", lines=numbered, kind=kind), after
    return None


def _notebook_frame(cell: re.Match[str], lines: list[str], index: int) -> tuple[Frame, int]:
    """An IPython frame whose line is at `index`, and the index after its numbered lines."""
    numbered, after = _numbered(lines, index + 1)
    path = cell["path"] or cell["old"] or ""
    if not numbered and cell["path"] and (shown := ide_consoles.spyder_source(lines, after)):
        numbered, after = shown  # Spyder's frame: its source line, indented, unnumbered
    numbered_cell = re.match(r"Cell In\s*\[\d*\]", cell.string)
    called = re.search(r" in (?P<function>[\w.]+)\(", cell.string)
    frame = Frame(
        file=path or (numbered_cell[0] if numbered_cell else "cell"),
        lines=numbered,
        kind="library" if path and _LIBRARY.search(path) else "cell",
        module_level=" in " not in cell.string or " in <module>" in cell.string,
        function=called["function"] if called else "",
    )
    return frame, after


def _error(error: re.Match[str], lines: list[str], index: int, *, fenced: bool) -> ReportedError:
    """The exception a traceback ends with, over every line of its message, Keras's wrapped
    message read through."""
    message = without_markup_left((error["msg"] or "").strip())
    if keras_messages.is_wrapped(message):
        message = keras_messages.inner(message_lines.wrapped(error["msg"] or "", lines, index))
    else:
        message = message_lines.whole(message, lines, index, fenced=fenced)
    return ReportedError(type=error["type"], message=message)


def _python_frame(frame: re.Match[str], lines: list[str], index: int) -> Frame:
    """A frame as Python prints it (`File "x.py", line 3, in f`), its source on the next line."""
    source = lines[index + 1].strip() if index + 1 < len(lines) else ""
    usable = source and not _FRAME.match(lines[index + 1]) and not ERROR_LINE.match(source)
    return Frame(
        file=frame["file"],
        lines=(source,) if usable else (),
        kind=_kind(frame["file"]),
        module_level=frame["func"] == "<module>",
        function=(frame["func"] or "").strip(),
    )


def _pytest_line(
    lines: list[str], index: int, frames: list[Frame], *, inside: bool
) -> tuple[int, Traceback | None, bool] | None:
    """A line of pytest's traceback format at `index`, if it is one: the next index, the
    traceback it ends (its `E` lines) and whether a traceback is now being read; a frame it
    gives is appended to `frames`."""
    line = lines[index]
    if pytest_output.is_rule(line):
        return index + 1, None, inside
    tested = pytest_output.FRAME.match(line)
    if tested:
        frames.append(_pytest_frame(tested["file"], tested["func"], lines, index))
        return index + 1, None, True
    located = pytest_output.LOCATION.match(line)
    if located and pytest_output.source_above(lines, index):
        frames.append(_pytest_frame(located["file"], "", lines, index, above=True))
        return index + 1, None, True
    if pytest_output.ERROR.match(line) and (inside or _located_after(lines, index)):
        ended, index = _pytest_error(frames, lines, index)
        return index, ended, False
    return None


def _located_after(lines: list[str], index: int) -> bool:
    """Whether the `E` lines at `index` are followed by the long format's location line that
    names the type (the paste starts at the failing test's source, with no frame before)."""
    after = index
    while after < len(lines) and (
        pytest_output.ERROR.match(lines[after]) or not lines[after].strip()
    ):
        after += 1
    located = pytest_output.LOCATION.match(lines[after]) if after < len(lines) else None
    return bool(located and located["type"])


def _pytest_frame(
    file: str, func: str, lines: list[str], index: int, *, above: bool = False
) -> Frame:
    """A frame as pytest prints it: its source under the frame's line (short format) or
    above its location line (long format)."""
    source = pytest_output.source_above(lines, index) if above else ()
    if not above:
        source = pytest_output.frame_source(lines, index)
    return Frame(
        file=file,
        lines=source,
        kind=_kind(file),
        module_level=func == "<module>",
        pytest=True,
    )


def _pytest_error(frames: list[Frame], lines: list[str], index: int) -> tuple[Traceback, int]:
    """The traceback pytest's `E   ` lines at `index` end: the exception on the first of
    them (a Keras 3 wrapped message read through its following `E` lines), and in the long
    format the location line after them, which is the raising frame's and names the type
    (`.../hdf5_format.py:811: ValueError`; an assertion's `E` lines give no type)."""
    run: list[str] = []
    while index < len(lines) and (match := pytest_output.ERROR.match(lines[index])):
        run.append(match["rest"])
        index += 1
    error = ERROR_LINE.match(run[0].strip())
    kind = error["type"] if error else None
    message = (error["msg"] or "").strip() if error else run[0].strip()
    if error and keras_messages.is_wrapped(message):
        message = keras_messages.inner(message_lines.wrapped(message, [r.strip() for r in run], 0))
    elif error:
        # The `E` lines after the type's are the rest of its message, as Python printed it.
        message = message_lines.whole(message, [r.rstrip() for r in run], 0, fenced=True)
    after = index
    while after < len(lines) and not lines[after].strip():
        after += 1
    located = pytest_output.LOCATION.match(lines[after]) if after < len(lines) else None
    if located and located["type"]:
        frames = [*frames, _pytest_frame(located["file"], "", lines, after, above=True)]
        kind, index = kind or located["type"], after + 1
    reported = ReportedError(type=kind, message=message) if kind else None
    return Traceback(frames=tuple(frames), error=reported), index


def printed_lines(lines: list[str]) -> set[int]:
    """Indexes of lines a program printed that read like code: the source line a warning
    shows under its `file:line: SomeWarning: ...` line, and the source line just above the
    first frame of a traceback pasted without its header (that frame's `File` line was cut):
    indented, or the only line above."""
    found: set[int] = set()
    header = False
    for index, line in enumerate(lines):
        if _HEADER in line or _TYPED_HEADER.match(line):
            header = True
        elif _WARNING.match(line):
            # The message may wrap (a terminal's width) before the indented source line.
            source = next(
                (i for i in range(index + 1, min(index + 4, len(lines))) if lines[i][:1].isspace()),
                index,
            )
            found.update(range(index, source + 1))
        elif _FRAME.match(line) and not header:
            above = [i for i in range(index) if lines[i].strip() and i not in found]
            # A cut frame's source line is indented (or is all there is above); a line at
            # the margin under other code is the reporter's own last statement.
            if above and (lines[above[-1]][:1].isspace() or len(above) == 1):
                found.add(above[-1])
            header = True  # the rest is this traceback's, read as such
    return found


def _headless_library(lines: list[str], index: int) -> bool:
    """Whether an IPython frame of installed code starts at `index` with no header above it
    (`File ~/.../site-packages/keras/src/x.py:122, in f()` then its numbered lines): the
    paste's first frame is a library's, and its lines are the library's, not a cell's."""
    match = _CELL_FRAME.match(lines[index])
    path = match["path"] or match["old"] if match else None
    if not (path and _LIBRARY.search(path)):
        return False
    # By position, not `lines[index + 1 :]` (or islice, which steps over the first lines): a
    # copy of the rest at every line is quadratic in a long paste.
    following = next((lines[n] for n in range(index + 1, len(lines)) if lines[n].strip()), "")
    return bool(_NUMBERED.match(following))


def _headless_cell(lines: list[str], index: int) -> bool:
    """Whether a run of numbered source lines with an arrow starts at `index`."""
    if index > 0 and _NUMBERED.match(lines[index - 1]):
        return False
    for position in range(index, len(lines)):
        match = _NUMBERED.match(lines[position])
        if match is None:
            return False
        if match["arrow"].strip() and match["code"]:
            return True
    return False


def _numbered(lines: list[str], index: int) -> tuple[tuple[str, ...], int]:
    """A notebook frame's numbered source lines, up to and including the arrow's; and past
    it, the lines that finish the statement the arrow points at (`----> 3 model.fit(x,` then
    `      4           epochs=2)`)."""
    kept: list[str] = []
    after: list[str] = []
    arrow_seen = False
    while index < len(lines):
        match = _NUMBERED.match(lines[index])
        if not match:
            break
        (after if arrow_seen else kept).append(match["code"] or "")
        arrow_seen = arrow_seen or match["arrow"].strip() != ""
        index += 1
    if not _parses(kept):
        finished = next((n for n in range(1, len(after) + 1) if _parses(kept + after[:n])), 0)
        kept += after[:finished]
    return tuple(kept), index


def _parses(lines: list[str]) -> bool:
    return parsed("\n".join(lines)) is not None


def _kind(file: str) -> str:
    if file == "<stdin>":
        return "stdin"
    if file == "<string>":
        return "string"
    if re.match(r"<ipython-input|.*ipykernel_", file):
        return "cell"
    return "library" if _LIBRARY.search(file) or file.startswith("<") else "user"


def superseded(tracebacks: list[Traceback]) -> tuple[ReportedError, ...]:
    """The errors of a chained traceback whose last part is cut before its exception line:
    they were handled, and another exception, which the paste does not show, was raised."""
    if not tracebacks or tracebacks[-1].error is not None or not tracebacks[-1].chained:
        return ()
    earlier: list[ReportedError] = []
    for traceback in reversed(tracebacks[:-1]):
        if traceback.error is not None:
            earlier.append(traceback.error)
        if not traceback.chained:
            break
    return tuple(earlier)


def claimed(tracebacks: list[Traceback]) -> ReportedError | None:
    """What the user saw last: the exception line of the last traceback that shows one (a
    traceback cut short gives only the type its IPython header names, message empty)."""
    if superseded(tracebacks):
        return None
    for traceback in reversed(tracebacks):
        if traceback.error is not None:
            return traceback.error
    return None
