"""The code a report runs, wherever it is: a Python block (notebook lines and REPL prompts
taken out), a `python -c` line, code pasted into the prose or into a shell-fenced template
field, or, when there is nothing else, what a traceback shows of it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from harness.repro.bug_report import message_quotes, pytest_output, traceback_facts
from harness.repro.bug_report import tracebacks as report_tracebacks
from harness.repro.bug_report.code_facts import trivial
from harness.repro.bug_report.fix_intros import introduces_fix
from harness.repro.bug_report.ide_consoles import runs_a_script
from harness.repro.bug_report.model import CodeBlock
from harness.repro.bug_report.project_files import is_setup_script
from harness.repro.bug_report.python_code import (
    MAGIC_CALL,
    Candidate,
    does_something,
    parse_prefix,
)
from harness.repro.bug_report.shell import python_c

PYTHON_LANGUAGES = ("python", "py", "python3", "ipython", "ipython3", "pycon", "jupyter")
_NOT_CODE = ("json", "yaml", "yml", "toml", "ini", "diff", "html", "xml", "csv", "markdown", "md")
# IPython's continuation prompt `   ...:` is indented: `(?<=\s)` says so without a second run
# of spaces (`\s*` then `\s+`), whose every split of a long run would be tried.
_PROMPT = re.compile(r"^\s*(?:>>>|\.\.\.(?=\s|$)|In \[\d*\]:|(?<=\s)\.\.\.:)\s?(?P<rest>.*)$")
_OUTPUT_PROMPT = re.compile(r"^\s*Out\[\d*\]:")
_IPYTHON_RULE = re.compile(r"^-{20,}\s*$")
_STATEMENT = re.compile(
    r"^(?:import\s+[\w.]+|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+|@[\w.]+"
    r"|(?:for|while|if|elif|with)\s.*:\s*(?:#.*)?$|(?:else|try|finally)\s*:|except\b|return\b"
    r"|raise\b|assert\s|print\s*\(|del\s)"
)
_ASSIGNMENT = re.compile(
    r"^[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\s*,\s*[A-Za-z_]\w*)*\s*[-+*/]?=(?!=)\s*\S"
)
_CALL = re.compile(r"^[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*\(")
_HINT = re.compile(r"reproduc|snippet|minimal|standalone|code|example|script|steps", re.IGNORECASE)
_ORIGIN_RANK = {"block": 3, "shell block": 2, "python -c": 2, "unfenced": 1, "traceback": 0}


@dataclass(frozen=True, kw_only=True)
class Reading:
    """The code a report runs: the block chosen, the others, and notes on the choice."""

    chosen: CodeBlock | None
    others: tuple[CodeBlock, ...]
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]
    # Why no code was taken from the traceback, when none was chosen.
    no_code: str = ""
    # Code the report introduces as the fix: not run, and its settings are not the run's.
    cures: tuple[Candidate, ...] = ()


def read(found: list[CodeBlock], prose: str, *, text: str, claim_text: str) -> Reading:
    """The code to run, chosen among a report's blocks, `python -c` lines and unfenced prose."""
    candidates, colab = _without_colab([*_from_blocks(found), *python_c(text), *_unfenced(prose)])
    # Snippets an exception's message quotes (Keras 3's KerasTensor error) are the library's;
    # a setup.py is how the project is packaged (its requirements are read as a step's).
    quoted = message_quotes.quoted_lines(text)
    candidates = [
        c for c in candidates if not c.lines & quoted and not is_setup_script(c.block.text)
    ]
    # Code the prose above introduces as the cure ("Below is a corrected example:") ran fine.
    cures = [c for c in candidates if introduces_fix(c.block.before)]
    candidates = [c for c in candidates if c not in cures]
    reading = _choose(candidates, colab, claim_text)
    if not cures:
        return reading
    where = ", ".join(str(c.block.line) for c in cures)
    note = f"code the report introduces as the fix (line {where}) is not what failed: not run"
    return replace(reading, notes=(*reading.notes, note), cures=tuple(cures))


def _choose(candidates: list[Candidate], colab: set[int], claim_text: str) -> Reading:
    tracebacks = report_tracebacks.parse(claim_text)
    # A console's `runfile('x.py', wdir=...)` only ran the script the traceback shows.
    runners = [c for c in candidates if runs_a_script(c.block.text)]
    if runners and traceback_facts.derived_code(tracebacks) is not None:
        candidates = [c for c in candidates if c not in runners]
    failing = traceback_facts.failing_lines(tracebacks)
    # A traceback that starts in `File "<string>"` (no line shown) is a `python -c` command's:
    # the report's own `python -c` line is what raised it, however small.
    from_command = traceback_facts.starts_in_command(tracebacks)
    # Code that only prints versions is not what failed: what the traceback shows is nearer.
    only_checks = all(
        trivial(c.block.text)
        and not c.raised
        and not (from_command and c.block.origin == "python -c")
        and not any(line.strip() in failing for line in c.block.text.splitlines())
        for c in candidates
    )
    if only_checks:
        derived = traceback_facts.derived_code(tracebacks)
        if derived is not None:
            code, how = derived
            block = CodeBlock(info="python", text=code, line=1, origin="traceback")
            checks = tuple(sorted((c.block for c in candidates), key=lambda b: b.line))
            return Reading(
                chosen=block,
                others=checks,
                candidates=tuple(candidates),
                notes=(f"code derived from the traceback: {how}",),
            )
    if not candidates:
        installed = traceback_facts.only_installed(tracebacks)
        why = (
            f"its traceback shows only installed code, from `{installed}` on, not the "
            "reporter's call that reached it"
            if installed
            else ""
        )
        return Reading(chosen=None, others=(), candidates=(), notes=(), no_code=why)

    def score(candidate: Candidate) -> tuple[int, int, int, int, int, int]:
        block = candidate.block
        ran = any(line.strip() in failing for line in block.text.splitlines() if line.strip())
        # A `python -c` that only prints versions and shows no error of its own is what an
        # issue template tells everyone to run ("You can obtain the TensorFlow version with:
        # python -c ..."), whatever the words around it: any other check is nearer the report.
        instruction = block.origin == "python -c" and trivial(block.text) and not candidate.raised
        return (
            int(ran or candidate.raised),
            int(not trivial(block.text)),
            int(not instruction),
            int(bool(_HINT.search(block.before))),
            _ORIGIN_RANK.get(block.origin, 0),
            len(block.text),
        )

    best = max(candidates, key=score)
    ordered = sorted(candidates, key=lambda c: c.block.line)
    return Reading(
        chosen=best.block,
        others=tuple(c.block for c in ordered if c is not best),
        candidates=tuple(ordered),
        notes=(_COLAB_NOTE,) if best.block.line in colab else (),
    )


# Colab's own calls: mounting the user's Drive, uploading files. They need the notebook's
# runtime and sign-in, and are no part of what fails; `google.colab` is not on PyPI.
_COLAB_LINE = re.compile(
    r"^\s*(?:from\s+google\.colab\s+import\b.*|import\s+google\.colab\b.*"
    r"|(?:drive|files)\.(?:mount|flush_and_unmount|upload|download)\(.*\)\s*(?:#.*)?)$"
)
_COLAB_NOTE = (
    "Colab's own lines (`from google.colab import ...`, `drive.mount(...)`) left out of the "
    "code: they need Colab's runtime and are no part of what fails"
)


def _without_colab(candidates: list[Candidate]) -> tuple[list[Candidate], set[int]]:
    """The candidates with Colab's own lines taken out (one left with nothing else is
    dropped), and the lines where those that had some start."""
    kept: list[Candidate] = []
    changed: set[int] = set()
    for candidate in candidates:
        lines = candidate.block.text.splitlines()
        rest = [line for line in lines if not _COLAB_LINE.match(line)]
        if len(rest) == len(lines):
            kept.append(candidate)
            continue
        if any(line.strip() for line in rest):
            block = replace(candidate.block, text="\n".join(rest).strip("\n") + "\n")
            kept.append(replace(candidate, block=block))
            changed.add(candidate.block.line)
    return kept, changed


def without_code(text: str, reading: Reading) -> str:
    """The report with its code blanked (notebook `!`/`%` lines kept: they are steps and
    settings), so that versions and variables are read only from the rest."""
    every = (*reading.candidates, *reading.cures)
    lines = set().union(*(c.lines for c in every)) if every else set()
    chars = list(text)
    for candidate in every:
        if candidate.span is not None:
            start, end = candidate.span
            chars[start:end] = [c if c == "\n" else " " for c in chars[start:end]]
    out = []
    for number, line in enumerate("".join(chars).split("\n"), start=1):
        keep = number not in lines or line.lstrip().startswith(("!", "%"))
        out.append(line if keep else "")
    return "\n".join(out)


def _from_blocks(found: list[CodeBlock]) -> list[Candidate]:
    out: list[Candidate] = []
    for block in found:
        if block.language in _NOT_CODE:
            continue
        whole = _clean(block.text)
        python_language = block.language in PYTHON_LANGUAGES
        if whole is not None and (python_language or does_something(whole[0])):
            code, kept = whole
            origin = "block" if python_language or not block.language else "shell block"
            out.append(
                Candidate(
                    block=CodeBlock(
                        info=block.info or "python",
                        text=code,
                        line=block.line,
                        before=block.before,
                        origin=origin,
                    ),
                    lines=frozenset(block.line + index for index in kept),
                    raised=_session_raised(block.text),
                )
            )
            continue
        numbered = [(block.line + i, line) for i, line in enumerate(block.text.splitlines())]
        out.extend(_runs(numbered, before=block.before))
    return out


def _session_raised(text: str) -> bool:
    """Whether a REPL or notebook session pasted as one block shows a traceback after a
    prompt: what was typed there raised (`>>> from keras.engine import x`, then the traceback
    of `File "<stdin>"`, which shows no source line of its own)."""
    prompted = False
    for line in text.splitlines():
        if re.match(r"^\s*(?:>>>|In \[\d*\]:)", line):
            prompted = True
        elif prompted and "Traceback (most recent call last)" in line:
            return True
    return False


def _clean(text: str) -> tuple[str, list[int]] | None:
    """A block's Python: REPL prompts and output, notebook `!`/`%` lines and a pasted
    traceback taken out. Returns the code and the indexes of the lines it kept."""
    lines = text.splitlines()
    transcript = any(re.match(r"^\s*(?:>>>|In \[\d*\]:)", line) for line in lines)
    printed = report_tracebacks.printed_lines(lines)
    kept: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if index in printed and not transcript:
            continue
        if transcript:
            match = _PROMPT.match(line)
            if match and not match["rest"].lstrip().startswith(("!", "%")):
                kept.append((index, match["rest"]))
            continue
        if (
            "Traceback (most recent call last)" in line
            or _IPYTHON_RULE.match(line)
            or report_tracebacks.FRAME.match(line)
        ):
            break
        if line.lstrip().startswith(("!", "%")) or MAGIC_CALL.match(line):
            continue
        kept.append((index, line))
    while kept and not kept[0][1].strip():
        kept.pop(0)
    parsed = parse_prefix([line for _, line in kept])
    if parsed is None:
        return None
    return parsed, [index for index, _ in kept[: parsed.count("\n")]]


def _unfenced(prose: str) -> list[Candidate]:
    numbered = list(enumerate(prose.splitlines(), start=1))
    return _runs(numbered, before=None)


def _runs(numbered: list[tuple[int, str]], *, before: str | None) -> list[Candidate]:
    """Runs of lines that read as Python, with REPL/notebook prompts and their output."""
    skip = _traceback_lines(numbered)
    runs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    transcript = False
    for number, line in numbered:
        if number in skip:
            _close(runs, current)
            current, transcript = [], False
            continue
        prompt = _PROMPT.match(line) if re.match(r"^\s*(?:>>>|In \[|\.\.\.)", line) else None
        if prompt and (transcript or re.match(r"^\s*(?:>>>|In \[)", line)):
            transcript = True
            if not prompt["rest"].lstrip().startswith(("!", "%")):
                current.append((number, prompt["rest"]))
            continue
        if transcript and line.strip() and not _OUTPUT_PROMPT.match(line):
            continue  # output printed between prompts
        if _OUTPUT_PROMPT.match(line):
            continue
        stripped = line.strip()
        starts = bool(
            _STATEMENT.match(stripped) or _ASSIGNMENT.match(stripped) or _CALL.match(stripped)
        ) and not re.match(r"^[A-Z][A-Z0-9_]*=\S", stripped)  # a shell variable, not Python
        continues = bool(current) and (
            not stripped
            or line[:1].isspace()
            or stripped.startswith((")", "]", "}", "#"))
            or current[-1][1].rstrip().endswith(("(", "[", "{", ",", "\\", ":"))
        )
        if starts or continues:
            current.append((number, line))
            continue
        _close(runs, current)
        current, transcript = [], False
    _close(runs, current)
    out: list[Candidate] = []
    for run in runs:
        code = parse_prefix([line for _, line in run])
        if code is None or not does_something(code):
            continue
        first = run[0][0]
        hint = before
        if hint is None:
            above = [line for number, line in numbered if number < first and line.strip()]
            hint = " ".join(line.strip() for line in above[-3:])
        out.append(
            Candidate(
                block=CodeBlock(
                    info="python (unfenced)", text=code, line=first, before=hint, origin="unfenced"
                ),
                lines=frozenset(number for number, _ in run[: code.count("\n")]),
            )
        )
    return out


def _close(runs: list[list[tuple[int, str]]], current: list[tuple[int, str]]) -> None:
    while current and not current[-1][1].strip():
        current.pop()
    if current:
        runs.append(current)


def _indented_run(lines: list[str], index: int) -> int:
    """How many indented lines follow line `index`."""
    count = 0
    for line in lines[index + 1 :]:
        if not line[:1].isspace() or not line.strip():
            break
        count += 1
    return count


def _traceback_lines(numbered: list[tuple[int, str]]) -> set[int]:
    """Lines of pasted tracebacks: their source lines are not code to run."""
    printed = report_tracebacks.printed_lines([line for _, line in numbered])
    skip = {numbered[index][0] for index in printed}
    lines = [line for _, line in numbered]
    section = False  # in a test's section before its first frame: the arguments' values
    for index, (number, line) in enumerate(numbered):
        # pytest's frames, their source lines, its `E` lines and its rules.
        if pytest_output.SECTION.match(line):
            section = True
        if section:
            skip.add(number)
        if pytest_output.FRAME.match(line):
            section = False
            skip.add(number)
            skip.update(n for n, _ in numbered[index + 1 : index + 1 + _indented_run(lines, index)])
        elif pytest_output.ERROR.match(line) or pytest_output.is_rule(line):
            skip.add(number)
        elif pytest_output.LOCATION.match(line) and pytest_output.source_above(lines, index):
            section = False
            skip.add(number)
            first = index - 1
            while first >= 0 and (
                not lines[first].strip() or re.match(r"^(?:[> ]   |E )", lines[first])
            ):
                skip.add(numbered[first][0])
                first -= 1
    inside = False
    for number, line in numbered:
        if "Traceback (most recent call last)" in line or re.match(r'^\s*File "', line):
            inside = True
        if inside:
            skip.add(number)
            if report_tracebacks.ERROR_LINE.match(line) and not line[:1].isspace():
                inside = False
    return skip
