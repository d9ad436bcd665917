"""The reporter's settings (environment variables, keras.json) and the error they claim."""

from __future__ import annotations

import json
import re
from typing import Any

from harness.repro.bug_report import tracebacks
from harness.repro.bug_report.model import CodeBlock, ReportedError
from harness.repro.bug_report.prose_errors import (
    UNTYPED_MESSAGES,
    in_prose,
    sentence_message,
    untyped_in_prose,
    without_full_stop,
)

# Variables read when written bare (`KERAS_BACKEND=jax`, `- KERAS_BACKEND: jax`); any
# variable counts when the reporter sets it explicitly (`export`, `set`, `%env`, `$env:`).
KNOWN = (
    "KERAS_BACKEND",
    "KERAS_HOME",
    "TF_USE_LEGACY_KERAS",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "CUDA_VISIBLE_DEVICES",
    "JAX_PLATFORMS",
    "JAX_ENABLE_X64",
    "XLA_FLAGS",
    "TF_FORCE_GPU_ALLOW_GROWTH",
    "PYTHONHASHSEED",
)
_VALUE = r"['\"`]?(?P<value>[\w.,:/=+-]*[\w+-])['\"`]?"
# A Dockerfile's `ENV NAME=value` (or its older `ENV NAME value`) sets it for what runs in the
# image, as a container's `docker run -e NAME=value` / `--env NAME=value` does (only with `=`:
# `-e NAME` alone passes the host's value, which the report does not show).
_EXPLICIT = re.compile(
    r"(?:\bexport\s+|\bset\s+|%env\s+|%set_env\s+|\$env:|^[ \t]*ENV[ \t]+"
    r"|(?<![\w-])(?:-e|--env)(?:[ \t]+|=)(?=[A-Z_][A-Z0-9_]*=))(?P<name>[A-Z_][A-Z0-9_]*)"
    r"(?:\s*=\s*|[ \t]+(?=[^=\s]))" + _VALUE
)
_KNOWN_NAMES = "|".join(KNOWN)
_BARE = re.compile(r"(?P<name>" + _KNOWN_NAMES + r")=" + _VALUE)
_FIELD = re.compile(
    r"^\s*(?:[-*]\s*)?\**(?P<name>" + _KNOWN_NAMES + r")\**\s*:\s+" + _VALUE + r"\s*$"
)
# Before a bare assignment on its line: a prompt, a bullet, other assignments. After it:
# nothing, a command it prefixes, or another assignment.
_LEAD = re.compile(r"^\s*(?:[-*]\s+)?(?:\S*[$#>%]\s*)?(?:[A-Z_][A-Z0-9_]*=\S+\s+)*$")
_TRAIL = re.compile(
    r"^\s*(?:$|&&|;|[A-Z_][A-Z0-9_]*=|(?:python[\d.]*|pytest|jupyter|ipython|bash|sh|\./)\b)"
)
# A line a program logged: `2024-02-25 23:23:39.045761: I tensorflow/...`, `W0000 00:00:...`.
_LOG_LINE = re.compile(r"^\s*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d|[IWEF]\d{4} \d\d:\d\d:\d\d)")
_CAT_KERAS_JSON = re.compile(r"\b(?:cat|type|more|less)\s+\S*keras\.json")
_INLINE_ERROR = re.compile(r"`(?P<type>[A-Za-z_][\w.]*(?:Error|Exception))(?::\s?(?P<msg>[^`]*))?`")
_QUOTED_MESSAGE = re.compile(
    r"\b(?:shows?|showing|says?|saying|gives?|giving|raises?|raising|throws?|throwing|get|gets"
    r"|got|complains?|errors?|fails? with)\b[^\n\"“`]{0,40}?[\"“`]"
    # a message has words: "an error stating that `KerasLayer` cannot be added" quotes a name
    r"(?P<msg>(?=[^\"”`\n]*\s)[^\"”`\n]{8,300})[\"”`]",
    re.IGNORECASE,
)
_TITLE_ERROR = re.compile(
    r"(?P<type>\b[A-Za-z_][\w.]*(?:Error|Exception))\b(?:\s?:\s*(?P<msg>.+))?"
)


def env(readable: str) -> dict[str, str]:
    """Variables the reporter set: `export`/`set`/`%env`/`$env:` anywhere, a bare
    `NAME=value` alone on its line or prefixing a command or in backticks, a `NAME: value`
    field. A sentence merely naming a setting sets nothing."""
    found: dict[str, str] = {}
    for line in readable.splitlines():
        if _LOG_LINE.match(line) or _advice_in_error(line):
            continue  # a program's log or error advising a setting (oneDNN notice, Keras 3)
        for match in _EXPLICIT.finditer(line):
            found.setdefault(match["name"], match["value"])
        for match in _BARE.finditer(line):
            lead, trail = line[: match.start()], line[match.end() :]
            quoted = lead.endswith("`") and "`" in line[match.end() - 1 : match.end() + 1]
            # Alone on its line, or opening a code span, before a command it prefixes:
            # `KERAS_BACKEND=torch pytest tests/` mid-sentence is the command that was run.
            if quoted or ((_LEAD.match(lead) or lead.endswith("`")) and _TRAIL.match(trail)):
                found.setdefault(match["name"], match["value"])
        field = _FIELD.match(line)
        if field:
            found.setdefault(field["name"], field["value"])
    return found


def _advice_in_error(line: str) -> bool:
    """An error's line (`ImportError: ... set the environment variable
    `TF_USE_LEGACY_KERAS=True` ...`) is the program's advice, not what the reporter set."""
    bare = re.sub(r"^\s*(?:>\s*)*(?:E\s{2,})?", "", line).strip().lstrip("`*_").strip()
    match = tracebacks.ERROR_LINE.match(bare)
    return match is not None and _error_type(match["type"]) and bool(match["msg"])


_OS_ENVIRON = re.compile(
    r"""os\.environ(?:\s*\[\s*['"](?P<name>""" + _KNOWN_NAMES + r""")['"]\s*\]\s*="""
    r"""|\.setdefault\(\s*['"](?P<default>""" + _KNOWN_NAMES + r""")['"]\s*,)"""
    r"""\s*['"](?P<value>[\w.,:/=+-]+)['"]"""
)
# What Keras raises for a backend it cannot load: Keras 2.2-2.3 and Keras 3 (and keras-core)
# "Unable to import backend : mxnet", Keras 1 to 2.1 "Unknown backend: mxnet".
_BACKEND_ERROR = re.compile(r"(?:Unable to import backend\s*:|Unknown backend:)\s*'?(?P<name>\w+)")


def set_outside_code(readable: str, code: str, found: dict[str, str]) -> dict[str, str]:
    """Variables the report sets with `os.environ[...] = ...` in prose, a code span or another
    snippet, and neither the chosen code (which sets its own before it imports) nor a shell
    line (`found`) does: the reporter's process had them all the same."""
    added: dict[str, str] = {}
    for match in _OS_ENVIRON.finditer(readable):
        name = match["name"] or match["default"]
        in_code = any(m["name"] == name or m["default"] == name for m in _OS_ENVIRON.finditer(code))
        if name not in found and not in_code:
            added.setdefault(name, match["value"])
    return added


def backend_from_error(error: ReportedError | None) -> str:
    """The backend Keras says it could not load ("Unable to import backend : mxnet"), or ""."""
    match = _BACKEND_ERROR.search(error.message) if error is not None else None
    return match["name"] if match else ""


# json's decoder recurses once per nesting level: a pasted `[[[[...` beyond the recursion
# limit is no more JSON to read than a syntax error is.
_NOT_JSON = (ValueError, RecursionError)


def keras_json(found: list[CodeBlock], readable: str) -> dict[str, Any] | None:
    """A keras.json the reporter showed: after `cat ~/.keras/keras.json`, or a JSON block
    with a `backend` key or introduced as keras.json."""
    decoder = json.JSONDecoder()
    for match in _CAT_KERAS_JSON.finditer(readable):
        start = readable.find("{", match.end())
        if start == -1:
            continue
        try:
            data, _ = decoder.raw_decode(readable, start)
        except _NOT_JSON:
            continue
        if isinstance(data, dict):
            return data
    for block in found:
        if block.language not in ("json", "") and "keras.json" not in block.before:
            continue
        try:
            data = json.loads(block.text)
        except _NOT_JSON:
            continue
        if isinstance(data, dict) and ("backend" in data or "keras.json" in block.before):
            return data
    return None


def claim(text: str, *, title: str) -> ReportedError | None:
    """The error the reporter says they got: a traceback's last line, else a line of its
    own (`SomeError: message`, also quoted), else one in backticks, else the title's.

    A traceback cut short before its last line still names the type in IPython's header;
    its message is then taken where the report quotes it (`SomeError: message` anywhere, or
    a quoted string after "shows", "says", "error"...), else left empty: a type-only claim."""
    parsed = tracebacks.parse(text)
    last = tracebacks.claimed(parsed)
    if last is not None and last.source != "header":
        return last
    # A chained traceback cut before its last exception: the errors it handled on the way
    # are not the one the reporter got, which only the report's words can give.
    handled = {(e.type, e.message) for e in tracebacks.superseded(parsed)}
    shown = (_debugger(text), _standalone(text), _inline(text), _from_title(title))
    prose = (in_prose(text), untyped_in_prose(text))
    found = [c for c in (*shown, *prose) if c is None or (c.type, c.message) not in handled]
    if last is None:
        return _spelt_out(next((c for c in found if c is not None), None), found, text)
    candidates = [*found, _in_sentence(text, last.short_type)]
    same = next(
        (c for c in candidates if c and c.short_type == last.short_type and c.message), None
    )
    if same is not None:
        return ReportedError(type=same.type, message=same.message, source=f"header, {same.source}")
    quoted = _quoted_message(text)
    if quoted is not None:
        return ReportedError(type=last.type, message=quoted, source="header, quoted message")
    return last


def _spelt_out(
    first: ReportedError | None, found: list[ReportedError | None], text: str
) -> ReportedError | None:
    """A type named alone ("the `AttributeError` puzzle") whose message the report spells
    out elsewhere (in a sentence, also in quotes: 'The error "AttributeError: module 'x' has
    no attribute 'y'" occurs when'): that message, up to its known form's end."""
    if first is None or first.message:
        return first
    candidates = [*found, _in_sentence(text, first.short_type)]
    same = next(
        (c for c in candidates if c and c.short_type == first.short_type and c.message), None
    )
    if same is None:
        return first
    message = without_full_stop(sentence_message(same.message).strip().strip('`*"'))
    return ReportedError(type=same.type, message=message, source=f"{first.source}, spelt out")


# An IDE's debugger stops on the exception and shows its type, then its message below:
# VS Code's "Exception has occurred: ImportError" (PyCharm's is a traceback).
_DEBUGGER = re.compile(
    # `[ \t]*`, not `\s*`, at the line's start: from every blank line `\s*` would run to the end.
    r"^[ \t]*Exception has occurred:[ \t]*(?P<type>[A-Za-z_][\w.]*)[ \t]*\n\s*(?P<msg>\S[^\n]*)",
    re.MULTILINE,
)


def _debugger(text: str) -> ReportedError | None:
    match = _DEBUGGER.search(text)
    if match is None or not _error_type(match["type"]):
        return None
    message = match["msg"].strip().strip("`")
    return ReportedError(type=match["type"], message=message, source="debugger")


def _standalone(text: str) -> ReportedError | None:
    standalone = None
    for line in text.splitlines():
        bare = re.sub(r"^\s*(?:>\s*)*(?:E\s{2,})?", "", line).strip()
        # A line that is one code span, closed by the sentence's period: "`KeyError: 'x'`."
        span = bare.startswith("`")
        if span:
            bare = re.sub(r"(?<=`)[.,;:!]+$", "", bare)
        bare = bare.strip("`*_").strip()
        if len(bare) > 1 and bare[0] in "\"'" and bare[-1] == bare[0]:
            bare = bare[1:-1]
        match = tracebacks.ERROR_LINE.match(_unlabelled(bare))
        if match and not match["type"].endswith("Warning") and _error_type(match["type"]):
            message = (match["msg"] or "").strip()
            message = _quote_closed(message) if span else message
            standalone = ReportedError(type=match["type"], message=message, source="error line")
    return standalone


# A label in another language than English before an error on its line: "报错：ValueError: x",
# "エラー: ...", "Ошибка: ...", also with the full-width colon Chinese and Japanese input methods
# type, there and after the type ("ImportError：cannot import name 'x'"). Only the label and
# that colon go: the message is kept as typed.
_LABEL = re.compile(
    r"^[^\x00-\x7f][^\x00-\x08\x0e-\x1f!-~]{0,29}?[ \t]*[:：][ \t]*"
    r"(?=[A-Za-z_][\w.]*(?:Error|Exception)\b)"
)
_FULL_WIDTH_COLON = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception))[ \t]*：[ \t]*")


def _unlabelled(line: str) -> str:
    return _FULL_WIDTH_COLON.sub(r"\1: ", _LABEL.sub("", line, count=1), count=1).rstrip("。")


def _inline(text: str) -> ReportedError | None:
    """An error in backticks: the first with its message, else the first. A type named alone
    ("fails with `AttributeError` on ...") is often spelt out later in full."""
    spans = list(_INLINE_ERROR.finditer(text))
    inline = next((m for m in spans if (m["msg"] or "").strip()), spans[0] if spans else None)
    if inline is None:
        return None
    message = _quote_closed((inline["msg"] or "").strip())
    return ReportedError(type=inline["type"], message=message, source="error line")


def _quote_closed(message: str) -> str:
    """A code span closed before the quote that closes its last name gets it back:
    `ModuleNotFoundError: No module named 'tensorflow.python.trackable`."""
    return message + "'" if re.search(r"^[^']*'[\w.]+$", message) else message


def _untyped_title(title: str) -> ReportedError | None:
    """A title that is an error's message without its type: "module 'keras.utils' has no
    attribute 'generic_utils'" can only be an AttributeError."""
    title = _headed(title)
    # A title cut after its last name, before the quote that closes it:
    # "No module named 'keras.engine.topology".
    cut = re.search(r"'[\w.]+$", title.rstrip()) is not None
    for pattern, kind in UNTYPED_MESSAGES:
        match = pattern.search(title.rstrip() + "'" if cut else title)
        if match is not None:
            message = match[0]
            if message[:1] in "MC":  # as Python prints it: "module ...", "cannot import ..."
                message = message[0].lower() + message[1:]
            return ReportedError(type=kind, message=message, source="title, untyped")
    return None


# A title cut before its first name's opening quote, and with it the words before that name:
# "tensorflow.python.keras.api._v1.keras.layers' has no attribute 'experimental'". Python
# quotes an attribute's owner only as "module 'x'", "'X' object" and "type object 'X'".
_HEADLESS = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)'(?P<rest> (?:object )?has no attribute '\w+'?)")


def _headed(title: str) -> str:
    """The title with the head its message lost: `x.y' has no attribute 'z'` is a module's
    (a dotted or lower-case name: a module, not a class), `X' object has no attribute 'z'`
    an object's. Any other title, and one whose quotes pair up, is left as it is."""
    stripped = title.strip()
    match = _HEADLESS.match(stripped)
    if match is None or stripped.count("'") % 2 == 0:
        return title
    if match["rest"].startswith(" object "):
        return "'" + stripped
    if "." in match["name"] or match["name"][0].islower():
        return "module '" + stripped
    return title


def _from_title(title: str) -> ReportedError | None:
    match = _TITLE_ERROR.search(title)
    if match is None:
        return _untyped_title(title)
    quoted = _QUOTED_AFTER_TYPE.match(title, match.end())
    if match["msg"] is None and quoted is not None:
        # `TypeError "unsupported operand ..." is raised when ...`: the type, then its message
        # in quotes, without Python's colon.
        message = quoted["a"] or quoted["b"] or quoted["c"]
        return ReportedError(type=match["type"], message=message.strip(), source="title")
    if match["msg"] is None:
        # A type named without its message is often a name in the message whose own type
        # goes without saying: "InvalidArgumentError.__init__() missing 2 required ...".
        untyped = _untyped_title(title)
        if untyped is not None:
            return untyped
    message = match["msg"] or ""
    opening = title[match.start() - 1 : match.start()]
    if opening in ('"', "“", "`"):
        # A quoted error in a title ends where its quote closes: `"KeyError: 'x'" in fit`.
        closing = "”" if opening == "“" else opening
        found = re.search(rf"{re.escape(closing)}(?!\w)", message)
        message = message[: found.start()] if found else message
    else:
        message = sentence_message(message)
    message = message.strip().strip('`"').strip()
    if message.count("'") % 2:  # a quote left open by the title's own quoting
        message = message.strip("'").strip()
    return ReportedError(type=match["type"], message=without_full_stop(message), source="title")


# The same without Python's colon, its message in double quotes or a code span: `raises a
# TypeError "unsupported operand type(s) for |: 'dict' and 'dict'" when`, "TypeError `...`".
_QUOTED_AFTER_TYPE = re.compile(
    r'[ \t]+(?:"(?P<a>[^"\n]{3,300})"|“(?P<b>[^”\n]{3,300})”|`(?P<c>[^`\n]{3,300})`)'
)


def _in_sentence(text: str, short_type: str) -> ReportedError | None:
    """`... it is showing error as ModuleNotFoundError: No module named 'keras'.`: the
    message runs to the end of the line; a sentence's closing period is not part of it."""
    pattern = re.compile(
        rf"(?<![\w.])(?P<type>(?:[\w]+\.)*{re.escape(short_type)}):\s*(?P<msg>\S[^\n]*)"
    )
    match = pattern.search(text)
    if match is None:
        return None
    message = without_full_stop(match["msg"].strip().strip('`*"').rstrip())
    return ReportedError(type=match["type"], message=message, source="sentence")


def _quoted_message(text: str) -> str | None:
    """A message the reporter quotes in prose: `it shows "No module named 'tensorflow'"`."""
    match = _QUOTED_MESSAGE.search(text)
    return match["msg"].strip() if match else None


def _error_type(name: str) -> bool:
    return name.rsplit(".", 1)[-1].endswith(("Error", "Exception"))
