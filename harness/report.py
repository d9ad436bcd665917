"""Reading a bug report as people write it: Markdown prose, freeze dumps, code blocks.

`extract` only reads text; it never asks PyPI. What it could not pin down is left
as a partial version ('2.16') for `harness.request` to resolve and to say so.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

# Packages whose versions decide Keras/TensorFlow behaviour; a freeze dump's other lines
# (requests, six, ...) are listed but not installed, to keep the environment small.
KEY_PACKAGES = (
    "tensorflow",
    "tensorflow-cpu",
    "tf-nightly",
    "keras",
    "keras-nightly",
    "tf-keras",
    "jax",
    "jaxlib",
    "torch",
    "numpy",
    "keras-hub",
    "keras-nlp",
    "keras-cv",
    "tensorflow-probability",
)
# How prose and `X.__version__` name them.
ALIASES = {
    "tf": "tensorflow",
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow-cpu",
    "tensorflow_cpu": "tensorflow-cpu",
    "keras": "keras",
    "tf-keras": "tf-keras",
    "tf_keras": "tf-keras",
    "jax": "jax",
    "jaxlib": "jaxlib",
    "torch": "torch",
    "pytorch": "torch",
    "numpy": "numpy",
    "np": "numpy",
}
ENV_NAMES = re.compile(
    r"\b(KERAS_BACKEND|KERAS_HOME|TF_USE_LEGACY_KERAS|TF_CPP_MIN_LOG_LEVEL|TF_ENABLE_ONEDNN_OPTS"
    r"|CUDA_VISIBLE_DEVICES|JAX_PLATFORMS)\b"
)
_VERSION = r"v?(\d+(?:\.\d+){0,2}(?:(?:a|b|rc|\.post|\.dev)\d+)?)"
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_FREEZE = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*" + _VERSION + r"\s*$"
)
_LIST_ROW = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s+" + _VERSION + r"(?:\s+\S.*)?$")
_ALIAS_WORDS = "|".join(sorted((re.escape(a) for a in ALIASES), key=len, reverse=True))
_PROSE = re.compile(
    r"(?<![\w.-])(?P<name>"
    + _ALIAS_WORDS
    + r")(?![\w-])\s*(?:\(?\s*version\s*\)?)?\s*(?:[:=]+|\bis\b|\bv\b)?\s*"
    r"['\"`]?" + _VERSION + r"(?![\w.])",
    re.IGNORECASE,
)
_DUNDER = re.compile(
    r"\b(?P<name>\w+)\.__version__\)?`?\s*(?:\n\s*(?:Out\[\d+\]:\s*)?|(?:[:=,]|printed|prints|is|gives|shows)?\s*)"
    r"['\"]?" + _VERSION + r"['\"]?",
)
_PYTHON = re.compile(
    r"\bpython(?:\s*version)?\s*(?:[:=]+|\bis\b)?\s*['\"`]?v?(3\.\d{1,2})(?:\.\d+)?", re.IGNORECASE
)
_SYS_VERSION = re.compile(r"(?<![\w.])['\"]?(3\.\d{1,2})\.\d+\s*\((?:main|default|tags|v3|heads)")
_PIP_INSTALL = re.compile(
    r"^\s*(?:[$>]\s*|!|%)?(?:python3?(?:\.\d+)?\s+-m\s+)?pip3?\s+install\s+(?P<args>.+)$",
    re.MULTILINE,
)
_ENV_ASSIGN = re.compile(
    r"(?:export\s+|set\s+|\$env:)?(?P<name>[A-Z_][A-Z0-9_]*)\s*[=:]\s*['\"`]?(?P<value>[\w.-]+)"
)
_ERROR_LINE = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))(?::\s?(?P<msg>.*))?$"
)


@dataclass(frozen=True, kw_only=True)
class Block:
    """A fenced code block: its info string, text and the line (1-based) its text starts on."""

    info: str
    text: str
    line: int
    before: str = ""  # the prose just above it, which often says what it is

    @property
    def language(self) -> str:
        return (self.info.split() or [""])[0].lower()


@dataclass(frozen=True, kw_only=True)
class Pin:
    name: str
    version: str  # possibly partial ('2.16'), resolved later
    source: str  # where it was read, for the "extracted" listing


@dataclass(frozen=True, kw_only=True)
class ReportedError:
    type: str
    message: str

    @property
    def short_type(self) -> str:
        return self.type.rsplit(".", 1)[-1]


@dataclass(frozen=True, kw_only=True)
class Extraction:
    """What a report says, each value with where it was read."""

    python: tuple[str, str] | None = None  # (version, source)
    pins: tuple[Pin, ...] = ()
    pip_steps: tuple[str, ...] = ()  # `pip install ...` lines, in order
    env: dict[str, str] = field(default_factory=dict)
    keras_json: dict[str, Any] | None = None
    code: Block | None = None
    other_code: tuple[Block, ...] = ()
    reported_error: ReportedError | None = None
    ignored_packages: tuple[str, ...] = ()


def blocks(text: str) -> list[Block]:
    """Fenced code blocks (``` or ~~~), as CommonMark delimits them."""
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    prose: list[str] = []
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            prose.append(lines[index])
            index += 1
            continue
        fence = match["fence"]
        body: list[str] = []
        start = index + 2
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence[0] * len(fence)):
            body.append(
                lines[index][len(match["indent"]) :]
                if lines[index].startswith(match["indent"])
                else lines[index]
            )
            index += 1
        index += 1
        before = " ".join(line.strip() for line in prose[-3:] if line.strip())
        found.append(
            Block(info=match["info"].strip(), text="\n".join(body), line=start, before=before)
        )
        prose = []
    return found


def prose_of(text: str) -> str:
    """The report without its code blocks."""
    out: list[str] = []
    inside: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if inside is None and match:
            inside = match["fence"][0] * len(match["fence"])
        elif inside is not None and line.strip().startswith(inside):
            inside = None
        elif inside is None:
            out.append(line)
    return "\n".join(out)


def extract(text: str) -> Extraction:
    found = blocks(text)
    code, others = choose_code(found)
    code_texts = {id(b) for b in [code, *others] if b is not None}
    # Versions and variables are read from prose and from non-Python blocks; a Python block
    # sets its own variables when it runs.
    readable = [prose_of(text), *(b.text for b in found if id(b) not in code_texts)]
    pins, ignored = _pins(readable, found)
    return Extraction(
        python=_python(readable),
        pins=pins,
        pip_steps=tuple(_pip_steps(readable)),
        env=_env(readable),
        keras_json=_keras_json(found),
        code=code,
        other_code=tuple(others),
        reported_error=_reported_error(found),
        ignored_packages=ignored,
    )


def choose_code(found: list[Block]) -> tuple[Block | None, list[Block]]:
    """The block to run, and the other Python blocks. Prefers a block the prose calls code to
    reproduce, then the longest block that parses as Python and does more than print versions."""
    candidates = [b for b in found if _is_python(b)]
    if not candidates:
        return None, []

    def score(block: Block) -> tuple[int, int, int]:
        hinted = bool(
            re.search(r"reproduc|snippet|minimal|code|example|script", block.before, re.IGNORECASE)
        )
        trivial = bool(
            re.fullmatch(
                r"(?:\s*(?:import [\w., ]+|print\([^)]*__version__[^)]*\)|#.*)?\s*\n?)*", block.text
            )
        )
        return (0 if trivial else 1, 1 if hinted else 0, len(block.text))

    best = max(candidates, key=score)
    return best, [b for b in candidates if b is not best]


def _is_python(block: Block) -> bool:
    if block.language not in ("", "python", "py", "python3", "ipython", "pycon"):
        return False
    text = block.text
    if (
        not text.strip()
        or "Traceback (most recent call last)" in text
        or text.lstrip().startswith(">>>")
    ):
        return False
    if _PIP_INSTALL.search(text) or all(
        _FREEZE.match(line) for line in text.splitlines() if line.strip()
    ):
        return False
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    # An untagged block of bare words ("tensorflow 2.16.1") parses as nothing useful.
    return block.language != "" or any(
        isinstance(n, ast.Import | ast.ImportFrom | ast.Call) for n in ast.walk(tree)
    )


def _pins(texts: list[str], found: list[Block]) -> tuple[tuple[Pin, ...], tuple[str, ...]]:
    pins: dict[str, Pin] = {}
    ignored: list[str] = []

    def add(name: str, version: str, source: str) -> None:
        key = str(canonicalize_name(ALIASES.get(name.lower(), name)))
        if key not in KEY_PACKAGES:
            if key not in ignored and key not in ("pip", "setuptools", "wheel"):
                ignored.append(key)
            return
        known = pins.get(key)
        # A full version beats a partial one; the first full one read wins otherwise.
        if known is None or (known.version.count(".") < version.count(".")):
            pins[key] = Pin(name=key, version=version, source=source)

    for text in texts:
        for line in text.splitlines():
            match = _FREEZE.match(line)
            if match:
                add(match[1], match[2], f"`{line.strip()}`")
        for match in _DUNDER.finditer(text):
            if match["name"].lower() in ALIASES:
                add(match["name"], match[2], f"`{match['name']}.__version__` printed {match[2]}")
    for block in found:
        lines = block.text.splitlines()
        if lines and re.match(r"^\s*Package\s+Version\b", lines[0]):
            for line in lines[1:]:
                row = _LIST_ROW.match(line)
                if row:
                    add(row[1], row[2], f"pip list: `{' '.join(line.split()[:2])}`")
    for text in texts:
        for match in _PROSE.finditer(text):
            add(match["name"], match[2], f'"{match[0].strip()}"')
    return tuple(pins.values()), tuple(ignored)


def _python(texts: list[str]) -> tuple[str, str] | None:
    for text in texts:
        match = _PYTHON.search(text)
        if match:
            return match[1], f'"{match[0].strip()}"'
    for text in texts:
        match = _SYS_VERSION.search(text)
        if match:
            return match[1], f"sys.version printed `{match[0].strip()}`"
    return None


def _pip_steps(texts: list[str]) -> list[str]:
    steps = []
    for text in texts:
        for match in _PIP_INSTALL.finditer(text):
            args = match["args"].split(" #")[0].strip().strip("`").strip()
            if args and "-r " not in f"{args} " and args not in steps:
                steps.append(args)
    return steps


def _env(texts: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for text in texts:
        for match in _ENV_ASSIGN.finditer(text):
            if ENV_NAMES.fullmatch(match["name"]) and match["name"] not in env:
                env[match["name"]] = match["value"]
    return env


def _keras_json(found: list[Block]) -> dict[str, Any] | None:
    for block in found:
        if block.language not in ("json", "") and "keras.json" not in block.before:
            continue
        try:
            data = json.loads(block.text)
        except ValueError:
            continue
        if isinstance(data, dict) and ("backend" in data or "keras.json" in block.before):
            return data
    return None


def _reported_error(found: list[Block]) -> ReportedError | None:
    """The last exception line of the report's last traceback."""
    for block in reversed(found):
        if "Traceback (most recent call last)" not in block.text:
            continue
        for line in reversed(block.text.splitlines()):
            match = _ERROR_LINE.match(line.strip())
            if match:
                return ReportedError(type=match["type"], message=(match["msg"] or "").strip())
    return None
