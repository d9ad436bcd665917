"""Code a report runs from a shell (`python -c '...'`, `python - <<EOF`), with what it printed
right after it; and the import a report names in words when it shows no code at all."""

from __future__ import annotations

import re

from harness.repro.bug_report import tracebacks
from harness.repro.bug_report.aliases import ALIASES, PINNED_PACKAGES
from harness.repro.bug_report.distributions import distribution_of
from harness.repro.bug_report.model import CodeBlock
from harness.repro.bug_report.python_code import Candidate, parse_prefix

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
        parsed = parse_prefix(code.splitlines())
        if parsed is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = " ".join(text[: match.start()].splitlines()[-4:])
        out.append(
            Candidate(
                block=CodeBlock(
                    info="python -c", text=parsed, line=line, before=before, origin="python -c"
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


# "when I import keras", "importing `tf_keras` fails", "导入keras时".
_PROSE_IMPORT = re.compile(
    r"(?:\bimport(?:ing)?[ \t]+|导入[ \t]*)[`'\"“]?(?P<module>[A-Za-z_][A-Za-z0-9_.]*)[`'\"”]?"
    r"(?P<after>[^\n]{0,12})",
    re.IGNORECASE,
)
_SENTENCE_GOES_ON = re.compile(
    r"^\s*(?:$|[.,;:!?)时]|(?:it|i|and|then|but|in|on|from|gives?|fails?|causes?|throws?"
    r"|raises?|results?|leads?|shows?)\b)",
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


def from_prose(prose: str) -> CodeBlock | None:
    """`import X` where the reporter says the error comes at importing X and shows no code:
    a package this knows, or any module name that ends the phrase ("when I import gctf")."""
    for match in _PROSE_IMPORT.finditer(prose):
        module = match["module"].rstrip(".")
        top = module.split(".")[0].lower()
        if top in _NOT_MODULES:
            continue
        known = top in ALIASES or distribution_of(top) in PINNED_PACKAGES
        if known or _SENTENCE_GOES_ON.match(match["after"]):
            line = prose.count("\n", 0, match.start()) + 1
            return CodeBlock(
                info="python (from the prose)", text=f"import {module}\n", line=line, origin="prose"
            )
    return None
