"""Code a report runs from a shell (`python -c '...'`, `python - <<EOF`), with what it printed
right after it; and the import a report names in words when it shows no code at all."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from harness.repro.bug_report import prose_runs, tracebacks
from harness.repro.bug_report.aliases import ALIASES, PINNED_PACKAGES
from harness.repro.bug_report.distributions import distribution_of
from harness.repro.bug_report.model import CodeBlock, ReportedError
from harness.repro.bug_report.other_languages import (
    IMPORT_AFTER,
    IMPORT_BEFORE,
    LATIN_WORD,
    PHRASE_ENDS,
)
from harness.repro.bug_report.python_code import Candidate, parse_prefix, parsed

PYTHON_C = re.compile(
    r"(?<![\w./-])python(?:3(?:\.\d+)?)?(?:\.exe)?\s+(?:-[A-Zbu]+\s+)*-c\s*(?P<quote>['\"])"
)
_HEREDOC = re.compile(
    r"(?<![\w./-])python(?:3(?:\.\d+)?)?\s+-\s*<<-?\s*['\"]?(?P<tag>\w+)['\"]?[^\n]*\n"
)


def python_c(text: str) -> list[Candidate]:
    """The `python -c '...'` programs in a report's text."""
    out: list[Candidate] = []
    for match in PYTHON_C.finditer(text):
        quote = match["quote"]
        start = match.end()
        end = start
        while end < len(text) and text[end] != quote:
            end += 2 if quote == '"' and text[end] == "\\" else 1
        if end >= len(text):
            continue
        code = text[start:end]
        if quote == '"':
            code = re.sub(r"\\([\"\\$`])", r"\1", code)
        program = _wrapped(code) or parse_prefix(code.splitlines())
        if program is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = " ".join(text[: match.start()].splitlines()[-4:])
        out.append(
            Candidate(
                block=CodeBlock(
                    info="python -c", text=program, line=line, before=before, origin="python -c"
                ),
                span=(start, end),
                raised=_raised(_output_after(text, end)),
            )
        )
    for match in _HEREDOC.finditer(text):
        closing = re.compile(rf"^{re.escape(match['tag'])}\s*$", re.MULTILINE)
        found = closing.search(text, match.end())
        if found is None:
            continue
        parsed = parse_prefix(text[match.end() : found.start()].splitlines())
        if parsed is not None:
            line = text.count("\n", 0, match.end()) + 1
            out.append(
                Candidate(
                    block=CodeBlock(
                        info="python heredoc", text=parsed, line=line, origin="python -c"
                    ),
                    span=(match.end(), found.start()),
                )
            )
    return out


def _wrapped(code: str) -> str | None:
    """A one-line program a console wrapped at its width (Windows' cmd breaks
    `python -c "import tensorflow as tf;print(...)"` after `import`), joined again; None when
    its lines are Python's own or the program is not one line wrapped."""
    if "\n" not in code or parse_prefix(code.splitlines()) == code.strip() + "\n":
        return None
    joined = code.replace("\r", "").replace("\n", "")
    if parsed(joined) is None:
        return None
    return joined.strip() + "\n"


_COMMAND_LINE = re.compile(
    r"^\s*(?:```|~~~|\$\s|>>>|.*[$#>]\s*(?:python|pip|conda|uv|cd|export|source)\b)"
)


def _output_after(text: str, end: int) -> str:
    """What a command printed: the lines after the one it ends on, up to the next command,
    the end of its code block, or the prose that follows (a blank line, then a line that
    introduces something or another blank line)."""
    lines = text[text.find("\n", end) + 1 :].splitlines() if "\n" in text[end:] else []
    out: list[str] = []
    for index, line in enumerate(lines[:200]):
        if _COMMAND_LINE.match(line) or PYTHON_C.search(line):
            break
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line.strip() and (not following.strip() or following.rstrip().endswith(":")):
            break
        out.append(line)
    return "\n".join(out)


def _raised(output: str) -> bool:
    return "Traceback (most recent call last)" in output or any(
        tracebacks.ERROR_LINE.match(line) for line in output.splitlines()
    )


# "when I import keras", "importing `tf_keras` fails", "导入keras时", "al importar keras", "при
# импорте keras", "from keras.layers import Dense fails", "Cannot import keras-hub" (a
# distribution's name: its module is keras_hub); Japanese and Korean put the verb after it:
# "kerasをインポートすると", "keras를 import하면".
_PROSE_IMPORT = re.compile(
    r"(?:\bfrom[ \t]+(?P<package>[A-Za-z_][\w.]*)[ \t]+(?=import[ \t]+\w))?"
    r"(?:\bimport(?:ing)?[ \t]+|"
    + IMPORT_BEFORE
    + r")[`'\"“]?"
    + r"(?P<module>[A-Za-z_][A-Za-z0-9_.]*(?:-[A-Za-z][A-Za-z0-9]*)*)[`'\"”]?(?P<after>[^\n]{0,12})"
    # (no dashes here: each dash-joined part would start a scan to the run's end)
    + r"|(?<![.\-])(?<!"
    + LATIN_WORD
    + r")[`'\"“]?(?P<object>[A-Za-z_][A-Za-z0-9_.]*)[`'\"”]?(?="
    + IMPORT_AFTER
    + r")",
    re.IGNORECASE,
)
# An import statement in a code span: "Running `import tensorflow.compat.v2 as tf` causes",
# "`import keras_hub` triggers:".
_INLINE_IMPORT = re.compile(r"(?<!`)`(?P<code>(?:import|from)[ \t]+[^`\n]+)`(?!`)")
_SENTENCE_GOES_ON = re.compile(
    r"^\s*(?:$|[.,;:!?)"
    + PHRASE_ENDS
    + r"]|(?:it|i|and|then|but|in|on|from|gives?|fails?|causes?|throws?"
    r"|raises?|results?|leads?|shows?)\b)",
    re.IGNORECASE,
)
# "I tried 'from tensorflow.keras import backend as K' instead of 'from keras import backend as
# K'": the import written first is the reporter's attempted fix, the one after "instead of"
# what failed.
_REPLACED = re.compile(r"[^\n]{0,30}?\binstead\s+of\b", re.IGNORECASE)
# An import the prose says works is not the one that failed.
_WORKS = re.compile(
    r"[`'\"”]?[ \t]+(?:works?|worked|is[ \t]+(?:fine|ok(?:ay)?)|runs?[ \t]+fine"
    r"|succeeds?|succeeded)\b",
    re.IGNORECASE,
)
_NOT_MODULES = frozenset(
    (
        *("the", "a", "an", "it", "this", "that", "these", "those", "my", "our", "your"),
        *("any", "all", "some", "of", "from", "and", "to", "is", "was", "them"),
        *("data", "model", "models", "module", "modules", "package", "packages"),
        *("library", "libraries", "error", "errors", "statement", "statements", "line", "lines"),
    )
)


def from_prose(
    prose: str, *, claim: str = "", shown: list[tracebacks.Traceback] | None = None
) -> CodeBlock | None:
    """`import X` where the reporter says the error comes at importing X and shows no code:
    a package this knows, or any module name that ends the phrase ("when I import gctf").
    Of several, the first, unless a later one imports the module the claimed error names: a
    report that changes as it goes ("I can import keras now, but 'from keras.model import
    Sequential' raises No module named 'keras.model'") claims what its last statement raised."""
    if _fails_past_imports(shown or []):
        return None  # the traceback shows the statement that failed, and it is no import
    found = list(_prose_imports(prose))
    words = set(re.findall(r"[\w.]+", claim))
    # A package this knows: "DLL load failed while importing _pywrap_tensorflow_internal"
    # names the module, and the reporter imported tensorflow.
    named = [
        b
        for b in found
        if parsed(b.text) is not None and _known(b.text.split()[1]) and (_modules(b.text) & words)
    ]
    chosen = named or found
    return chosen[0] if chosen else None


def _prose_imports(prose: str) -> Iterator[CodeBlock]:
    for match in _PROSE_IMPORT.finditer(prose):
        group = "module" if match["module"] else "object"
        module = match[group].rstrip(".").replace("-", "_")
        top = module.split(".")[0].lower()
        if top in _NOT_MODULES or _REPLACED.match(prose, match.end(group)):
            continue
        if _WORKS.match(prose, match.end(group)):
            continue  # "from x import A works well, but from x import B doesn't"
        known = _known(top)
        package = match["package"] or ""
        if package and package.split(".")[0].lower() not in _NOT_MODULES:
            # The package a `from X import Y` names is the module that runs; Y alone is a
            # name inside it, never a module to import ("after from nbx.run import Grid").
            if not _parses(f"from {package} import {module}"):
                continue
            text, known = f"from {package} import {module}", True
        else:
            text = f"import {module}"
        # A name before its verb ("kerasをインポート") is a module: the phrase ends at the verb.
        if known or match["object"] or _SENTENCE_GOES_ON.match(match["after"]):
            line = prose.count("\n", 0, match.start()) + 1
            yield CodeBlock(
                info="python (from the prose)", text=text + "\n", line=line, origin="prose"
            )


def inline_imports(
    prose: str,
    *,
    claim: ReportedError | None = None,
    shown: list[tracebacks.Traceback] | None = None,
) -> CodeBlock | None:
    """An import statement the reporter wrote as a code span, when the report has no other
    code, and its sentence says they ran it (`prose_runs`): the one whose module the claimed
    error names, else the last one written. None
    where the `shown` tracebacks fail in the reporter's own lines at a statement other than an
    import (`x = F.relu(self.conv1(inputs))`): an import is not what failed there."""
    if _fails_past_imports(shown or []):
        return None
    found: list[tuple[int, str]] = []
    for match in _INLINE_IMPORT.finditer(prose):
        if _WORKS.match(prose, match.end()) or not prose_runs.said_run(
            prose, match.start(), match.end()
        ):
            continue
        code = match["code"].strip().rstrip(";")
        tree = parsed(code)
        if tree is not None and all(
            isinstance(node, ast.Import | ast.ImportFrom) for node in tree.body
        ):
            found.append((prose.count("\n", 0, match.start()) + 1, code))
    if not found:
        return None
    words = set(re.findall(r"[\w.]+", claim.message if claim else ""))
    named = [item for item in found if _modules(item[1]) & words]
    line, code = (named or found)[-1]
    return CodeBlock(info="python (a code span)", text=code + "\n", line=line, origin="prose")


def _fails_past_imports(shown: list[tracebacks.Traceback]) -> bool:
    """Whether the reporter's own frames show failing lines and none of them is an import."""
    failing = [
        f.lines[-1].strip() for t in shown for f in t.frames if f.kind != "library" and f.lines
    ]
    trees = [parsed(line) for line in failing]
    statements = [tree.body[0] for tree in trees if tree is not None and len(tree.body) == 1]
    return bool(statements) and not any(
        isinstance(node, ast.Import | ast.ImportFrom) for node in statements
    )


def _known(module: str) -> bool:
    top = module.split(".", maxsplit=1)[0].lower()
    return bool(top) and (top in ALIASES or distribution_of(top) in PINNED_PACKAGES)


def _parses(code: str) -> bool:
    return parsed(code) is not None


def _modules(code: str) -> set[str]:
    """The modules an import statement names, and each of their parents."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            names.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return names


# `cannot import name 'ops' from 'keras' (C:\\...\\keras\\__init__.py)`, also `from partially
# initialized module 'keras.api._v2'` (a circular import). A message pasted up to its module
# without the closing quote (`from 'keras.utils`, the rest of the line cut) names it too.
_CANNOT_IMPORT = re.compile(
    r"^cannot import name '(?P<name>\w+)' from (?:partially initialized module )?"
    r"'(?P<module>[\w.]+)(?:'|\s*$)"
)
# `module 'keras.utils' has no attribute 'generic_utils'`
# The closing quote optional: a paste cut after the name ("... has no attribute 'get_session").
_NO_ATTRIBUTE = re.compile(r"^module '(?P<module>[\w.]+)' has no attribute '(?P<name>\w+)'?")
# `No module named 'keras.legacy'`: keras is there and lacks `legacy`.
_NO_SUBMODULE = re.compile(r"^No module named '(?P<module>(?P<parent>[\w.]+)\.\w+)(?:'|\s*$)")


def from_error(claim: ReportedError) -> CodeBlock | None:
    """The statement the error names, when the report shows no code: `from Y import X` for
    X that cannot be imported from Y, `import Y` then `Y.X` for a module Y with no attribute
    X (of a package this knows), whichever code ran it, `import Y.Z` for a package Y this knows
    with no module Z. (Not `import Y` for "No module named 'Y'": that only shows Y is missing,
    which the report already says.)"""
    match = _CANNOT_IMPORT.match(claim.message)
    missing = _NO_SUBMODULE.match(claim.message)
    if match is not None and claim.short_type in ("ImportError", "ModuleNotFoundError"):
        text = f"from {match['module']} import {match['name']}\n"
    elif (
        missing is not None
        and claim.short_type in ("ImportError", "ModuleNotFoundError")
        and _known(missing["parent"])
    ):
        text = f"import {missing['module']}\n"
    else:
        match = _NO_ATTRIBUTE.match(claim.message)
        if match is None or claim.short_type != "AttributeError" or not _known(match["module"]):
            return None
        text = f"import {match['module']}\n{match['module']}.{match['name']}\n"
    return CodeBlock(info="python (from the error)", text=text, line=1, origin="prose")


# A library that imports its modules lazily says which one failed (Hugging Face's
# transformers): "Failed to import transformers.models.bert.modeling_tf_bert because of ...".
_LAZY_IMPORT = re.compile(r"^Failed to import (?P<module>[\w.]+) because of the following error")


def named_modules(claim: ReportedError | None) -> list[str]:
    """The modules an error says are there but lack something (`module 'keras.utils' has no
    attribute ...`, `cannot import name 'x' from 'keras.src.y'`, `No module named
    'keras.legacy'`): their packages ran."""
    if claim is None:
        return []
    found = [p.match(claim.message) for p in (_CANNOT_IMPORT, _NO_ATTRIBUTE, _LAZY_IMPORT)]
    missing = _NO_SUBMODULE.match(claim.message)
    parent = [missing["parent"]] if missing is not None else []
    return [match["module"] for match in found if match is not None] + parent


def unrun_import(prose: str) -> str | None:
    """The first import span the prose writes without saying the reporter ran it."""
    for match in _INLINE_IMPORT.finditer(prose):
        if parsed(match["code"].strip().rstrip(";")) is not None and not prose_runs.said_run(
            prose, match.start(), match.end()
        ):
            return match["code"].strip()
    return None
