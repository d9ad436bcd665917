"""What a pasted traceback tells beyond its error: the code that failed (the lines typed at
`<stdin>`, a notebook cell's, a pytest test's, the reporter's own frame, or the module being
imported), the installed packages it runs through, and the Keras layout and backend their
paths show."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from harness.repro.bug_report import pytest_output
from harness.repro.bug_report.ide_consoles import runs_a_script
from harness.repro.bug_report.python_code import MAGIC_CALL, parsed, with_missing_imports
from harness.repro.bug_report.shown_names import without_return, without_self_target
from harness.repro.bug_report.tracebacks import Frame, Traceback

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
# keras_core, Keras 3 before its release under the keras name, reads KERAS_BACKEND the same
# way: keras_core/src/backend/jax/ (keras_core/backend/jax/ in its first releases).
_KERAS_3_BACKEND = re.compile(
    r"(?:site|dist)-packages[\\/](?P<dir>(?:keras[\\/]src|keras_core(?:[\\/]src)?)[\\/]backend"
    r"[\\/](?P<name>jax|torch|numpy)[\\/])"
)


def keras_3_backend(text: str) -> tuple[str, str] | None:
    """The backend whose package an installed Keras 3 path in `text` is in (jax, torch,
    numpy), and that package's directory as the path writes it (`keras/src/backend/jax/`)."""
    match = _KERAS_3_BACKEND.search(text)
    return (match["name"], match["dir"].replace("\\", "/")) if match else None


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


_IMPORT_MACHINERY = re.compile(r"^<frozen importlib\.|[\\/]importlib[\\/]__init__\.py$")


def _past_machinery(traceback: Traceback) -> list[Frame]:
    """The traceback's frames but Python's import machinery's, which a module imported by
    name runs through first."""
    return [f for f in traceback.frames if not _IMPORT_MACHINERY.search(f.file)]


def starts_in_command(tracebacks: list[Traceback]) -> bool:
    """Whether a traceback starts in `File "<string>"` with no line shown, as a `python -c`
    command's does."""
    for traceback in tracebacks:
        frames = _past_machinery(traceback)
        if frames and frames[0].kind == "string" and not frames[0].lines:
            return True
    return False


def only_installed(tracebacks: list[Traceback]) -> str | None:
    """Where a traceback of installed code only starts, when no frame is the reporter's
    and none runs a module's top level (`keras/src/trainers/trainer.py` in `fit()`): the call
    that reached it is not in the report, so there is no code to take from it."""
    for traceback in reversed(tracebacks):
        frames = _past_machinery(traceback)
        if not frames or traceback.error is None:
            continue
        if any(f.kind != "library" for f in frames) or _imported_module([traceback]):
            return None
        return frames[0].file
    return None


def _imported_module(tracebacks: list[Traceback]) -> str | None:
    """The module being imported when a traceback of installed code only starts at the top
    level of that module (`.../site-packages/transformers/models/bart/modeling_tf_bart.py",
    line 25, in <module>`): importing it is what the reporter's code did."""
    for traceback in reversed(tracebacks):
        # Python's import machinery (`<frozen importlib._bootstrap>`, importlib's
        # import_module) runs first when a module is imported by name: the module it imports
        # is the first frame after it.
        frames = _past_machinery(traceback)
        # `python -c "import keras_hub"` prints `File "<string>", line 1, in <module>` with no
        # source line: the command is not in the paste, and the installed module after it is
        # what it imported.
        while frames and frames[0].kind in ("stdin", "string") and not frames[0].lines:
            frames = frames[1:]
        if not frames or traceback.error is None:
            continue
        first = frames[0]
        match = _MODULE_PATH.search(first.file)
        if first.module_level and match:
            return re.sub(r"[\\/]", ".", match["path"])
        return None
    return None


_RAISE = re.compile(r"^\s*raise\b")


def _own_frame(tracebacks: list[Traceback]) -> Frame | None:
    """The innermost frame of the reporter's own code. In a chained traceback whose last
    part ends at a `raise` of the reporter's (`raise RuntimeError(...) from e`), the code
    gave up there, and run alone that line would raise by itself: the call that failed is
    in the part it was handling."""
    for traceback in reversed(tracebacks):
        own = [f for f in traceback.frames if f.kind == "user" and f.lines]
        if own and traceback.chained and _RAISE.match(own[-1].lines[0]):
            continue
        if own:
            return own[-1]
    return None


# `Cell In[5]` (IPython 8.4 on; `Input In [5]` before it); older IPython's
# `<ipython-input-5-9a7e...>`, Colab's as a Markdown link to it.
_CELL_NUMBER = re.compile(r"^(?:Cell|Input) In\s*\[(?P<n>\d+)\]|<ipython-input-(?P<old>\d+)-")


@dataclass(frozen=True, kw_only=True)
class EarlierCells:
    """What cells run before the outer one define, as its traceback shows them."""

    code: str = ""  # their definitions, in the order the cells ran
    labels: tuple[str, ...] = ()  # those cells ("In[3]")
    cut: tuple[str, ...] = ()  # cells shown only in part (cut inside a body), left out


def _earlier_cells(outer: Frame, frames: list[Frame]) -> EarlierCells:
    """The definitions that cells run before `outer` show in its traceback (`Cell In[5]`
    calling `run`, which `Cell In[3]` defined): the outer cell alone would only raise
    NameError. A cell whose lines shown are not whole statements is left out, and named."""
    if _CELL_NUMBER.search(outer.file) is None:
        return EarlierCells()
    seen = {outer.file}
    found: list[tuple[int, str, str]] = []
    cut: list[str] = []
    defines = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.Import)
    for frame in frames:
        match = _CELL_NUMBER.search(frame.file)
        if frame.kind != "cell" or match is None or frame.file in seen:
            continue
        seen.add(frame.file)
        label = f"In[{match['n'] or match['old']}]"
        text = "\n".join(line for line in frame.lines if not MAGIC_CALL.match(line))
        tree = parsed(text)
        if tree is None:
            cut.append(label)
            continue
        if tree.body and all(isinstance(node, (*defines, ast.ImportFrom)) for node in tree.body):
            found.append((int(match["n"] or match["old"]), text, label))
    found.sort()
    return EarlierCells(
        code="\n".join(text for _, text, _ in found),
        labels=tuple(label for _, _, label in found),
        cut=tuple(cut),
    )


def _own_statement(user: Frame) -> tuple[str, str]:
    """The failing line of the reporter's own frame as a statement to run, and how."""
    code, how = user.lines[0], f"the innermost frame of the reporter's own `{user.file}`"
    value = without_self_target(code)
    if value is not None:
        code, how = value, how + " (its assignment's value: the report does not show `self`)"
    returned = without_return(code)
    if returned is not None:
        code, how = returned, how + " (its `return`'s value: the function's `def` is not shown)"
    if code.rstrip().endswith(":"):
        # `class Box(tf.keras.Model):` fails at its header: an empty body runs it.
        code, how = f"{code}\n    pass", how + " (its block's body left empty)"
    return code, how


def _only_definitions(code: str) -> bool:
    """Whether `code` only defines functions or classes: a cell's lines pasted from inside a
    method (`def call(self, inputs):` then `---> 25 x = F.relu(...)`) run nothing."""
    tree = parsed(code)
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return tree is not None and bool(tree.body) and all(isinstance(n, kinds) for n in tree.body)


def _from_cell(cell: Frame, frames: list[Frame]) -> tuple[str, str] | None:
    """A notebook cell's (or a console-run script's) lines up to the failing one, after what
    earlier cells it calls defined."""
    lines = [line for line in cell.lines if not MAGIC_CALL.match(line)]
    script = re.search(r"\.py$", cell.file) and "ipykernel_" not in cell.file
    shown = f"`{cell.file}`'s" if script else "the notebook cell's"
    code, how = "\n".join(lines), f"{shown} lines up to the failing one"
    element = _cut_element(lines) if parsed(code) is None else None
    if element is not None:
        code = element
        how += (
            ", the statement the arrow points into being cut (its closing lines not shown): "
            "the arrowed line's own element, run alone"
        )
    if _only_definitions(code):
        return None  # the failing line is in a function's body; its call is not shown
    earlier = _earlier_cells(cell, frames)
    if earlier.code:
        code = f"{earlier.code}\n{code}"
        how += f", after what {' and '.join(earlier.labels)} defined (its lines shown)"
    if earlier.cut:
        how += f" ({' and '.join(earlier.cut)}, which it calls, is shown only in part)"
    return code, how


def _cut_element(lines: list[str]) -> str | None:
    """Where a cell's shown lines stop inside a statement (Colab shows two lines past the
    arrow: `model = Sequential([` then `----> 3 Dense(6, activation=bad),` then two more
    layers), the arrowed line's element, a call, after the whole statements above it."""
    element = lines[-1].strip().removesuffix(",").strip() if lines else ""
    if not lines[-1].rstrip().endswith(",") or not re.match(r"[A-Za-z_][\w.]*\(", element):
        return None
    if parsed(element) is None:
        return None
    whole = next(n for n in range(len(lines) - 1, -1, -1) if parsed("\n".join(lines[:n])))
    return "\n".join([*lines[:whole], element])


def derived_code(tracebacks: list[Traceback]) -> tuple[str, str] | None:
    """A minimal script from the frames, and how it was derived."""
    frames = [f for t in tracebacks for f in t.frames if f.lines]
    typed = [f.lines[0] for f in frames if f.kind in ("stdin", "string")]
    # A console's `runfile('x.py')` cell only ran the script whose frames follow.
    cells = [f for f in frames if f.kind == "cell" and not runs_a_script("\n".join(f.lines))]
    if not cells and _own_frame(tracebacks) is None:
        cells = [f for f in frames if f.kind == "cell"]
    if typed:
        code, how = "\n".join(dict.fromkeys(typed)), "the lines typed at `<stdin>`/`<string>`"
    elif cells:
        found = _from_cell(cells[0], frames)
        return _completed(*found) if found is not None else None
    elif tested := [f for f in frames if f.pytest and f.kind == "user"]:
        # pytest's first frame of the reporter's is the test; a collection error starts in
        # pytest's own frames, then the test module's.
        test = next((f for f in tested if pytest_output.is_test_file(f.file)), tested[0])
        body, name = pytest_output.test_body(test.lines)
        code = "\n".join(body)
        what = f"test `{name}`" if name else "frame"
        how = f"the lines of the {what} in the reporter's `{test.file}`, as pytest shows them"
        if re.search(r"\bself\.", code):
            how += " (a test class's method: the report does not show the class behind `self`)"
    elif (user := _own_frame(tracebacks)) is not None:
        code, how = _own_statement(user)
    else:
        imported = _imported_module(tracebacks)
        if imported is None:
            return None
        code, how = (
            f"import {imported}",
            (f"importing `{imported}`, the installed module the traceback starts in"),
        )
    return _completed(code, how)


def _completed(code: str, how: str) -> tuple[str, str] | None:
    """The derived code with the imports its names need, if it compiles."""
    code, added = with_missing_imports(code)
    if parsed(code) is None:
        return None
    if added:
        how += f", with {' and '.join(f'`{a}`' for a in added)} added for the names it uses"
    return code + "\n", how


# Installed layouts only some releases have, as a traceback's paths or the claimed error's
# module names show them: the distribution, the first release without it, and what showed it.
# TensorFlow 1.15-2.1 kept their code in `tensorflow_core`; 1.x named its API modules
# `tensorflow._api.v1`; multi-backend Keras (up to 2.3) had keras/backend/tensorflow_backend.py
# and keras/legacy/, both gone from 2.4, which runs on tf.keras.
_OLD_LAYOUTS = (
    # TensorFlow 1.x's graph API, gone from 2.0, called by multi-backend Keras's own backend
    # file ("module 'tensorflow' has no attribute 'get_default_graph'" raised there): Keras
    # 2.3 moved it to tf.compat.v1 and runs on TensorFlow 2, so it ran a Keras before 2.3.
    (
        re.compile(
            r"^module 'tensorflow' has no attribute '(?:placeholder|sparse_placeholder"
            r"|get_default_graph|reset_default_graph|Session|InteractiveSession|ConfigProto"
            r"|GPUOptions|set_random_seed|global_variables_initializer|variables_initializer"
            r"|variable_scope|get_variable|random_uniform|truncated_normal|to_float|to_int32"
            r"|assign|assign_add|local_variables_initializer)'\n[\s\S]*"
            r"keras[\\/]backend[\\/]tensorflow_backend\.py"
        ),
        ("keras", "2.3", "TensorFlow 1.x's API called in keras/backend/tensorflow_backend.py"),
    ),
    (
        re.compile(r"\btensorflow_core\b"),
        ("tensorflow", "2.2", "`tensorflow_core`, TensorFlow 1.15-2.1's layout"),
    ),
    (
        re.compile(r"\btensorflow[\\/.]_api[\\/.]v1\b"),
        ("tensorflow", "2.0", "`tensorflow._api.v1`, TensorFlow 1.x's API"),
    ),
    (
        re.compile(
            r"(?:site|dist)-packages[\\/]keras[\\/](?:backend[\\/]\w+_backend\.py|legacy[\\/])"
        ),
        ("keras", "2.4", "`keras/backend/tensorflow_backend.py`, multi-backend Keras's layout"),
    ),
)


def old_layouts(
    tracebacks: list[Traceback], claim_message: str, shown_backend: str = ""
) -> tuple[tuple[str, str, str], ...]:
    """(distribution, first release without the layout, what shows it) for each installed
    layout of older releases that the tracebacks' files or the claimed error's message show,
    and multi-backend Keras for the backend it said it ran on (`shown_backend`: its words,
    "Using TensorFlow backend.", printed by Keras up to 2.3 only: 2.4 runs on tf.keras)."""
    shown = "\n".join([claim_message, *(frame.file for t in tracebacks for frame in t.frames)])
    found: list[tuple[str, str, str]] = []
    for pattern, layout in _OLD_LAYOUTS:
        if pattern.search(shown) and all(layout[0] != f[0] for f in found):
            found.append(layout)
    if shown_backend.startswith("Using ") and all(f[0] != "keras" for f in found):
        found.append(("keras", "2.4", f"`{shown_backend}.`, multi-backend Keras's own line"))
    return tuple(found)
