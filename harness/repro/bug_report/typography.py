"""A typographer's quotes and dashes (a blog, a word processor, a forum, a phone's smart
punctuation) put back to ASCII where only ASCII can have been: in code that cannot run as
written, in shell commands, and in what Python printed of a traceback.

`os.environ[“KERAS_BACKEND”] = “jax”` is a SyntaxError, and `pip install –upgrade x` an
unknown option: the reporter ran `"jax"` and `--upgrade`. Code that compiles as written keeps
its quotes (they are inside its strings). Python writes a frame as `File "x.py", line 3` and a
name in a message as `'keras'`: in a traceback whose frames were typographed (`File “x.py”`),
or a message without frames (prose, a title), a typographed name (`‘keras.layers.core’`) is
Python's `'...'`, while a traceback whose frames kept their ASCII quotes is the program's own
output and keeps its message as printed.
"""

from __future__ import annotations

import ast
import re

_TYPOGRAPHIC = re.compile("[“”„‘’‚–—…′″]")
_TO_ASCII = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "–": "-",
        "—": "-",
        "…": "...",
    }
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PROMPT = re.compile(r"^[ \t]*(?:>>>|\.\.\.|In \[\d{0,6}\]:)[ \t]?")
_FRAME = re.compile(r"^(?P<lead>[ \t>]*File )[“”](?P<path>[^“”\"\n]{1,1000})[“”](?P<rest>, line)")
_ASCII_FRAME = re.compile(r"^[ \t>]*File \"[^\"\n]{1,1000}\", line")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
_EXCEPTION = re.compile(r"\b[A-Za-z_][\w.]{0,200}(?:Error|Exception|Warning|Exit|Interrupt):[ \t]")
# Python's own messages whose type goes without saying (a title's "No module named" alone).
_PYTHON_MESSAGE = re.compile(
    r"\b(?:No module named|has no attribute|cannot import name|is not defined|"
    r"object is not (?:callable|subscriptable|iterable))\b"
)
# A setting written into a sentence: "I have os.environ[“KERAS_BACKEND”] = “jax” first".
_Q = "[“”‘’]"
_ENVIRON = re.compile(
    rf"os\.environ(?:\[{_Q}[\w.]{{1,100}}{_Q}\][ \t]{{0,3}}=[ \t]{{0,3}}{_Q}[^“”‘’\n]{{0,200}}{_Q}"
    rf"|\.setdefault\([ \t]{{0,3}}{_Q}[\w.]{{1,100}}{_Q},[ \t]{{0,3}}{_Q}[^“”‘’\n]{{0,200}}{_Q}\))"
)
# A name Python quoted (repr), typographed: in curly quotes, or between two closing ones.
_SINGLE_NAME = re.compile(r"‘(?P<a>[^‘’\n]{0,300})’|’(?P<b>[^‘’'\s]{1,300})[’‘]")
_DOUBLE_NAME = re.compile(r"[“”](?P<name>[^“”\"\n]{0,300})[”“]")
_COMMAND = re.compile(
    r"\b(?:pip3?(?:\.\d+)?\s+(?:install|uninstall|download)|conda\s+(?:install|create)|"
    r"-m\s+pip|python[\d.]*\s+-c|uv\s+pip)\b|^\s*(?:\$\s*)?(?:export|set)\s+\w+=|%env\b|\$env:"
)
# A dash a typographer made of `--` (or of `-`) before an option: an en or em dash.
_OPTION_DASH = re.compile(r"(?<=\s)[–—](?P<name>[A-Za-z][\w-]{0,40})")


def straightened(text: str) -> tuple[str, list[str]]:
    """`text` with typographed code, commands and traceback lines in ASCII, and notes."""
    if not _TYPOGRAPHIC.search(text):
        return text, []
    done: set[str] = set()
    # Messages first: the frames above them are straightened below.
    lines = _traceback_messages(text, done).split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            end = index
            while end < len(lines) and lines[end].strip() and not _FENCE.match(lines[end]):
                end += 1
            end = max(end, index + 1)
            out.extend(_straight_run(lines[index:end], done))
            index = end
            continue
        fence = match[1][0] * len(match[1])
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        out.append(lines[index])
        out.extend(_straight_run(lines[index + 1 : end], done))
        if end < len(lines):
            out.append(lines[end])
        index = end + 1
    text = "\n".join(out)
    if not done:
        return text, []
    parts = ", ".join(sorted(done))
    return text, [
        f"typographic quotes and dashes read as ASCII in the {parts} (the report went through "
        "a typographer: “x” is \"x\", ‘x’ is 'x', –upgrade is --upgrade)"
    ]


def _straight_run(lines: list[str], done: set[str]) -> list[str]:
    """A fenced block's lines, or a paragraph's: as code when only ASCII makes it code, else
    line by line."""
    block = "\n".join(lines)
    if not _TYPOGRAPHIC.search(block):
        return lines
    straight = block.translate(_TO_ASCII)
    if not _compiles(block) and _compiles(straight) and _does_something(straight):
        done.add("code")
        return straight.split("\n")
    return [_straight_line(line, done) for line in lines]


def _straight_line(line: str, done: set[str]) -> str:
    if not _TYPOGRAPHIC.search(line):
        return line
    frame = _FRAME.match(line)
    if frame:
        done.add("traceback")
        return f'{frame["lead"]}"{frame["path"]}"{frame["rest"]}{line[frame.end() :]}'
    if _COMMAND.search(line):
        done.add("commands")
        dashed = _OPTION_DASH.sub(
            lambda m: ("-" if len(m["name"]) == 1 else "--") + m["name"], line
        )
        return dashed.translate(_TO_ASCII)
    if _ENVIRON.search(line):
        done.add("code")
        return _ENVIRON.sub(lambda m: m[0].translate(_TO_ASCII), line)
    prompt = _PROMPT.match(line)
    code = line[prompt.end() :] if prompt else line
    straight = code.strip().translate(_TO_ASCII)
    fixed = not _compiles(code.strip()) and _compiles(straight) and _does_something(straight)
    if straight and fixed:
        done.add("code")
        return line.translate(_TO_ASCII)
    return line


def _traceback_messages(text: str, done: set[str]) -> str:
    """Names Python quoted in a message, typographed, put back, unless the traceback's frames
    above it kept their ASCII quotes (then the message is printed as the program wrote it)."""
    out: list[str] = []
    ascii_frames = False
    for given in text.split("\n"):
        line = given
        if _TRACEBACK.search(line):
            ascii_frames = False
        elif _ASCII_FRAME.match(line):
            ascii_frames = True
        exception = _EXCEPTION.search(line) or _PYTHON_MESSAGE.search(line)
        start = 0 if exception is None or exception.re is _PYTHON_MESSAGE else exception.end()
        if exception and _TYPOGRAPHIC.search(line, start):
            if not ascii_frames:
                head, message = line[:start], line[start:]
                fixed = _SINGLE_NAME.sub(lambda m: f"'{m['a'] or m['b'] or ''}'", message)
                fixed = _DOUBLE_NAME.sub(lambda m: f'"{m["name"]}"', fixed)
                if fixed != message:
                    done.add("error message")
                line = head + fixed
            ascii_frames = False
        out.append(line)
    return "\n".join(out)


def _compiles(code: str) -> bool:
    if not code.strip() or len(code) > 200_000:
        return False
    try:
        ast.parse(_dedented(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _dedented(code: str) -> str:
    lines = [line for line in code.split("\n") if line.strip()]
    margin = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    return "\n".join(line[margin:] for line in code.split("\n"))


def _does_something(code: str) -> bool:
    """More than a string or a name: a sentence in quotes ("“import keras” fails") compiles
    as a string too."""
    try:
        tree = ast.parse(_dedented(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.Name))
        for node in tree.body
    )
