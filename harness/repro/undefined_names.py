"""A snippet that stops at a name its code never defines: the report showed part of a script.

Reports paste the line that failed (`model.compile(optimizer=...)`) and leave out the cells that
built `model`. Run alone, such code stops at `NameError` long before the reported error could
happen, which says nothing about the environment: the verdict says so instead of calling it
another error.
"""

from __future__ import annotations

import ast
import builtins
import re

from harness.repro.bug_report.python_code import parsed
from harness.results.outcome import RaisedError

_NOT_DEFINED = re.compile(r"^name '(?P<name>\w+)' is not defined")


def bound_names(code: str) -> set[str] | None:
    """Every name the code binds anywhere (assignments, imports, definitions, loop and `with`
    targets, parameters), or None where it does not parse."""
    tree = parsed(code)
    if tree is None:
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def never_defined(code: str, error: RaisedError, snippet: str) -> str | None:
    """The name a `NameError` raised in the snippet itself names, when the code never binds it
    (nor is it a builtin); None for any other error, or a name the code does define (a real
    NameError, such as one used before its assignment)."""
    if error.short_type != "NameError":
        return None
    match = _NOT_DEFINED.match(error.message)
    if match is None:
        return None
    if error.raised_at is not None and not error.raised_at.file.endswith(snippet):
        return None  # raised in a library: a bug there, not code left out of the report
    bound = bound_names(code)
    name = match["name"]
    if bound is None or name in bound or hasattr(builtins, name):
        return None
    return name
