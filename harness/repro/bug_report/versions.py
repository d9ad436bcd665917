"""Versions, install steps, the Python and the date, as reports write them.

Structured evidence is read before prose: pip freeze / list / conda list rows, wheel file
names, pip's own output ("Successfully installed keras-3.0.0"), printed `__version__`s, then
phrases ("TF 2.11", "keras (2.1.5)", "the torch version I am using is 2.1.2"). Of two versions
read for one package, the more precise wins, then the first read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, KeysView
from dataclasses import dataclass
from functools import partial

from harness.repro.bug_report import addons_warning, library_versions, python_version, version_roles
from harness.repro.bug_report.aliases import ALIASES, MISSPELT, PACKAGING_TOOLS, PINNED_PACKAGES
from harness.repro.bug_report.docker_images import image_notes
from harness.repro.bug_report.emphasis import without_strong
from harness.repro.bug_report.model import GitInstall, Pin
from harness.repro.bug_report.other_languages import (
    IS,
    LATIN_WORD,
    NAME_END,
    NAME_START,
    OF,
    VERSION_WORDS,
    ascii_punctuation,
)
from harness.repro.bug_report.pip_lines import (
    canonical,
    git_installs,
    pip_steps,
    step_names,
    wheels,
    with_dependencies,
)
from harness.repro.bug_report.printed_versions import printed
from harness.repro.bug_report.project_files import exact_releases
from harness.repro.bug_report.project_python import project_python
from harness.repro.bug_report.requirements_files import installed_notes, shown_requirements
from harness.repro.bug_report.uninstalls import uninstall_notes
from harness.repro.bug_report.update_versions import update_notes
from harness.repro.bug_report.version_pattern import VERSION as _VERSION

# A freeze line, also as a list item ("- keras==3.0.1", "--tensorflow==1.14.0") and with a
# local label (`torch==2.3.1+cu121`, dropped: PyPI has only the public release).
_FREEZE = re.compile(
    r"^\s*(?:(?:[-*•]|--)\s*)?([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*"
    + _VERSION
    + r"(?P<local>\+[A-Za-z0-9.]+)?\s*$"
)
# A listing's table starts at its header, or at the command that printed it when the header
# was not pasted (`$pip list` then `onnx 1.4.1` rows).
_LIST_HEADER = re.compile(
    r"^\s*(?:#\s*)?(?:Package|Name)\s+Version\b"
    r"|^\s*(?:\(\S+\)\s*)?(?:\S*[$>%!#]\s*)?(?:pip3?|conda|(?:python3?|py)\s+-m\s+pip)\s+list\s*$",
    re.IGNORECASE,
)
_LIST_ROW = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s+" + _VERSION + r"(?:\s+\S.*)?$")
_ALIAS_WORDS = "|".join(
    re.escape(a).replace(r"\ ", r"\s+") for a in sorted(ALIASES, key=len, reverse=True)
)
# "version" as reports also type it ("tensorflow verison 2.6.0", "numpy vesion 1.19.5").
_VERSION_WORD = r"(?:version|verison|vesion|verion|versoin|vresion|varsion)"
_PROSE = re.compile(
    NAME_START
    # the name may be a code span, as Hugging Face's template writes it: "`tensorflow` version"
    + r"(?<!\w`)`?(?P<name>"
    + "|".join((_ALIAS_WORDS, *MISSPELT))
    + r")"
    + NAME_END
    + r"`?"
    # then "version", "version (use command below)", "version I am using is", "的版本是"
    + r"(?:\s*\(?\s*(?:"
    + OF
    + r"[ \t]*)?(?:"
    + _VERSION_WORD
    + r"\b|"
    + VERSION_WORDS
    + r")\s*(?:\([^)\n]*\))?\s*\)?(?:\s+(?:[\w']+\s+){0,5}?(?:is|was))?"
    # an old template's field: "TensorFlow version and how it was installed (source or binary)"
    r"(?:\s*and\s+how\s+it\s+was\s+installed\s*(?:\([^)\n]*\))?)?)?"
    # a separator: "keras: 2.6.0", "keras = 2.6.0", "keras - 2.6.0", "Keras version- 2.6.0" (a
    # dash before a dotted version; "keras-2.6.0" is read as a distribution's file name), an
    # arrow in a list of what is installed: "keras --> 2.9.0", "keras -> 2.9.0", "keras => 2.9.0"
    r"[ \t]*(?:--?>|=>|\u2192|[:=]+|(?:--?|[\u2013\u2014])(?=[ \t]*v?\d+\.\d)|\bis\b|\bwas\b|\bv\b|"
    + IS
    + r")?[ \t]*\(?[ \t]*['\"`]?"
    + _VERSION
    # a CJK character may follow: "keras 2.2.4上不行"
    + r"(?:\.[x*])?(?!"
    + LATIN_WORD
    + r"|\.\w)",
    re.IGNORECASE,
)
# A name and its version written together: "tf2.0.0", "TF2.16", "keras2.4.3" (a dot required:
# "TF2" alone is a family, read by _PROSE when spaced).
_GLUED = re.compile(
    r"(?<![A-Za-z0-9_.\-/\\])(?P<name>tf|tensorflow(?:-gpu|-cpu)?|keras)(?P<version>\d+\.\d+(?:\.\d+)?)"
    r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])",  # ASCII: "用tf2.0.0出现" is glued to words, not a name
    re.IGNORECASE,
)
# A distribution's name and version joined by a dash, as sdist and wheel names spell them
# without their extension: "tensorflow-2.15.0", "keras-3.3.3", "tf-nightly-2.7.0.dev20210806".
# A dot is required ("keras-3" is no release). pip's own lines that name releases this way
# ("Successfully uninstalled keras-2.15.0", "Uninstalling ...") are read elsewhere or not at all.
_DASHED = re.compile(
    r"(?<![\w.\-/\\])(?P<name>"
    + _ALIAS_WORDS
    + r"|tf-nightly|keras-nightly)-"
    + r"(?P<version>\d+\.\d+(?:\.\d+){0,2}(?:(?:rc|\.dev|\.post)\d+)?)"
    r"(?![\w-]|\.\w)",
    re.IGNORECASE,
)
_PIP_OUTPUT_LINE = re.compile(
    r"^\W*(?:Successfully|Uninstalling|Attempting|Found existing|Installing collected|"
    r"Collecting|Downloading|Requirement already|Using cached|Building|Created wheel|Stored)\b",
    re.IGNORECASE | re.MULTILINE,
)
# `git describe` output before the release it built, as TensorFlow's template asks for it
# (`tf.version.GIT_VERSION, tf.version.VERSION`): "v2.16.1-19-g810f233968c 2.16.2" is 2.16.2.
_GIT_DESCRIBE = re.compile(r"\bv\d+\.\d+\.\d+(?:-rc\d+)?-\d+-g[0-9a-f]{7,40}[ \t]+(?=v?\d)")
# `pip show NAME`'s first two fields: "Name: tensorflow" then "Version: 2.15.0".
_PIP_SHOW = re.compile(
    r"^[ \t]*Name:[ \t]*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*\n[ \t]*Version:[ \t]*"
    + _VERSION
    + r"[ \t]*$",
    re.MULTILINE,
)
_INSTALLED = re.compile(r"Successfully installed\s+(?P<list>.+)$", re.MULTILINE)
_SATISFIED = re.compile(
    r"Requirement already satisfied:\s*(?P<name>[A-Za-z0-9][\w.-]*)[^\n]*?\((?P<version>\d[\w.]*)\)"
)
_CONDA_INSTALL = re.compile(r"\bconda\s+(?:install|create)\b(?P<rest>[^\n]*)")
# Development builds are published under another name: TensorFlow 2.15.0.dev20230914 is
# tf-nightly's, Keras 3.3.0.dev2024041003 keras-nightly's.
_NIGHTLY = {"tensorflow": "tf-nightly", "keras": "keras-nightly"}


@dataclass(frozen=True, kw_only=True)
class Versions:
    """The versions and install steps a report gives, and what was ignored."""

    python: tuple[str, str] | None
    pins: tuple[Pin, ...]
    steps: tuple[str, ...]
    git: tuple[GitInstall, ...]  # installs from git in `steps`, there as bare names
    ignored: tuple[str, ...]
    listed: tuple[Pin, ...]  # versions listed of the packages `ignored` names
    named: frozenset[str]  # every distribution the report names, with or without a version
    conda: tuple[str, ...] = ()  # distributions its `conda install` lines name
    notes: tuple[str, ...] = ()  # what reading them took (a local version label dropped, ...)


def read(readable: str, *, full: str) -> Versions:
    """`readable`: the report without its code; `full`: with it (for printed versions)."""
    readable = version_roles.without_locations(readable)
    steps = pip_steps(readable)
    # "python版本：3.8，tensorflow版本：2.3.0": full-width separators read as ASCII ones, one
    # character for one (positions found in it are the report's).
    readable = without_strong(ascii_punctuation(readable))  # "**Keras version:** 3.0.5"
    stepped = {name for step in steps for name in step_names(step)}
    dependencies: list[tuple[str, str, int]] = []
    pins, ignored, listed, notes = _pins(
        readable, full, stepped=stepped if steps else None, dependencies=dependencies
    )
    steps, joined = with_dependencies(readable, steps, dependencies)
    # A project's dependency list no step installs gives the releases it pins, and only those.
    known = {pin.name for pin in pins} | stepped
    pins = (
        *pins,
        *(
            Pin(name=name, version=version, source=f"{word} (the project's dependencies)")
            for name, version, word in exact_releases(readable)
            if name not in known and name in PINNED_PACKAGES
        ),
    )
    named = {pin.name for pin in pins}
    for step in steps:
        named.update(step_names(step))
    named.update(_conda_names(readable))
    python, python_notes = python_version.said(version_roles.without_unpinned(readable))
    python = python or project_python(readable)
    return Versions(
        python=python,
        pins=pins,
        steps=steps,
        git=git_installs(readable),
        ignored=ignored,
        listed=listed,
        named=frozenset(named),
        conda=tuple(dict.fromkeys(_conda_names(readable))),
        notes=(
            *image_notes(readable),
            *installed_notes(readable, shown_requirements(readable)),
            *uninstall_notes(readable),
            *update_notes(readable, pins),
            *notes,
            *joined,
            *python_notes,
        ),
    )


def _pins(
    readable: str,
    full: str,
    *,
    stepped: set[str] | None,
    dependencies: list[tuple[str, str, int]],
) -> tuple[tuple[Pin, ...], tuple[str, ...], tuple[Pin, ...], tuple[str, ...]]:
    """Pins in the order evidence is trusted. pip's own output ("Successfully installed
    numpy-1.26.4 ...") lists dependencies too: where the report shows its pip lines, that
    output pins the packages those lines name; the others it shows are their dependencies,
    collected in `dependencies` (name, version, where) for the step that printed them."""
    pins: dict[str, Pin] = {}
    others: dict[str, Pin] = {}
    ignored: list[str] = []
    notes: list[str] = []

    def from_pip(name: str, version: str, source: str, *, where: int) -> None:
        if stepped is None or canonical(name) in stepped:
            add(name, version, source)
        elif canonical(name) in PINNED_PACKAGES:
            dependencies.append((canonical(name), version, where))

    def add(
        name: str, version: str, source: str, *, listed: bool = False, local: str | None = None
    ) -> None:
        key = canonical(name)
        version = re.sub(r"[.-](a|b|rc)(\d+)$", r"\1\2", version.replace("-dev", ".dev"))
        nightly = _NIGHTLY.get(key) if ".dev" in version else None
        if nightly is not None:
            note = f"{key} {version} is a nightly build: {nightly} {version}"
            if note not in notes:
                notes.append(note)
            key = nightly
        if key not in PINNED_PACKAGES:
            if listed and key not in ignored and key not in (*PACKAGING_TOOLS, "python"):
                ignored.append(key)
                # Installed after all if the code imports it: at the version listed.
                others.setdefault(key, Pin(name=key, version=version, source=source))
            return
        if local:
            note = f"{key} {version}: the local label {local} of {version}{local} dropped"
            if note not in notes:
                notes.append(note)
        known = pins.get(key)
        if known is None or known.version.count(".") < version.count("."):
            pins[key] = Pin(name=key, version=version, source=source)

    _listings(readable, add)
    for match in _PIP_SHOW.finditer(readable):
        add(match["name"], match[2], f"`pip show`: Name: {match['name']}, Version: {match[2]}")
    for wheel in wheels(readable):
        pin = add if wheel.where is None else partial(from_pip, where=wheel.where)
        pin(wheel.name, wheel.version, f"wheel `{wheel.file}`")
    for match in _INSTALLED.finditer(readable):
        for item in match["list"].split():
            name, _, version = item.rpartition("-")
            if name and version[:1].isdigit():
                from_pip(name, version, f"pip: Successfully installed {item}", where=match.start())
    for match in _SATISFIED.finditer(readable):
        source = f"pip: {match['name']} ({match['version']})"
        from_pip(match["name"], match["version"], source, where=match.start())
    printed(full, add, notes)
    for match in _CONDA_INSTALL.finditer(readable):
        for word in match["rest"].split():
            name, sep, version = word.partition("=")
            if sep and name.lower() != "python" and re.fullmatch(r"=?\d[\w.]*", version):
                add(name, version.lstrip("="), f"`conda {word}`")
    prose = _GIT_DESCRIBE.sub(lambda m: " " * len(m[0]), _without_message_lines(readable))
    _from_prose(prose, add, pinned=pins.keys(), notes=notes)
    library_versions.add_said(prose, add)  # "Deepface version: 0.0.86": used if imported
    for name, version, words in addons_warning.stated(readable):  # only where none, or a prefix
        if name not in pins or version.startswith(f"{pins[name].version}."):
            # Addons is no package the harness tracks elsewhere: the warning's release is a pin.
            pins[name] = Pin(name=name, version=version, source=words)
    return tuple(pins.values()), tuple(ignored), tuple(others.values()), tuple(notes)


def _from_prose(
    prose: str, add: Callable[..., None], *, pinned: KeysView[str], notes: list[str]
) -> None:
    """Versions the sentences name ("TF 2.11", "tf2.0.0"): a file's versions never pinned,
    another version than the failing one only when nothing else gives that package one."""
    said = [
        *(
            (MISSPELT.get(m["name"].lower(), m["name"]), m[2], " ".join(m[0].split()), m.start())
            for m in _PROSE.finditer(prose)
        ),
        *((m["name"], m["version"], m[0], m.start()) for m in _GLUED.finditer(prose)),
        *(
            (m["name"], m["version"], m[0], m.start())
            for m in _DASHED.finditer(prose)
            if not _PIP_OUTPUT_LINE.match(prose, prose.rfind("\n", 0, m.start()) + 1)
        ),
    ]
    found = version_roles.roles(prose)
    said += [(name, version, words, -1) for name, version, words in found.targets]
    other: list[tuple[str, str, str]] = []
    for name, version, words, position in said:
        role = found.of(position)
        if role == "artifact":
            note = f'{canonical(name)} {version} not pinned: "{words}" is a file\'s'
            if note not in notes:
                notes.append(note)
        elif role == "requirement":
            note = f'{canonical(name)} {version} not pinned: "{words}" states a requirement'
            if note not in notes:
                notes.append(note)
        elif role == "other":
            other.append((name, version, words))
        else:
            add(name, version, f'"{words}"')
    for name, version, words in other:
        nightly = _NIGHTLY_OF.get(canonical(name))
        if canonical(name) in pinned:
            notes.append(
                f'{canonical(name)} {version} not pinned: "{words}" names another version '
                "than the failing one"
            )
        elif nightly is not None and re.search(rf"\b{nightly.replace('-', '[-_]')}\b", prose, re.I):
            # "runs in Tensorflow 2.11 but not in tf-nightly": the nightly is what failed.
            notes.append(
                f'{canonical(name)} {version} not pinned: "{words}" names another version '
                f"than the failing one, a {nightly} build the report names"
            )
        else:
            add(name, version, f'"{words}"')


# The nightly build a sentence may name as the failing one, beside a release that works.
_NIGHTLY_OF = {"tensorflow": "tf-nightly", "keras": "keras-nightly"}
_FRAME_OR_HEADER = re.compile(
    r"^\s*(?:Traceback \(most recent call last\)|File \"[^\"\n]*\", line \d)"
)
_ERROR_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Warning)\s*:")
_URL = re.compile(r"https?://\S+")


def _without_message_lines(text: str) -> str:
    """`text` with the lines that continue a traceback's exception message, and every URL,
    blanked: a message that goes on to cite versions ("deprecated in NumPy 1.20", a release
    note's address) is the library speaking, not the reporter's install."""
    lines = _URL.sub(lambda m: " " * len(m[0]), text).split("\n")
    in_traceback = in_message = False
    for number, line in enumerate(lines):
        if _FRAME_OR_HEADER.match(line):
            in_traceback, in_message = True, False
        elif not line.strip() or line.lstrip().startswith("```"):
            in_traceback = in_message = False
        elif in_message:
            lines[number] = " " * len(line)
        elif in_traceback and _ERROR_LINE.match(line):
            in_message = True
    return "\n".join(lines)


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
            add(match[1], match[2], f"`{line.strip()}`", listed=True, local=match["local"])
            continue
        row = _LIST_ROW.match(line)
        if row and (in_table or (canonical(row[1]) in PINNED_PACKAGES and _row_like(line))):
            add(row[1], row[2], f"`{' '.join(line.split()[:2])}`", listed=in_table)


# What follows a version in a `pip list` / `conda list` row: a build string, a channel, a path.
_ROW_COLUMN = re.compile(r"\S*[\d/\\]\S*|pypi|conda-forge|defaults|anaconda|main|<pip>")


def _row_like(line: str) -> bool:
    """A row outside a listing's table is one only if what follows its version is columns:
    "Keras 3.3.3 works just fine." starts like a row but is a sentence, read as prose."""
    return all(_ROW_COLUMN.fullmatch(word) for word in line.split()[2:])


def _conda_names(readable: str) -> list[str]:
    """The Keras-related distributions `conda install`/`conda create` lines name, up to where
    a command written into a sentence ends (`conda install keras` then "to install ...")."""
    names = []
    for match in _CONDA_INSTALL.finditer(readable):
        for word in match["rest"].split():
            name = word.strip("`'\"").partition("=")[0].rstrip(".,;:)")
            if not word.startswith("-") and canonical(name) in PINNED_PACKAGES:
                names.append(canonical(name))
            if word.endswith(("`", "'", '"', ".", ",", ";", ")")):
                break
    return names
