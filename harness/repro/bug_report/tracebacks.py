"""Tracebacks as reports paste them: Python's own, IPython's (old and new), fenced or not.

They give the claimed error (the last exception line) and, when a report shows no code, the
code that failed: the lines run from `<stdin>` / `<string>` (`python -c`), a notebook cell's
lines up to its arrow, or the innermost frame of the reporter's own script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.repro.bug_report import keras_messages
from harness.repro.bug_report.model import ReportedError
from harness.repro.bug_report.python_code import MAGIC_CALL, parsed, with_missing_imports

_HEADER = "Traceback (most recent call last)"
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
FRAME = _FRAME
# `/x/tensorflow/__init__.py:29: DeprecationWarning: ...`, then the source line it warns about.
_WARNING = re.compile(r"^\S.*:\d+: [A-Z]\w*Warning: ")
# IPython: `Cell In[5], line 3`, `File ~/x/y.py:111, in f()`, `<ipython-input-3-ab> in <module>()`,
# Colab's `<ipython-input-2-5b> in <cell line: 3>()` (also as a Markdown link to the cell),
# Spyder's indented `  File ~\anaconda3\Lib\site-packages\x\__init__.py:68 in set_framework`,
# `~\AppData\Local\Temp\ipykernel_4\3752.py in <module>`.
_CELL_FRAME = re.compile(
    r"^(?:Cell In\s*\[\d*\],? line \d+|\s*File (?P<path>\S+?):\d+(?:,? in .+)?"
    r"|(?P<old>\S.*?) in (?:<module>|<cell line: \d+>|[\w.]+)(?:\(.*\))?)\s*$"
)
_NUMBERED = re.compile(r"^(?P<arrow>-*>|\s)\s*(?P<number>\d+)(?: (?P<code>.*))?$")
ERROR_LINE = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration))"
    r"(?::\s?(?P<msg>.*))?$"
)
# Installed code: site-packages, a Python's own lib, or any tree under a `pythonX.Y` directory
# (Colab's `/tensorflow-1.15.2/python3.7/tensorflow_core/...`).
_LIBRARY = re.compile(
    r"site-packages|dist-packages|[\\/]lib[\\/]python\d|[\\/]Lib[\\/]|^<frozen|\.egg[\\/]"
    r"|[\\/]python\d\.\d+[\\/]",
    re.IGNORECASE,
)
# IPython's header names the exception even when the paste is cut before its last line:
# `ModuleNotFoundError                       Traceback (most recent call last)`.
_TYPED_HEADER = re.compile(
    r"^\s*(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Iteration))\s+"
    + re.escape(_HEADER)
)


@dataclass(frozen=True, kw_only=True)
class Frame:
    """One frame of a pasted traceback: its file, its source lines and what kind of code it is."""

    file: str
    lines: tuple[str, ...]  # its source line(s); a notebook cell's lines up to the arrow
    kind: str  # stdin | string | cell | user | library
    module_level: bool = False  # running a module's own lines: the module was being imported


@dataclass(frozen=True, kw_only=True)
class Traceback:
    """A pasted traceback: its frames and the error it ends with."""

    frames: tuple[Frame, ...]
    error: ReportedError | None


def parse(text: str) -> list[Traceback]:
    """Every traceback in the text, in order; frames without a header count too (reports
    often paste only the tail)."""
    found: list[Traceback] = []
    frames: list[Frame] = []
    inside = False
    header: str | None = None  # the type IPython's header names
    lines = without_block_indent([_unquote(line) for line in text.splitlines()])
    index = 0

    def cut_short() -> Traceback:
        error = None if header is None else ReportedError(type=header, message="", source="header")
        return Traceback(frames=tuple(frames), error=error)

    while index < len(lines):
        line = lines[index]
        if _HEADER in line:
            if inside and (frames or header):
                found.append(cut_short())
            inside, frames = True, []
            typed = _TYPED_HEADER.match(line)
            header = typed["type"] if typed else None
            index += 1
            continue
        frame = _FRAME.match(line)
        if frame:
            inside = True
            source = lines[index + 1].strip() if index + 1 < len(lines) else ""
            usable = source and not _FRAME.match(lines[index + 1]) and not ERROR_LINE.match(source)
            frames.append(
                Frame(
                    file=frame["file"],
                    lines=(source,) if usable else (),
                    kind=_kind(frame["file"]),
                    module_level=frame["func"] == "<module>",
                )
            )
            index += 1
            continue
        cell = _CELL_FRAME.match(line) if inside or _headless_library(lines, index) else None
        if cell:
            inside = True
            numbered, index = _numbered(lines, index + 1)
            path = cell["path"] or cell["old"] or ""
            library = bool(path) and bool(_LIBRARY.search(path))
            frames.append(
                Frame(
                    file=path or "cell",
                    lines=numbered,
                    kind="library" if library else "cell",
                    module_level=" in " not in line or " in <module>" in line,
                )
            )
            continue
        if not inside and _headless_cell(lines, index):
            # A notebook frame pasted without its header or its file line: numbered lines
            # with an arrow (`---> 20 x = keras.applications`), then the error.
            numbered, index = _numbered(lines, index)
            frames.append(Frame(file="cell", lines=numbered, kind="cell"))
            inside = True
            continue
        error = ERROR_LINE.match(line)
        if inside and error and not line[:1].isspace():
            message = (error["msg"] or "").strip()
            if keras_messages.is_wrapped(message):
                message = keras_messages.inner(_wrapped_message(lines, index))
            found.append(
                Traceback(
                    frames=tuple(frames),
                    error=ReportedError(type=error["type"], message=message),
                )
            )
            inside, frames, header = False, [], None
        index += 1
    if inside and (frames or header):
        found.append(cut_short())
    return found


def _wrapped_message(lines: list[str], index: int) -> str:
    """Keras 3's wrapped message from its first line at `index`: the lines after it up to
    its "Arguments received by" line; the first line alone when no such line follows (the
    paste was cut, or what follows is the report's prose)."""
    first = ERROR_LINE.match(lines[index])
    message = [(first["msg"] or "") if first else ""]
    for line in lines[index + 1 : index + 40]:
        if re.match(r"^\s*Arguments received by ", line):
            return "\n".join(message)
        if _FENCE_LINE.match(line) or _HEADER in line:
            break
        message.append(line)
    return message[0]


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


_FENCE_LINE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")


def without_block_indent(lines: list[str]) -> list[str]:
    """`lines` with Markdown's indented code blocks (four spaces, after a blank line, outside
    a fence) moved back to the margin: a traceback pasted that way is the same traceback, its
    exception line and notebook frames at the margin as the reader expects them."""
    out: list[str] = []
    fenced = False
    in_block = False
    for line in lines:
        if _FENCE_LINE.match(line):
            fenced, in_block = not fenced, False
        elif not fenced:
            if not line.strip():
                out.append(line)
                continue
            indented = line.startswith("    ") or line.startswith("\t")
            starts = indented and (not out or not out[-1].strip())
            in_block = indented and (in_block or starts)
        margin = 0 if fenced or not in_block else 1 if line.startswith("\t") else 4
        out.append(line[margin:])
    return out


def _unquote(line: str) -> str:
    stripped = line.lstrip()
    quoted = stripped.startswith(">") and not stripped.startswith(">>>")
    return re.sub(r"^\s*>\s?", "", line) if quoted else line


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


def claimed(tracebacks: list[Traceback]) -> ReportedError | None:
    """What the user saw last: the exception line of the last traceback that shows one (a
    traceback cut short gives only the type its IPython header names, message empty)."""
    for traceback in reversed(tracebacks):
        if traceback.error is not None:
            return traceback.error
    return None


_INSTALLED_PACKAGE = re.compile(r"(?:^|[\\/])(?:site|dist)-packages[\\/](?P<top>[A-Za-z_]\w*)")


# Keras 2.13 to 2.15 keep their model code under keras/src/engine/; Keras 2.12 and older have
# keras/engine/, Keras 3 no engine package at all (keras/src/models/, keras/src/layers/).
_KERAS_2_13_ENGINE = re.compile(r"(?:site|dist)-packages[\\/]keras[\\/]src[\\/]engine[\\/]")


def keras_2_13_layout(tracebacks: list[Traceback]) -> bool:
    """Whether a frame runs through Keras 2.13-2.15's installed `keras/src/engine/`."""
    return any(
        _KERAS_2_13_ENGINE.search(frame.file)
        for traceback in tracebacks
        for frame in traceback.frames
    )


# Keras 3 imports one backend package, the one it runs on: an installed path in
# keras/src/backend/jax/ (a frame, a warning's or a compiler note's location) means JAX was the
# backend. Not tensorflow/: TF-backed preprocessing layers import it under every backend.
_KERAS_3_BACKEND = re.compile(
    r"(?:site|dist)-packages[\\/]keras[\\/]src[\\/]backend[\\/](?P<name>jax|torch|numpy)[\\/]"
)


def keras_3_backend(text: str) -> str | None:
    """The backend whose package an installed Keras 3 path in `text` is in (jax, torch, numpy)."""
    match = _KERAS_3_BACKEND.search(text)
    return match["name"] if match else None


def installed_modules(tracebacks: list[Traceback]) -> list[str]:
    """The top-level modules whose installed files the tracebacks' frames run through."""
    found: list[str] = []
    for traceback in tracebacks:
        for frame in traceback.frames:
            match = _INSTALLED_PACKAGE.search(frame.file)
            if match and match["top"] not in found:
                found.append(match["top"])
    return found


def failing_lines(tracebacks: list[Traceback]) -> set[str]:
    """Source lines of the reporter's own frames: the code that raised."""
    return {
        line.strip()
        for traceback in tracebacks
        for frame in traceback.frames
        if frame.kind != "library"
        for line in frame.lines
        if line.strip()
    }


_MODULE_PATH = re.compile(
    r"(?:^|[\\/])(?:site|dist)-packages[\\/](?P<path>[A-Za-z_][\w\\/]*?)(?:[\\/]__init__)?\.py$"
)


def _imported_module(tracebacks: list[Traceback]) -> str | None:
    """The module being imported when a traceback of installed code only starts at the top
    level of that module (`.../site-packages/transformers/models/bart/modeling_tf_bart.py",
    line 25, in <module>`): importing it is what the reporter's code did."""
    for traceback in reversed(tracebacks):
        if not traceback.frames or traceback.error is None:
            continue
        first = traceback.frames[0]
        match = _MODULE_PATH.search(first.file)
        if first.module_level and match:
            return re.sub(r"[\\/]", ".", match["path"])
        return None
    return None


def derived_code(tracebacks: list[Traceback]) -> tuple[str, str] | None:
    """A minimal script from the frames, and how it was derived."""
    frames = [f for t in tracebacks for f in t.frames if f.lines]
    typed = [f.lines[0] for f in frames if f.kind in ("stdin", "string")]
    if typed:
        code, how = "\n".join(dict.fromkeys(typed)), "the lines typed at `<stdin>`/`<string>`"
    elif any(f.kind == "cell" for f in frames):
        cell = next(f for f in frames if f.kind == "cell")
        lines = [line for line in cell.lines if not MAGIC_CALL.match(line)]
        code, how = "\n".join(lines), "the notebook cell's lines up to the failing one"
    elif any(f.kind == "user" for f in frames):
        user = [f for f in frames if f.kind == "user"][-1]
        code, how = user.lines[0], f"the innermost frame of the reporter's own `{user.file}`"
        if code.rstrip().endswith(":"):
            # `class Box(tf.keras.Model):` fails at its header: an empty body runs it.
            code, how = f"{code}\n    pass", how + " (its block's body left empty)"
    else:
        imported = _imported_module(tracebacks)
        if imported is None:
            return None
        code, how = (
            f"import {imported}",
            (f"importing `{imported}`, the installed module the traceback starts in"),
        )
    code, added = with_missing_imports(code)
    if parsed(code) is None:
        return None
    if added:
        how += f", with {' and '.join(f'`{a}`' for a in added)} added for the names it uses"
    return code + "\n", how
