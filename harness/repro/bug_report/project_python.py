"""The Python a project's own files allow, when the report names no Python otherwise:
Poetry's `python = "^3.10"`, a pyproject's `requires-python = ">=3.9,<3.12"`, a setup.py's
`python_requires=">=3.8"`. A range names no one Python; its lowest is taken. `poetry init` /
`poetry new` write the Python they run on as the caret's base (`^3.10` from a 3.10), and
`uv init` its `>=3.10` the same way, so the lower bound is the Python the project was made on;
a hand-written bound is the oldest Python the project says it runs on, which its own
dependencies must install on. Where the report's pinned releases have no files for it, the
nearest Python they have is taken, as for any Python a report names."""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from harness.repro.bug_report.project_files import pep440
from harness.repro.bug_report.pyproject import project_table_string

_POETRY_MAIN = re.compile(r"^[ \t]*\[tool\.poetry\.dependencies\][ \t]*$")
_HEADER = re.compile(r"^[ \t]*\[")
_POETRY_PYTHON = re.compile(r"^[ \t]*python[ \t]*=[ \t]*\"(?P<spec>[^\"\n]{1,60})\"")
_PYTHON_REQUIRES = re.compile(r"\bpython_requires[ \t]*=[ \t]*(['\"])(?P<spec>[^'\"\n]{1,60})\1")
# Pythons a base image runs, oldest first.
_MINORS = tuple(f"3.{minor}" for minor in range(5, 14))


def project_python(text: str) -> tuple[str, str] | None:
    """The lowest Python 3 the project's range allows, and where it was read."""
    for spec, written in _ranges(text):
        lowest = lowest_allowed(spec)
        if lowest is not None:
            return lowest, (
                f"{written}: the lowest Python the project's range allows (Poetry and uv write "
                "the Python a project is made on as its lower bound)"
            )
    return None


def _ranges(text: str) -> list[tuple[str, str]]:
    """Each range the report's project files give Python, as PEP 440, and as written."""
    found: list[tuple[str, str]] = []
    inside = False
    for line in text.splitlines():
        if _POETRY_MAIN.match(line):
            inside = True
        elif inside and _HEADER.match(line):
            inside = False
        elif inside and (match := _POETRY_PYTHON.match(line)) is not None:
            spec = pep440(match["spec"])
            if spec:
                found.append((spec, f'python = "{match["spec"]}"'))
    written = project_table_string(text, "requires-python")
    if written is not None:
        found.append((written, f'requires-python = "{written}"'))
    match = _PYTHON_REQUIRES.search(text)
    if match is not None:
        found.append((match["spec"], f'python_requires="{match["spec"]}"'))
    return found


def lowest_allowed(spec: str) -> str | None:
    """The oldest Python 3 minor (3.5 to 3.13) any of whose releases `spec` admits
    (`>=3.9,<3.12` -> 3.9, `^3.10` as `>=3.10,<4.0` -> 3.10, `>3.8` -> 3.8); None when it
    admits none or cannot be read."""
    try:
        allowed = SpecifierSet(spec.replace(" ", ""))
    except InvalidSpecifier:
        return None
    for minor in _MINORS:
        if any(allowed.contains(f"{minor}.{patch}") for patch in (0, 1, 99)):
            return minor
    return None
