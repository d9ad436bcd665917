"""TensorFlow's builds for other systems, as a Linux container can install them.

A report from a Mac names `tensorflow-macos` (and Apple's GPU plugin `tensorflow-metal`);
one from Windows may name `tensorflow-intel`, which `tensorflow` itself requires there. PyPI
has no Linux files for any of them, so installed as written the build fails before the
report's code runs, and the report says nothing about the error either way. The same
TensorFlow release is `tensorflow` on Linux (tensorflow-macos X.Y.Z is TensorFlow X.Y.Z's
code), so that is what the container installs; a plugin for another system's GPU has no
Linux counterpart and is left out (cells run on the CPU). The listing says both.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from harness.repro.bug_report.model import Extraction, Pin
from harness.repro.bug_report.pip_lines import words

# The build's name and its system. tensorflow-intel's releases are TensorFlow's, number for
# number; tensorflow-macos's patch releases are Apple's own (tensorflow-macos 2.9.2 came out
# on PyPI 2022-06-06, TensorFlow 2.9.2 on 2022-09-03), so only its minor names TensorFlow's.
_BUILDS = {"tensorflow-macos": "macOS", "tensorflow-intel": "Windows"}
_OWN_PATCHES = frozenset({"tensorflow-macos"})
# GPU plugins of other systems: no Linux files, no Linux counterpart.
_PLUGINS = {
    "tensorflow-metal": "Apple's Metal GPU plugin (macOS)",
    "jax-metal": "Apple's Metal GPU plugin (macOS)",
    "tensorflow-directml-plugin": "the DirectML GPU plugin (Windows)",
}


def for_linux(extraction: Extraction) -> tuple[Extraction, list[str]]:
    """The extraction with other systems' TensorFlow builds installed as `tensorflow` and
    their GPU plugins left out, in its pip lines and its pins; and what was assumed."""
    notes: dict[str, str] = {}
    steps = tuple(
        step
        for step in (_step_for_linux(step, notes) for step in extraction.pip_steps)
        if step is not None
    )
    pins = _pins_for_linux(extraction.pins, notes)
    listed = _pins_for_linux(extraction.listed, notes)
    if not notes:
        return extraction, []
    return replace(extraction, pip_steps=steps, pins=pins, listed=listed), list(notes.values())


def _pins_for_linux(given: tuple[Pin, ...], notes: dict[str, str]) -> tuple[Pin, ...]:
    """The pins with a build's version given to `tensorflow` (unless the report gives
    TensorFlow's own, as `pip list` on Windows shows both) and plugins left out."""
    has_tensorflow = any(pin.name == "tensorflow" for pin in given)
    pins: list[Pin] = []
    for pin in given:
        if pin.name in _PLUGINS:
            notes.setdefault(pin.name, _left_out(pin.name))
        elif pin.name in _BUILDS:
            notes.setdefault(pin.name, _stands_in(pin.name))
            if not has_tensorflow:
                version = pin.version
                if pin.name in _OWN_PATCHES:
                    version = ".".join(version.split(".")[:2])
                pins.append(replace(pin, name="tensorflow", version=version))
                has_tensorflow = True
        else:
            pins.append(pin)
    return tuple(pins)


def _step_for_linux(step: str, notes: dict[str, str]) -> str | None:
    """The pip line with builds renamed and plugins left out; None when nothing is left of
    what it installs."""
    out: list[str] = []
    changed = False
    for word in words(step):
        name = _name(word)
        if name in _PLUGINS:
            notes.setdefault(name, _left_out(name))
            changed = True
            continue
        if name in _BUILDS:
            notes.setdefault(name, _stands_in(name))
            project = re.match(r"[A-Za-z0-9._-]+", word)
            renamed = "tensorflow" + word[project.end() :] if project else word
            out.append(_minor_only(renamed) if name in _OWN_PATCHES else renamed)
            changed = True
            continue
        out.append(word)
    if not changed:
        return step
    if not any(not w.startswith("-") and _name(w) for w in out):
        return None
    return shlex.join(out)


def _name(word: str) -> str | None:
    if word.startswith("-"):
        return None
    try:
        return str(canonicalize_name(Requirement(word).name))
    except InvalidRequirement:
        return None


def _minor_only(requirement: str) -> str:
    """`tensorflow==2.9.2` as `tensorflow==2.9.*`: the newest patch of that minor by the
    report's day is TensorFlow's counterpart of the build's release."""
    pinned = re.fullmatch(r"(tensorflow(?:\[[^\]]*\])?)===?(\d+)\.(\d+)(?:\.\d+)*", requirement)
    return f"{pinned[1]}=={pinned[2]}.{pinned[3]}.*" if pinned else requirement


def _stands_in(name: str) -> str:
    if name in _OWN_PATCHES:
        return (
            f"{name} installed as tensorflow of the same minor release (its newest patch by "
            f"the report's day): {name} is TensorFlow built for {_BUILDS[name]}, with patch "
            "releases of its own, and PyPI has no Linux files for it"
        )
    return (
        f"{name} installed as tensorflow of the same release: it is TensorFlow built for "
        f"{_BUILDS[name]}, and PyPI has no Linux files for it"
    )


def _left_out(name: str) -> str:
    return (
        f"{name} not installed: {_PLUGINS[name]}, with no Linux files and no Linux "
        "counterpart; the container runs on the CPU"
    )
