"""Versions, install steps, the Python and the date, as reports write them.

Structured evidence is read before prose: pip freeze / list / conda list rows, wheel file
names, pip's own output ("Successfully installed keras-3.0.0"), printed `__version__`s, then
phrases ("TF 2.11", "keras (2.1.5)", "the torch version I am using is 2.1.2"). Of two versions
read for one package, the more precise wins, then the first read.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)

from harness.report_model import Pin

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
    "keras-core",
    "tensorflow-probability",
    "tensorflow-hub",
    "tensorflow-text",
    "tensorflow-datasets",
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
    "tfp": "tensorflow-probability",
    "tensorflow-probability": "tensorflow-probability",
    "tensorflow_probability": "tensorflow-probability",
    "tensorflow probability": "tensorflow-probability",
    "keras-nlp": "keras-nlp",
    "keras_nlp": "keras-nlp",
    "kerasnlp": "keras-nlp",
    "keras-hub": "keras-hub",
    "keras_hub": "keras-hub",
    "kerashub": "keras-hub",
    "keras-core": "keras-core",
    "keras_core": "keras-core",
    "keras-cv": "keras-cv",
    "keras_cv": "keras-cv",
    "tensorflow-hub": "tensorflow-hub",
    "tensorflow_hub": "tensorflow-hub",
}
_NOT_INSTALLED = ("pip", "setuptools", "wheel")
_VERSION = r"v?(\d+(?:\.\d+){0,2}(?:(?:a|b|rc|\.post|\.dev)\d+)?)"
_FREEZE = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*" + _VERSION + r"\s*$"
)
_LIST_HEADER = re.compile(r"^\s*#?\s*(?:Package|Name)\s+Version\b", re.IGNORECASE)
_LIST_ROW = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s+" + _VERSION + r"(?:\s+\S.*)?$")
_ALIAS_WORDS = "|".join(
    re.escape(a).replace(r"\ ", r"\s+") for a in sorted(ALIASES, key=len, reverse=True)
)
_PROSE = re.compile(
    r"(?<![\w.\-/\\])(?P<name>" + _ALIAS_WORDS + r")(?![\w-])"
    # then "version", "version (use command below)" or "version I am using is"
    r"(?:\s*\(?\s*version\b\s*(?:\([^)\n]*\))?\s*\)?(?:\s+(?:[\w']+\s+){0,5}?(?:is|was))?)?"
    r"[ \t]*(?:[:=]+|\bis\b|\bwas\b|\bv\b)?[ \t]*\(?[ \t]*['\"`]?"
    + _VERSION
    + r"(?:\.[x*])?(?!\w|\.\w)",
    re.IGNORECASE,
)
_DUNDER = re.compile(
    r"\b(?P<name>\w+)\.__version__\)?`?\s*"
    r"(?:\n\s*(?:Out\[\d+\]:\s*)?|(?:[:=,]|printed|prints|is|gives|shows|returns)?\s*)"
    r"['\"]?" + _VERSION + r"['\"]?",
)
_WHEEL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][\w.]*-\d[\w.+!]*(?:-\d\w*)?-[\w.]+-[\w.]+-[\w.]+\.whl)"
)
_INSTALLED = re.compile(r"Successfully installed\s+(?P<list>.+)$", re.MULTILINE)
_SATISFIED = re.compile(
    r"Requirement already satisfied:\s*(?P<name>[A-Za-z0-9][\w.-]*)[^\n]*?\((?P<version>\d[\w.]*)\)"
)
_CONDA_INSTALL = re.compile(r"\bconda\s+(?:install|create)\b(?P<rest>[^\n]*)")
# Python from prose and fields, from an environment being made, from paths, from sys.version.
_PYTHON_FORMS = (
    (
        re.compile(
            r"\bpython(?:\s*version)?\s*(?:[:=]+|\bis\b)?\s*['\"`]?v?(3\.\d{1,2})(?:\.\d+)?(?![\d.])",
            re.IGNORECASE,
        ),
        "",
    ),
    (re.compile(r"(?<![\w.])python(3\.\d{1,2})(?![\d.])", re.IGNORECASE), "path "),
    (re.compile(r"[\\/]Python3(\d{1,2})(?:-32)?[\\/]", re.IGNORECASE), "path "),
    (re.compile(r"-cp3(\d{1,2})-"), "wheel tag "),
    (
        re.compile(r"(?<![\w.])['\"]?(3\.\d{1,2})\.\d+\s*\((?:main|default|tags|v3|heads)"),
        "sys.version ",
    ),
)
_PIP = re.compile(
    r"(?<![\w./-])(?:(?:python[\d.]*|py(?:\s+-3[\d.]*)?)(?:\.exe)?\s+-m\s+)?"
    r"pip(?:3(?:\.\d+)?)?(?:\.exe)?\s+(?P<opts>(?:-{1,2}[\w-]+\s+)*)install\b(?P<rest>[^\n]*)"
)
_PIP_NOISE = re.compile(r"\[notice\]|consider upgrading|You are using pip version", re.IGNORECASE)
_ERROR_LINE = re.compile(r"^\s*[A-Za-z_][\w.]*(?:Error|Exception)\b")
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[\w,.-]+\])?"
    r"(?:(?:===?|~=|!=|<=?|>=?)[\w.*+!-]+(?:,(?:===?|~=|!=|<=?|>=?)[\w.*+!-]+)*)?$"
)
_DROPPED_OPTIONS = {"-q", "-qq", "-qqq", "--quiet", "-v", "--verbose", "--user", "--no-cache-dir"}
_DROPPED_WITH_ARG = {"--progress-bar", "--root-user-action", "--cache-dir"}
_DROPPED_OPTIONS |= {"--disable-pip-version-check", "--no-warn-script-location"}
_DROPPED_OPTIONS |= {"--break-system-packages", "--no-input"}
_KEPT_WITH_ARG = {"--index-url", "-i", "--extra-index-url", "-f", "--find-links"}
_KEPT_WITH_ARG |= {"--upgrade-strategy"}
_UNREPRODUCIBLE = {"-r", "--requirement", "-e", "--editable", "-c", "--constraint"}
_STOP_WORDS = frozenset(
    [
        "and",
        "then",
        "but",
        "with",
        "on",
        "in",
        "to",
        "it",
        "which",
        "after",
        "before",
        "because",
        "so",
        "the",
        "a",
        "an",
        "i",
        "or",
        "from",
        "again",
        "first",
        "as",
        "is",
        "was",
        "did",
        "does",
        "fails",
        "failed",
        "works",
        "worked",
        "gives",
        "gave",
        "via",
        "using",
        "inside",
        "into",
        "for",
        "command",
        "still",
        "also",
        "too",
        "now",
        "when",
        "while",
        "it's",
        "doesn't",
        "didn't",
        "that",
        "this",
        "my",
        "your",
        "same",
    ]
)
_MONTH_DATE = re.compile(
    r"\b(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2}),?\s+"
    r"(?P<year>20\d\d)\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(?<![\d-])(20\d\d)-(\d\d)-(\d\d)(?![\d])")
_DATE_FIELD = re.compile(
    r"^\s*[-*]?\s*\**(?:date|created(?:_at)?|opened|reported|posted|written)\**\s*(?:on)?\s*[:=]?\s*"
    r"(?P<value>[^\n]+)$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, kw_only=True)
class Versions:
    python: tuple[str, str] | None
    pins: tuple[Pin, ...]
    steps: tuple[str, ...]
    ignored: tuple[str, ...]
    named: frozenset[str]  # every distribution the report names, with or without a version


def read(readable: str, *, full: str) -> Versions:
    """`readable`: the report without its code; `full`: with it (for printed versions)."""
    steps = pip_steps(readable)
    stepped = {name for step in steps for name in step_names(step)}
    pins, ignored = _pins(readable, full, stepped=stepped if steps else None)
    named = {pin.name for pin in pins}
    for step in steps:
        named.update(step_names(step))
    named.update(_conda_names(readable))
    return Versions(
        python=python_of(readable),
        pins=pins,
        steps=steps,
        ignored=ignored,
        named=frozenset(named),
    )


def canonical(name: str) -> str:
    return str(canonicalize_name(ALIASES.get(re.sub(r"\s+", " ", name.lower()), name)))


def step_names(step: str) -> list[str]:
    """The distributions a pip step names ('Tensorflow==2.11 -U jax[cpu]' -> tensorflow, jax)."""
    return [
        canonical(re.split(r"[\[<>=!~;]", word)[0])
        for word in _words(step)
        if not word.startswith("-") and _REQUIREMENT.match(word)
    ]


def _words(step: str) -> list[str]:
    try:
        return shlex.split(step)
    except ValueError:
        return step.split()


def _pins(
    readable: str, full: str, *, stepped: set[str] | None
) -> tuple[tuple[Pin, ...], tuple[str, ...]]:
    """Pins in the order evidence is trusted. pip's own output ("Successfully installed
    numpy-1.26.4 ...") lists dependencies too: where the report shows its pip lines, that
    output only pins the packages those lines name."""
    pins: dict[str, Pin] = {}
    ignored: list[str] = []

    def from_pip(name: str, version: str, source: str) -> None:
        if stepped is None or canonical(name) in stepped:
            add(name, version, source)

    def add(name: str, version: str, source: str, *, listed: bool = False) -> None:
        key = canonical(name)
        if key not in KEY_PACKAGES:
            if listed and key not in ignored and key not in _NOT_INSTALLED:
                ignored.append(key)
            return
        known = pins.get(key)
        if known is None or known.version.count(".") < version.count("."):
            pins[key] = Pin(name=key, version=version, source=source)

    _listings(readable, add)
    for match in _WHEEL.finditer(readable):
        try:
            wheel_name, wheel_version, _, _ = parse_wheel_filename(match[1])
        except InvalidWheelFilename:
            continue
        add(str(wheel_name), str(wheel_version), f"wheel `{match[1]}`")
    for match in _INSTALLED.finditer(readable):
        for item in match["list"].split():
            name, _, version = item.rpartition("-")
            if name and version[:1].isdigit():
                from_pip(name, version, f"pip: Successfully installed {item}")
    for match in _SATISFIED.finditer(readable):
        from_pip(match["name"], match["version"], f"pip: {match['name']} ({match['version']})")
    for match in _DUNDER.finditer(full):
        if match["name"].lower() in ALIASES:
            add(match["name"], match[2], f"`{match['name']}.__version__` printed {match[2]}")
    for match in _CONDA_INSTALL.finditer(readable):
        for word in match["rest"].split():
            name, sep, version = word.partition("=")
            if sep and name.lower() != "python" and re.fullmatch(r"=?\d[\w.]*", version):
                add(name, version.lstrip("="), f"`conda {word}`")
    for match in _PROSE.finditer(readable):
        add(match["name"], match[2], f'"{" ".join(match[0].split())}"')
    return tuple(pins.values()), tuple(ignored)


def _listings(readable: str, add: Callable[..., None]) -> None:
    """pip freeze lines, and pip list / conda list rows (their other packages are listed)."""
    in_table = False
    for line in readable.splitlines():
        if _LIST_HEADER.match(line):
            in_table = True
            continue
        if not line.strip():
            in_table = False
        match = _FREEZE.match(line)
        if match:
            add(match[1], match[2], f"`{line.strip()}`", listed=True)
            continue
        row = _LIST_ROW.match(line)
        if row and (in_table or canonical(row[1]) in KEY_PACKAGES):
            add(row[1], row[2], f"`{' '.join(line.split()[:2])}`", listed=in_table)


def _conda_names(readable: str) -> list[str]:
    names = []
    for match in _CONDA_INSTALL.finditer(readable):
        for word in match["rest"].split():
            name = word.partition("=")[0]
            if not word.startswith("-") and canonical(name) in KEY_PACKAGES:
                names.append(canonical(name))
    return names


def python_of(readable: str) -> tuple[str, str] | None:
    for pattern, kind in _PYTHON_FORMS:
        match = pattern.search(readable)
        if match:
            version = match[1] if match[1].startswith("3.") else f"3.{match[1]}"
            return version, f'{kind}"{match[0].strip()}"'
    return None


def pip_steps(readable: str) -> tuple[str, ...]:
    """Every `pip install` the reporter ran, in order, as the arguments of a matrix step:
    behind shell prompts, in notebooks (`!pip`, `%pip`), mid-sentence, after `python -m`."""
    steps: list[str] = []
    for line in readable.splitlines():
        if _PIP_NOISE.search(line) or _ERROR_LINE.match(line):
            continue
        for match in _PIP.finditer(line):
            step = _step(match["opts"].split(), match["rest"])
            if step and step not in steps:
                steps.append(step)
    return tuple(steps)


def _step(options: list[str], rest: str) -> str | None:
    kept: list[str] = []
    words = options + [w for w in re.split(r"\s+", rest.strip()) if w]
    index = 0
    requirements = 0
    while index < len(words):
        raw = words[index]
        word = raw.strip("`'\"")
        if word in ("&&", "||", ";", "|", ">", "2>&1") or word.startswith("#"):
            break
        ends_sentence = raw.endswith(("`", ".", ",", ":", ")", ";")) or (
            raw.endswith(("'", '"')) and not raw.startswith(("'", '"'))
        )
        word = word.rstrip(".,:);`'\"")
        if word.lower() in _STOP_WORDS:
            break
        if word in _DROPPED_OPTIONS or word.split("=")[0] in _DROPPED_WITH_ARG:
            index += 1
            continue
        if word in _DROPPED_WITH_ARG | _UNREPRODUCIBLE:
            index += 2
            continue
        if word.startswith("-"):
            kept.append(word)
            if word in _KEPT_WITH_ARG and index + 1 < len(words):
                kept.append(words[index + 1])
                index += 1
        elif _REQUIREMENT.match(word):
            kept.append(word)
            requirements += 1
        else:
            break
        index += 1
        if ends_sentence:
            break
    names = [canonical(re.split(r"[\[<>=!~;]", w)[0]) for w in kept if not w.startswith("-")]
    if not requirements or all(name in _NOT_INSTALLED for name in names):
        return None
    return " ".join(kept)


def written_on(text: str) -> date | None:
    """A date the report gives itself: a `date:`/`created:` field, else the latest ISO date
    (log lines are stamped when they were written, just before the report)."""
    for match in _DATE_FIELD.finditer(text):
        found = _date_in(match["value"])
        if found:
            return found
    days = []
    for match in _ISO_DATE.finditer(text):
        try:
            days.append(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            continue
    return max(days) if days else None


def _date_in(value: str) -> date | None:
    iso = _ISO_DATE.search(value)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    month = _MONTH_DATE.search(value)
    if month:
        try:
            return datetime.strptime(
                f"{month['month'][:3].title()} {month['day']} {month['year']}", "%b %d %Y"
            ).date()
        except ValueError:
            return None
    return None
