"""Tests pasted without what runs them. A report's code is often one test from a suite: a
unittest method shown alone (`def test_none_shape(self):` then `with self.assertRaises(
ValueError): ...`), a `unittest.TestCase` / `tf.test.TestCase` class without `unittest.main()`,
or a pytest function that takes no fixtures. Run as they are, they only define, and the
failure they were pasted for ("AssertionError: ValueError not raised") cannot occur.

Each test is called the way its runner would call it: a method through `TestCase.debug()`,
which runs setUp, the test and tearDown and lets what the test raises propagate (a runner
would catch it and print a report instead); a lone method first goes into a class of its own,
a `tf.test.TestCase` where it uses that class's assertions (`self.assertAllClose`), else a
`unittest.TestCase`; a pytest function is called."""

from __future__ import annotations

import ast
import unittest
from dataclasses import replace

from harness.repro.bug_report.code import Reading
from harness.repro.bug_report.python_code import parsed

CLASS = "ReportTest"
_TEST_CASE_ATTRIBUTES = frozenset(dir(unittest.TestCase))


def as_run(code: Reading) -> Reading:
    """`code` with the tests it only defines called; unchanged where it calls anything."""
    if code.chosen is None:
        return code
    tree = parsed(code.chosen.text)
    if tree is None or not _only_defines(tree):
        return code
    lone = [n for n in tree.body if isinstance(n, ast.FunctionDef) and _is_method(n)]
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _is_test_case(n)]
    functions = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
        and n.name.startswith("test")
        and not n.args.args
        and not n.decorator_list
    ]
    calls: list[str] = []
    notes: list[str] = []
    text = code.chosen.text
    if lone and any(n.name.startswith("test") for n in lone):
        text, base = _in_a_class(code.chosen.text, tree, lone)
        calls += [f'{CLASS}("{n.name}").debug()' for n in lone if n.name.startswith("test")]
        notes.append(
            f"the test method{'s' if len(calls) > 1 else ''} the report shows without its "
            f"class put in a `{base}` of its own (`{CLASS}`) and called as a runner would: "
            "the report does not show the class"
        )
    for node in classes:
        tests = [
            m.name
            for m in node.body
            if isinstance(m, ast.FunctionDef) and m.name.startswith("test") and not m.decorator_list
        ]
        calls += [f'{node.name}("{name}").debug()' for name in tests]
        if tests:
            notes.append(
                f"the tests of `{node.name}` called as a runner would (the report shows no "
                "`unittest.main()`), each through `TestCase.debug()`, which lets what it raises "
                "propagate"
            )
    for function in functions:
        calls.append(f"{function.name}()")
    if functions:
        names = ", ".join(f"`{f.name}`" for f in functions)
        notes.append(f"{names} called as pytest would: the report shows the test, not its run")
    if not calls:
        return code
    return replace(
        code,
        chosen=replace(code.chosen, text=text.rstrip("\n") + "\n\n" + "\n".join(calls) + "\n"),
        notes=(*code.notes, *notes),
    )


def _only_defines(tree: ast.Module) -> bool:
    """No statement at the top level runs anything a test could fail in: imports, definitions,
    call-free assignments and docstrings only (a class's bases and decorators aside)."""
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            if any(isinstance(n, ast.Call) for n in ast.walk(node)):
                return False
        elif not isinstance(
            node,
            ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef | ast.Pass,
        ) and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            return False
    return True


def _is_method(node: ast.FunctionDef) -> bool:
    """A function written as a method: its first parameter is `self`."""
    return bool(node.args.args) and node.args.args[0].arg == "self" and not node.decorator_list


def _is_test_case(node: ast.ClassDef) -> bool:
    """`class T(unittest.TestCase)`, `(tf.test.TestCase)`, `(parameterized.TestCase)`, ..."""
    return any(ast.unparse(base).split(".")[-1].endswith("TestCase") for base in node.bases)


def _in_a_class(text: str, tree: ast.Module, lone: list[ast.FunctionDef]) -> tuple[str, str]:
    """The code with its lone methods moved into `class ReportTest(...)`, after the rest; the
    base is `tf.test.TestCase` where they call a `self.` method unittest's lacks
    (`assertAllClose`, `evaluate`), else `unittest.TestCase`."""
    used = {
        n.attr
        for f in lone
        for n in ast.walk(f)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    }
    tf_test = any(
        name.startswith(("assertAll", "assertNear", "assertArrayNear", "assertNDArray"))
        or name in ("evaluate", "cached_session", "session", "test_session", "assertDTypeEqual")
        for name in used - _TEST_CASE_ATTRIBUTES
    )
    base = "tf.test.TestCase" if tf_test else "unittest.TestCase"
    lines = text.splitlines()
    spans = [(_first_line(f), f.end_lineno or f.lineno) for f in lone]
    inside = {n for first, last in spans for n in range(first, last + 1)}
    # The rest first (imports, helpers, constants the methods read when called), then the
    # class: a method's body runs only when it is called, after all of them.
    out = [line for number, line in enumerate(lines, start=1) if number not in inside]
    if not tf_test and not _imports_unittest(tree):
        out.insert(0, "import unittest")
    out.append(f"class {CLASS}({base}):")
    out += ["    " + lines[n - 1] if lines[n - 1].strip() else "" for n in sorted(inside)]
    return "\n".join(out) + "\n", base


def _first_line(node: ast.FunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _imports_unittest(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Import)
        and any(a.name == "unittest" and not a.asname for a in node.names)
        for node in tree.body
    )
