"""Python as reports paste it: the longest part that parses, code whose first line lost its
indentation, and what counts as code that does something."""

from __future__ import annotations

import ast
import builtins
import re
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from harness.repro.bug_report.aliases import BACKEND_ALIAS, BACKEND_IMPORTS, IMPORT_ALIASES
from harness.repro.bug_report.distributions import KERAS_LIBRARIES
from harness.repro.bug_report.model import CodeBlock


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """Code that may be the report's snippet, and where it sits in the report."""

    block: CodeBlock
    lines: frozenset[int] = frozenset()  # report lines that are this code (1-based)
    span: tuple[int, int] | None = None  # or the characters (a `python -c` string)
    raised: bool = False  # its own output, pasted right after it, shows a traceback


def parse_prefix(lines: list[str]) -> str | None:
    """The longest leading part of `lines` that parses as Python (dedented)."""
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    repaired = _first_line_unindented(lines)
    if repaired is not None:
        return repaired
    while lines:
        code = textwrap.dedent("\n".join(lines))
        try:
            compiles(code)
        except TOO_DEEP:
            return None  # nested past what the parser reads: no prefix of it is worth a retry
        except SyntaxError as exc:
            cut = min((exc.lineno or len(lines)) - 1, len(lines) - 1)
            lines = lines[:cut]
            while lines and not lines[-1].strip():
                lines.pop()
            continue
        return code + "\n"
    return None


def _first_line_unindented(lines: list[str]) -> str | None:
    """Code pasted with its first line's indentation lost: `import os` then every other
    line indented by the same amount. Read as the reporter wrote it, all at one level."""
    rest = [line for line in lines[1:] if line.strip()]
    if not rest or lines[0][:1].isspace() or not all(line[:1].isspace() for line in rest):
        return None
    code = lines[0] + "\n" + textwrap.dedent("\n".join(lines[1:]))
    try:
        compiles(code)
    except (SyntaxError, *TOO_DEEP):
        return None
    return code + "\n"


# What CPython's parser and compiler raise, besides SyntaxError, for text they cannot read:
# nesting past their recursion limit (a pasted `((((...` or a 100 000-long `a.b.c...` chain:
# RecursionError, or MemoryError from the parser's own stack) and, before 3.12, a NUL
# character (ValueError).
TOO_DEEP = (RecursionError, MemoryError, ValueError)


def compiles(code: str) -> None:
    """Raise SyntaxError unless `code` compiles as a module: parsing alone lets through what
    only the compiler refuses (`return` or `yield` outside a function, the body of a `def`
    whose header was not Python). Raises one of TOO_DEEP for what cannot be read at all."""
    compile(code, "<report>", "exec", dont_inherit=True)


def parsed(code: str) -> ast.Module | None:
    """The module `code` parses as, or None when it is not Python the parser can read."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, *TOO_DEEP):
        return None
    try:
        # ast.unparse, which readers call on parts of the tree, recurses as deep as the tree.
        ast.unparse(tree)
    except RecursionError:
        return None
    return tree


def does_something(code: str) -> bool:
    """Whether the code imports or calls anything (not just a listing of values)."""
    tree = parsed(code)
    if tree is None:
        return False
    return any(isinstance(n, ast.Import | ast.ImportFrom | ast.Call) for n in ast.walk(tree))


# Modules snippets use by their own name, an earlier cell having imported them: the Keras
# family, and the libraries built on Keras whose import is their distribution's name
# (`deeplabcut.train_network(...)`).
_MODULES_BY_NAME = frozenset(
    (
        *("keras", "tensorflow", "numpy", "jax", "torch", "tf_keras"),
        *(name for name in KERAS_LIBRARIES if name.isidentifier()),
    )
)


# A notebook's `!pip install x` / `%pip` / `%env` line as IPython shows it in a traceback or
# an exported script: a shell command or a magic, read as a step or setting, not as code.
MAGIC_CALL = re.compile(
    r"^\s*(?:\w+\s*=\s*)?get_ipython\(\)\.(?:system|run_line_magic|run_cell_magic|getoutput)\("
)


def unbound(code: str) -> set[str]:
    """The names the code loads and never binds (builtins aside); none if it does not parse."""
    tree = parsed(code)
    return set() if tree is None else _unbound_in(tree)


def _unbound_in(tree: ast.Module) -> set[str]:
    bound = set(dir(builtins))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
    return used - bound


def with_missing_imports(
    code: str, shown: Mapping[str, str] | None = None
) -> tuple[str, list[str]]:
    """The code with an import put first for each name it uses and never binds (`tf` ->
    `import tensorflow as tf`, `platform` -> `import platform`; a name in `shown`, the
    import the rest of the report shows binding it), and the imports added."""
    tree = parsed(code)
    if tree is None:
        return code, []
    added = []
    for name in sorted(_unbound_in(tree)):
        if shown and name in shown:
            added.append(shown[name])
        elif name in IMPORT_ALIASES:
            added.append(IMPORT_ALIASES[name])
        elif name in _MODULES_BY_NAME or name in sys.stdlib_module_names:
            added.append(f"import {name}")
        elif name == BACKEND_ALIAS and (backend := _backend_import(code)) is not None:
            added.append(backend)
    if not added:
        return code, added
    lines = code.splitlines()
    after = _settings_prefix(tree)
    return "\n".join([*lines[:after], *added, *lines[after:]]) + (
        "\n" if code.endswith("\n") else ""
    ), added


_SETTING = re.compile(r"^os\.(?:environ\[.*\]\s*=|environ\.setdefault\(|putenv\()")


def _settings_prefix(tree: ast.Module) -> int:
    """How many lines the code's opening settings take: imports and `os.environ[...] = ...`
    up to the last such setting (or `from __future__` import). An import put back must come
    after them: Keras reads KERAS_BACKEND, and TensorFlow TF_USE_LEGACY_KERAS, once, when
    first imported."""
    end = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            end = node.end_lineno or end  # must stay first
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign | ast.Expr) and _SETTING.match(ast.unparse(node)):
            end = node.end_lineno or end
            continue
        break
    return end


_TF_KERAS = re.compile(
    r"\b(?:tf|tensorflow)\.keras\b|^[ \t]*from\s+tensorflow\s+import\s+keras\b", re.M
)
_KERAS = re.compile(r"^[ \t]*(?:import\s+keras\b|from\s+keras\b)", re.MULTILINE)


def _backend_import(code: str) -> str | None:
    """The import of `K` from the one Keras the code uses; None when it uses both (or
    neither): a guess there could run another Keras than the reporter's."""
    uses = [
        kind for kind, found in (("tf.keras", _TF_KERAS), ("keras", _KERAS)) if found.search(code)
    ]
    return BACKEND_IMPORTS[uses[0]] if len(uses) == 1 else None
