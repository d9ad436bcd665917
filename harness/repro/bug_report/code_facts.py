"""What a piece of a report's code does: only checks versions, only defines, which backend
it sets, which distributions it imports."""

from __future__ import annotations

import ast
import re

from harness.repro.bug_report.distributions import distribution_of
from harness.repro.bug_report.model import CodeBlock
from harness.repro.bug_report.python_code import parsed


def trivial(code: str) -> bool:
    """Code that only imports, prints versions and sets variables: a check, not the failing
    code."""
    tree = parsed(code)
    if tree is None:
        return True
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        # TensorFlow 1.x spells its versions in capitals: `print(tf.GIT_VERSION, tf.VERSION)`.
        if isinstance(node, ast.Expr) and re.search(
            r"version|__file__|list_physical_devices|backend\(\)",
            ast.unparse(node),
            re.IGNORECASE,
        ):
            continue
        if _ENVIRON.match(ast.unparse(node)):
            continue  # a setting (`os.environ["KERAS_BACKEND"] = "jax"`), read as a variable
        return False
    return True


def runs_nothing(code: str) -> bool:
    """Code that only defines functions and classes (and imports, and assigns constants):
    run as it is, nothing it defines is called, so no error it was pasted for can occur. A
    class's bases and a definition's decorators and defaults do run: `class Head(tf.keras.
    layers.Layer)` fails where `tf.keras` does."""
    tree = parsed(code)
    if tree is None:
        return False
    defines = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            evaluated = (
                [*node.bases, *(k.value for k in node.keywords)]
                if isinstance(node, ast.ClassDef)
                else [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            )
            if node.decorator_list or any(
                isinstance(n, ast.Attribute | ast.Call) for e in evaluated for n in ast.walk(e)
            ):
                return False
            defines = True
        elif isinstance(node, ast.Assign | ast.AnnAssign) and not any(
            isinstance(n, ast.Call) for n in ast.walk(node)
        ):
            continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring, or `...`
        elif not isinstance(node, ast.Import | ast.ImportFrom | ast.Pass):
            return False
    return defines


_ENVIRON = re.compile(r"^os\.(?:environ\[.*\]\s*=|environ\.setdefault\(|putenv\()")


_SETS_BACKEND = re.compile(
    r"""os\.environ(?:\s*\[\s*['"]KERAS_BACKEND['"]\s*\]\s*=|\.setdefault\(\s*['"]KERAS_BACKEND['"]\s*,)"""
    r"""\s*['"](?P<backend>\w+)['"]"""
)


def backend_set(block: CodeBlock | None) -> str:
    """The Keras backend the code itself selects (`os.environ["KERAS_BACKEND"] = "torch"`)."""
    match = _SETS_BACKEND.search(block.text) if block is not None else None
    return match["backend"] if match else ""


def imports(block: CodeBlock | None) -> list[str]:
    """Distributions the code imports (standard library left out), in order."""
    if block is None:
        return []
    tree = parsed(block.text)
    if tree is None:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        for module in modules:
            name = distribution_of(module)
            if name and name not in found:
                found.append(name)
    return found
