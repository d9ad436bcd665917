"""Versions a report's code printed, read from the output pasted after it.

`tf.__version__` / `keras.version()` / `tf.version.VERSION` with the value beside it, on the
next output line, after `Out[3]:`, or by place in `print(a.__version__, b.__version__)`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from harness.repro.bug_report.aliases import ALIASES, PINNED_PACKAGES
from harness.repro.bug_report.pip_lines import canonical
from harness.repro.bug_report.python_code import parsed
from harness.repro.bug_report.version_pattern import VERSION as _VERSION

# Lines between a print and its output: log lines, a comment or a label that announces the
# output (`# output:`, `Output:`, `# prints`), a fence closing the code and one opening the
# output's own block, blank lines.
_BEFORE_OUTPUT = (
    r"(?:\n[ \t]*(?:\d{4}-\d\d-\d\d[ T][^\n]*"
    r"|#[ \t]*(?i:out(?:put)?|result|prints?|returns?|gives)\b[^\n\d]*"
    r"|[*_]*(?i:out(?:put)?|result)[*_]*[ \t]*:?[*_]*[ \t]*|`{3,}[^\n`]*|~{3,}[^\n~]*)?(?=\n))*"
)
# A printed version: `tf.__version__` / `keras.version()` / `tf.version.VERSION`, then the
# value after it: on the same line (`# 2.0.1+cu118`, `: 2.16.1`, `printed 2.16.1`), on the next
# line (a `python -c` run's output), after a notebook's `Out[3]:`, or on an output line after
# the lines _BEFORE_OUTPUT skips (the value itself possibly commented: `# 2.14.1`).
_ACCESSOR = re.compile(
    r"\b(?P<name>[A-Za-z_][\w.]*?)\.(?P<accessor>__version__\b|version\(\)|VERSION\b)"
)
_DUNDER = re.compile(
    r"(?<![\w.])(?P<name>[A-Za-z_][\w.]*?)\.(?P<accessor>__version__\b|version\(\)|VERSION\b)"
    r"[)'\"`;]*[ \t]*"
    r"(?:" + _BEFORE_OUTPUT + r"\n\s*(?:#[ \t]*)?(?:Out\[\d+\]:\s*)?|#\s*"
    r"|(?:[:=,]|->|printed|prints|is|gives|shows|returns)?\s*)"
    # A printed version has a dot: a lone `1` is a list item or a line of something else.
    r"['\"]?(?=v?\d+\.\d)" + _VERSION + r"(?P<local>\+[A-Za-z0-9.]+)?['\"]?(?![\w-])",
)


def printed(full: str, add: Callable[..., None], notes: list[str]) -> None:
    """Versions the report's code printed (its output pasted after it)."""
    _printed_together(full, add)
    for match in _DUNDER.finditer(full):
        said, accessor = match["name"], match["accessor"]
        before = full[full.rfind("\n", 0, match.start()) + 1 : match.start()]
        if "#" in before:
            # `tf.__version__ #same for tf.keras.__version__`, then `'2.11.0'`: the value is
            # what the code before the comment printed; the comment only talks about another.
            shown = _ACCESSOR.search(before.split("#", 1)[0])
            if shown is None:
                continue
            said, accessor = shown["name"], shown["accessor"]
        name = _printed_name(said)
        if name is None:
            continue
        value = _value_printed(full, match)
        if value is None:
            continue
        version, local = value
        printed = version + (local or "")
        add(name, version, f"`{said}.{accessor}` printed {printed}")
        note = (
            f"{canonical(name)} {version}: the local label {local} of the printed "
            f"{printed} dropped (PyPI has only the public release)"
        )
        if local and canonical(name) in PINNED_PACKAGES and note not in notes:
            notes.append(note)


def _printed_together(full: str, add: Callable[..., None]) -> None:
    """`print(tf.__version__, keras.__version__)` then `2.16.1 3.3.3`: each value by place."""
    lines = full.splitlines()
    for index, line in enumerate(lines[:-1]):
        source = re.sub(r"^\s*(?:>>>|In \[\d*\]:|\$)?\s*", "", line)
        if not source.startswith("print(") or "," not in source:
            continue
        tree = parsed(source)
        if tree is None or not tree.body:
            continue
        call = tree.body[0]
        if not (isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)):
            continue
        fields = re.sub(r"^\s*(?:Out\[\d+\]:)?", "", lines[index + 1]).split()
        if len(fields) != len(call.value.args) or len(fields) < 2:
            continue
        for arg, field in zip(call.value.args, fields, strict=True):
            dotted = re.fullmatch(
                r"(?P<name>[A-Za-z_][\w.]*?)\.(?:__version__|version\(\)|VERSION)", ast.unparse(arg)
            )
            value = _PRINTED_VERSION.fullmatch(field.strip("'\""))
            name = _printed_name(dotted["name"]) if dotted else None
            if name is not None and value is not None:
                add(name, value[1], f"`{ast.unparse(arg)}` printed {field}")


_PRINTED_VERSION = re.compile(_VERSION + r"(\+[A-Za-z0-9.]+)?")


def _value_printed(full: str, match: re.Match[str]) -> tuple[str, str | None] | None:
    """The version `match` read, or, when its value is on the output line of a `print` of
    several values (`print(tf.version.GIT_VERSION, tf.version.VERSION)` then
    `v1.12.1-58938-g67a33c36c28 2.6.0-dev20210620`), the output field at its argument's place;
    None when the place cannot be told."""
    if "\n" not in match[0]:
        return match[3], match["local"]
    start = full.rfind("\n", 0, match.start()) + 1
    source = full[start : full.find("\n", match.start())]
    source = re.sub(r"^\s*(?:>>>|\.\.\.|In \[\d*\]:|\$)?\s*", "", source)
    tree = parsed(source)
    if tree is None or not tree.body:
        return match[3], match["local"]
    call = tree.body[0]
    if not (
        isinstance(call, ast.Expr)
        and isinstance(call.value, ast.Call)
        and ast.unparse(call.value.func) == "print"
        and len(call.value.args) > 1
    ):
        return match[3], match["local"]
    printed = f"{match['name']}.{match['accessor']}"
    places = [i for i, a in enumerate(call.value.args) if ast.unparse(a).endswith(printed)]
    line_start = full.rfind("\n", 0, match.start(3)) + 1
    fields = full[line_start : full.find("\n", match.start(3)) % (len(full) + 1)].split()
    if len(places) != 1 or len(fields) != len(call.value.args):
        return None
    field = _PRINTED_VERSION.fullmatch(fields[places[0]].strip("'\""))
    return (field[1], field[2]) if field else None


def _printed_name(dotted: str) -> str | None:
    """The package whose version `dotted` prints: `tensorflow.keras` -> keras, `tf.version`
    -> tf; None when no part of it is a package this reads versions of."""
    parts = [p for p in dotted.lower().split(".") if p != "version"]
    return next((p for p in reversed(parts) if p in ALIASES), None)
