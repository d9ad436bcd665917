"""Names a snippet uses unbound whose binding the rest of the report shows: an alias the
claimed error names the module of (`KE.Layer` beside "module 'keras.engine' has no attribute
'Layer'" is `keras.engine`), Keras's classes and `K` from the one Keras the report runs
(its traceback's installed paths, Keras's own "Using TensorFlow backend." line, the module
the error names), and the method's object behind a statement taken from a method
(`self.model = Sequential()` runs its value), and a function's `return`/`yield` line, whose
`def` the frame does not show, runs its value (`return K.tf.gather_nd(seq, idxs)`)."""

from __future__ import annotations

import ast
import re

from harness.repro.bug_report.model import CodeBlock, ReportedError
from harness.repro.bug_report.python_code import unbound
from harness.repro.bug_report.tracebacks import Traceback

_MODULE_LACKS = re.compile(
    r"^module '(?P<module>[A-Za-z_][\w.]*)' has no attribute '(?P<attr>\w+)'?"
)

# The classes and functions a Keras snippet most often uses bare (`from keras.models import
# Sequential` was in an earlier cell or above the pasted frame), each with its module.
_KERAS_NAMES = {
    **dict.fromkeys(("Sequential", "Model", "load_model", "model_from_json"), "models"),
    **dict.fromkeys(
        (
            *("Input", "Dense", "Dropout", "Flatten", "Activation", "Conv2D", "MaxPooling2D"),
            *("LSTM", "GRU", "Embedding", "BatchNormalization", "Lambda", "Layer", "Reshape"),
        ),
        "layers",
    ),
    **dict.fromkeys(("Adam", "SGD", "RMSprop"), "optimizers"),
}
_PACKAGE = {"keras": "keras", "tf.keras": "tensorflow.keras"}

# Standalone Keras's installed files, and tf.keras's (TensorFlow 2.0-2.1 under tensorflow_core).
_STANDALONE_PATH = re.compile(r"(?:site|dist)-packages[\\/]keras[\\/]")
_TF_KERAS_PATH = re.compile(
    r"(?:site|dist)-packages[\\/]tensorflow(?:_core)?[\\/](?:python[\\/])?keras[\\/]"
)
# Multi-backend Keras (up to 2.3) says which backend it loaded when first imported.
_USING_BACKEND = re.compile(
    r"^[ \t]*Using (?:TensorFlow|Theano|CNTK) backend\.?[ \t]*$", re.MULTILINE
)


def shown_keras(text: str, tracebacks: list[Traceback], claim: ReportedError | None) -> str | None:
    """The one Keras the report shows running ('keras' or 'tf.keras'), None when it shows
    both or neither: a guess there could import another Keras than the reporter's."""
    files = [frame.file for traceback in tracebacks for frame in traceback.frames]
    message = claim.message if claim is not None else ""
    shown = set()
    if any(_STANDALONE_PATH.search(f) for f in files) or _USING_BACKEND.search(text):
        shown.add("keras")
    if re.match(r"module 'keras[.']", message):
        shown.add("keras")
    if any(_TF_KERAS_PATH.search(f) for f in files):
        shown.add("tf.keras")
    return shown.pop() if len(shown) == 1 else None


_INSTALLED_MODULE = re.compile(
    r"(?:site|dist)-packages[\\/](?P<path>[A-Za-z_][\w\\/]*?)(?:[\\/]__init__)?\.py$"
)


def constructed(tracebacks: list[Traceback]) -> dict[str, str]:
    """Classes the reporter's frame calls whose `__init__` the next frame runs in installed
    code (`detector = ObjectDetection()` then `.../site-packages/imageai/Detection/__init__.py`
    in `__init__`): each name, with the module that defines it."""
    found: dict[str, str] = {}
    for traceback in tracebacks:
        for caller, callee in zip(traceback.frames, traceback.frames[1:], strict=False):
            installed = _INSTALLED_MODULE.search(callee.file)
            if callee.function != "__init__" or installed is None or not caller.lines:
                continue
            module = re.sub(r"[\\/]", ".", installed["path"])
            for name in re.findall(r"\b([A-Z]\w*)\s*\(", caller.lines[-1]):
                found.setdefault(name, module)
    return found


def bindings(
    code: str,
    claim: ReportedError | None,
    keras: str | None,
    classes: dict[str, str] | None = None,
) -> dict[str, str]:
    """An import for each name the code uses unbound that the report's claim, its Keras or
    the installed class its traceback enters (`classes`, see `constructed`) binds, with the
    name it binds."""
    free = unbound(code)
    found: dict[str, str] = {
        name: f"from {module} import {name}"
        for name, module in (classes or {}).items()
        if name in free
    }
    lacks = _MODULE_LACKS.match(claim.message) if claim is not None else None
    if lacks is not None:
        for name in sorted(free - found.keys()):
            if f"{name}.{lacks['attr']}" in _attribute_uses(code):
                found[name] = _import_as(lacks["module"], name)
    for name in sorted(free - found.keys()):
        if keras is None:
            break
        if name in _KERAS_NAMES:
            found[name] = f"from {_PACKAGE[keras]}.{_KERAS_NAMES[name]} import {name}"
        elif name == "K":
            found[name] = f"from {_PACKAGE[keras]} import backend as K"
    return found


def bindings_for(
    block: CodeBlock | None,
    claim: ReportedError | None,
    keras: str | None,
    tracebacks: list[Traceback],
) -> dict[str, str]:
    """`bindings` of a chosen block's code; none without one."""
    if block is None:
        return {}
    return bindings(block.text, claim, keras, constructed(tracebacks))


def _attribute_uses(code: str) -> set[str]:
    """`name.attr` for each attribute the code reads off a bare name."""
    tree = ast.parse(code)
    return {
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }


def _import_as(module: str, name: str) -> str:
    """The import that binds `module` as `name`. TensorFlow 2.0-2.1 named their modules
    `tensorflow_core.*` in errors; the reporter imported them as `tensorflow.*`."""
    module = re.sub(r"^tensorflow_core\b", "tensorflow", module)
    if "." not in module:
        return f"import {module} as {name}"
    parent, last = module.rsplit(".", 1)
    return f"from {parent} import {last} as {name}"


_SELF_ASSIGNMENT = re.compile(r"^self(?:\.\w+)+\s*=(?!=)\s*(?P<value>\S.*)$", re.DOTALL)


def without_self_target(statement: str) -> str | None:
    """The value of `self.model = Sequential()` taken from a method: `self` is the method's
    object, which the report does not show, and the value is what raised."""
    match = _SELF_ASSIGNMENT.match(statement.strip())
    if match is None or "self" in unbound(match["value"]):
        return None
    return match["value"]


# `return x` / `yield x` / `yield from x`: only a function's body may hold them.
_RETURNED = re.compile(r"^(?:return|yield(?:[ \t]+from)?)[ \t]+(?P<value>\S.*)$", re.DOTALL)


def without_return(statement: str) -> str | None:
    """The value of a frame's `return K.tf.gather_nd(seq, idxs)`: the frame is inside a
    function the traceback shows no `def` of, so the line alone would not compile ("'return'
    outside function"), while its value is what raised."""
    match = _RETURNED.match(statement.strip())
    if match is None:
        return None
    try:
        ast.parse(match["value"], mode="eval")
    except SyntaxError:
        return None
    return match["value"]
