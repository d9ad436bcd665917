"""A traceback as pytest prints it, which is not Python's own format.

`--tb=short` (and a collection error) gives each frame as `tests/test_x.py:14: in <module>`
with its source lines indented below. `--tb=long`, the default, prints each frame's source
first (the failing line marked `>`, the test function's header and decorators included) and
its location after it, `keras_nlp/models/bert_test.py:59: ` (the last frame's location ends
with the exception's type). The exception itself is on `E   ` lines; a test's section starts
with a `____ TestCase.test_name ____` rule.
"""

from __future__ import annotations

import re
import textwrap

# `tests/test_x.py:14: in <module>`, `<frozen importlib._bootstrap>:1331: in _find_and_load`.
FRAME = re.compile(r"^(?P<file>(?:<[^>]+>|\S+?\.py)):(?P<line>\d+): in (?P<func>\S+)\s*$")
# The long format's location line, after the frame's source: `x_test.py:59: ` or, for the
# frame that raised, `.../hdf5_format.py:811: ValueError`.
LOCATION = re.compile(r"^(?P<file>\S+?\.py):(?P<line>\d+):(?: (?P<type>[A-Za-z_][\w.]*)?)?\s*$")
# `E   ValueError: message`, and the lines that continue it (`E   ` then more of it).
ERROR = re.compile(r"^E {2,}(?P<rest>.*)$")
# A test's section (`____ T5BackboneTest.test_smallest_preset ____`, `___ ERROR collecting
# tests/test_x.py ___`) and the rule between a long traceback's frames (`_ _ _ _`).
SECTION = re.compile(r"^_{3,} (?P<name>.+?) _{3,}\s*$")
_RULE = re.compile(r"^(?:_ ){3,}_?\s*$")
# The failing line of a frame's source in the long format: `>` then the gutter's spaces.
MARKED = re.compile(r"^> {3,}\S")
# A source line in the long format: four columns of gutter, `>` marking the failing line.
_GUTTER = re.compile(r"^(?:>| ) {3}")


def frame_source(lines: list[str], index: int) -> tuple[str, ...]:
    """The source lines under a short-format frame line at `index` (indented; pytest's `???`
    for frozen modules is no source)."""
    found: list[str] = []
    for line in lines[index + 1 :]:
        if not line[:1].isspace() or not line.strip():
            break
        found.append(line)
    source = textwrap.dedent("\n".join(found)).splitlines()
    return tuple(line for line in source if line.strip() and line.strip() != "???")


def source_above(lines: list[str], index: int) -> tuple[str, ...]:
    """The source lines a long-format location line at `index` closes: the gutter-indented
    lines just above it (its `E   ` lines, and the locals pytest prints at the margin, left
    out), with the gutter taken off."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    found: list[str] = []
    while above >= 0 and (_GUTTER.match(lines[above]) or ERROR.match(lines[above])):
        if not ERROR.match(lines[above]):
            found.append(lines[above][4:])
        above -= 1
    return tuple(reversed(found))


def is_rule(line: str) -> bool:
    """A section rule or the rule between frames: not code, not part of a frame."""
    return bool(SECTION.match(line) or _RULE.match(line))


def test_body(lines: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """A test function's statements and its name, when `lines` are its source as the long
    format shows it (decorators, `def test_x(self):`, then the body); else `lines` as given
    and None."""
    header = next(
        (i for i, line in enumerate(lines) if re.match(r"^\s*(?:async\s+)?def\s+\w+\s*\(", line)),
        None,
    )
    if header is None or not all(lines[i].lstrip().startswith("@") for i in range(header)):
        return lines, None
    name = re.match(r"^\s*(?:async\s+)?def\s+(\w+)", lines[header])
    body = textwrap.dedent("\n".join(lines[header + 1 :])).splitlines()
    return tuple(body), name[1] if name else None


def is_test_file(path: str) -> bool:
    """Whether `path` is a test module by pytest's naming (`test_x.py`, `x_test.py`)."""
    name = re.split(r"[\\/]", path)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
