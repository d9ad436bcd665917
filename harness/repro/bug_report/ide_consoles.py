"""What an IDE's console adds around the reporter's script. Spyder and PyCharm run a script
from their console with `runfile('C:/x/train.py', wdir='C:/x')` (`debugfile(...)` under the
debugger, Spyder 6's `%runfile C:/x/train.py --wdir`; IPython's `%run train.py`), and the
traceback shows that line as a cell or a prompt's input, then the console's own frames, then
the script's. The line only ran the script: run alone it raises NameError (`runfile` is the
console's), so the code that failed is the script's own frame. Spyder prints its frames as
`File c:\\x\\train.py:4` (`... in f` inside a function) with the source line under it,
indented and unnumbered."""

from __future__ import annotations

import ast
import re
import textwrap

from harness.repro.bug_report.python_code import parsed

# The consoles' helpers that run a file, and IPython's magics that do.
_RUNNERS = frozenset({"runfile", "debugfile"})
_RUNNER_MAGIC = re.compile(r"^\s*%(?:run|runfile|debugfile)\s+\S")
_MAGIC_NAMES = frozenset({"run", "runfile", "debugfile"})


def runs_a_script(code: str) -> bool:
    """Whether every statement of `code` runs a script file: `runfile(...)`, `debugfile(...)`,
    `exec(open('x.py').read())`, `%run x.py` (also as `get_ipython().run_line_magic('run',
    ...)`)."""
    lines = [line for line in code.splitlines() if line.strip()]
    python = [line for line in lines if not _RUNNER_MAGIC.match(line)]
    if not lines or not python:
        return bool(lines)
    tree = parsed(textwrap.dedent("\n".join(python)))
    if tree is None or not tree.body:
        return False
    return all(isinstance(node, ast.Expr) and _runs_a_file(node.value) for node in tree.body)


def _runs_a_file(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name) and func.id in _RUNNERS:
        return True
    if isinstance(func, ast.Name) and func.id == "exec" and node.args:
        return any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open"
            for n in ast.walk(node.args[0])
        )
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "run_line_magic"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in _MAGIC_NAMES
    )


_FRAME_LINE = re.compile(r"^\s*File\s|^\s*(?:-*>\s*)?\d+\b|^[A-Za-z_][\w.]*(?:Error|Exception)\b")


def spyder_source(lines: list[str], index: int) -> tuple[tuple[str, ...], int] | None:
    """The source line Spyder prints under a frame (indented, unnumbered), when the line at
    `index` is one, and the index after it."""
    if index >= len(lines):
        return None
    line = lines[index]
    if not line[:1].isspace() or not line.strip() or _FRAME_LINE.match(line):
        return None
    return (line.strip(),), index + 1
