"""What an installed library's module had imported before the line its traceback fails at.

A notebook traceback shows a few lines of each frame above its arrow. In a frame running a
module's top level, the imports among those lines at the margin ran and succeeded: the
reporter had their distributions installed, whether the library declares them or not
(keras-vggface imports keras_applications and requires nothing).
"""

from __future__ import annotations

import ast

from harness.repro.bug_report.python_code import parsed
from harness.repro.bug_report.tracebacks import Traceback


def imported_before_failing(tracebacks: list[Traceback]) -> list[str]:
    """Modules an installed library imported, at its module's top level, in the lines a
    notebook traceback shows above its failing one (`15 from keras_applications.x import y`
    then `---> 16 from keras.utils import layer_utils`): those imports succeeded, so the
    reporter had their distributions installed, declared by the library or not."""
    found: list[str] = []
    for traceback in tracebacks:
        for frame in traceback.frames:
            if frame.kind != "library" or not frame.module_level:
                continue
            for module in _top_level_imports(frame.lines[:-1]):
                if module not in found:
                    found.append(module)
    return found


def _top_level_imports(lines: tuple[str, ...]) -> list[str]:
    """The absolute imports among `lines` at the module's margin; the first lines may be the
    tail of a statement the paste cut, and are dropped until the rest is Python."""
    for start in range(len(lines)):
        tree = parsed("\n".join(lines[start:]))
        if tree is None:
            continue
        modules: list[str] = []
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.append(node.module)
        return [module.split(".")[0] for module in modules]
    return []
