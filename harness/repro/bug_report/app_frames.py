"""Reports from users of applications built on Keras (Mask R-CNN's `mrcnn`, a research
repository's `model.py`): the code imports the application's own package, which is in its
repository, not on PyPI, and the traceback runs through it to the statement that failed
(`/content/Mask_RCNN/mrcnn/model.py` at `class ProposalLayer(KE.Layer):`). Run as written, the
reproduction would stop at `import mrcnn` with ModuleNotFoundError; the statement that failed,
with the imports its frame shows above it, is what the installed Keras refused."""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, replace

from packaging.utils import canonicalize_name

from harness.repro.bug_report.aliases import PINNED_PACKAGES
from harness.repro.bug_report.code import Reading
from harness.repro.bug_report.distributions import distribution_of, known_distributions
from harness.repro.bug_report.model import CodeBlock, ReportedError
from harness.repro.bug_report.python_code import compiles, parsed, unbound, with_missing_imports
from harness.repro.bug_report.shown_names import (
    bindings,
    constructed,
    without_return,
    without_self_target,
)
from harness.repro.bug_report.tracebacks import Frame, Traceback
from harness.repro.bug_report.versions import Versions


@dataclass(frozen=True, kw_only=True)
class AppFrame:
    """The innermost frame in an application module the code imports and PyPI lacks."""

    module: str  # the application's top-level module (`mrcnn`)
    file: str  # the frame's file as the report writes it
    statement: str  # the failing statement (a block's header given an empty body)
    imports: tuple[str, ...]  # import statements the frame shows above it


def imported_unknown(code: str, known: frozenset[str]) -> list[str]:
    """Top-level modules the code imports that are neither the standard library nor a
    distribution the harness installs (`known`): the application's own packages."""
    tree = parsed(code)
    if tree is None:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module]
            if isinstance(node, ast.ImportFrom) and node.module and not node.level
            else []
        )
        for name in names:
            top = name.split(".")[0]
            dist = distribution_of(top)
            if dist is not None and dist not in known and top not in found:
                found.append(top)
    return found


def app_frame(tracebacks: list[Traceback], modules: list[str]) -> AppFrame | None:
    """The innermost frame whose file is in one of `modules`' directories (or is the module's
    own `.py`), with a failing statement that compiles."""
    if not modules:
        return None
    inside = re.compile(
        r"(?:^|[\\/~])(?P<module>" + "|".join(map(re.escape, modules)) + r")(?:[\\/]|\.py$)"
    )
    frames: list[tuple[Frame, str]] = [
        (frame, match["module"])
        for traceback in tracebacks
        for frame in traceback.frames
        if frame.lines and (match := inside.search(frame.file))
    ]
    for frame, module in reversed(frames):
        split = _statement(frame.lines)
        if split is not None:
            above, statement = split
            return AppFrame(
                module=module, file=frame.file, statement=statement, imports=_imports(above)
            )
    return None


def _statement(lines: tuple[str, ...]) -> tuple[list[str], str] | None:
    """The frame's failing statement and the lines shown above it. The lines from the first
    that starts a part that compiles (a block's header given an empty body) are statements,
    the last of them the one that failed (the lines after an arrow that finish it, a class's
    docstring, are its own)."""
    for start in range(len(lines)):
        text = textwrap.dedent("\n".join(lines[start:])).strip("\n")
        if not text.strip():
            return None
        for candidate in (text, f"{text}\n    pass"):
            try:
                compiles(candidate)
            except SyntaxError:
                continue
            last = _innermost(ast.parse(candidate).body[-1])
            shown = candidate.splitlines()
            above = list(lines[:start]) + shown[: last.lineno - 1]
            statement = textwrap.dedent("\n".join(shown[last.lineno - 1 : last.end_lineno]))
            return above, statement
    return None


def _innermost(node: ast.stmt) -> ast.stmt:
    """The statement that failed when a frame's lines end in `node`: the last one inside a
    block (a function's body runs only when called, an `if`'s only its branch), except a
    class whose body is only a docstring or `pass`, which fails at its header."""
    while True:
        if isinstance(node, ast.ClassDef) and all(
            isinstance(n, ast.Pass)
            or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
            for n in node.body
        ):
            return node
        inner = [
            *(n for field in ("body", "orelse", "finalbody") for n in getattr(node, field, [])),
            *(n for handler in getattr(node, "handlers", []) for n in handler.body),
        ]
        if not inner:
            return node
        node = max(inner, key=lambda n: n.end_lineno or n.lineno)


def _imports(lines: list[str]) -> tuple[str, ...]:
    """The import statements among lines a frame shows above its failing one (a module's,
    or its function's): what binds the names that statement uses (`import keras.layers as
    KL`)."""
    found = []
    for line in (line.strip() for line in lines):
        if not re.match(r"(?:import|from)\s", line):
            continue
        try:
            compiles(line)
        except SyntaxError:
            continue
        found.append(line)
    return tuple(found)


def installed_names(versions: Versions) -> frozenset[str]:
    """The distributions an import can be installed as: those the harness knows and those
    the report pins or installs."""
    stepped = (
        str(canonicalize_name(m[0]))
        for step in versions.steps
        for m in re.finditer(r"(?<![\w.=<>~!-])[A-Za-z][\w.-]*(?=[=<>~!\s\[]|$)", step)
    )
    return known_distributions((*PINNED_PACKAGES, *(p.name for p in versions.pins), *stepped))


def past_application(
    code: Reading,
    tracebacks: list[Traceback],
    known: frozenset[str],
    claim: ReportedError | None,
    keras: str | None,
) -> Reading:
    """Code that imports an application's own package (`import mrcnn.model`, not on PyPI)
    while the traceback shows the statement that failed in it: that statement, with the
    imports its frame shows above it, is run instead, when the rest of the report binds
    every name it uses (see shown_names); else the listing says the code will stop at that
    import, and why the statement cannot stand in."""
    if code.chosen is None:
        return code
    modules = imported_unknown(code.chosen.text, known)
    frame = app_frame(tracebacks, modules)
    if frame is None:
        return code
    statement = without_self_target(frame.statement) or frame.statement
    statement = without_return(statement) or statement
    text = "\n".join((*frame.imports, statement)) + "\n"
    runnable, _ = with_missing_imports(text, bindings(text, claim, keras, constructed(tracebacks)))
    missing = sorted(unbound(runnable))
    where = (
        f"`{frame.module}` is no distribution the harness installs (an application's own "
        "package, from its repository)"
    )
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        note = (
            f"{where}: the code stops at importing it; the statement that failed in "
            f"`{frame.file}` uses {names}, which the report does not show, so it cannot stand in"
        )
        return replace(code, notes=(*code.notes, note))
    block = CodeBlock(info="python", text=text, line=code.chosen.line, origin="traceback")
    shown = " with the imports its frame shows above it" if frame.imports else ""
    note = (
        f"code derived from the traceback: the failing statement of `{frame.file}`{shown}; "
        f"{where}, so the report's code would stop at importing it"
    )
    # The notes on how the replaced code was found are not this code's.
    kept = tuple(n for n in code.notes if not n.startswith(("code derived from", "code from")))
    return replace(code, chosen=block, others=(code.chosen, *code.others), notes=(*kept, note))
