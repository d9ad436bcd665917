"""A project's own dependency list a report shows: Poetry's `[tool.poetry.dependencies]` table
(`tensorflow = "^2.13.0"`, `keras = {version = "~3.1"}`), a pyproject's PEP 621 `[project]`
`dependencies = [...]` or a `setup.py`'s `install_requires=[...]`. `poetry install`, `uv sync`,
`pdm install`, `pip install .` and `pip install -e .` install those requirements, in one step;
Poetry's caret and tilde become the PEP 440 ranges they mean (`^2.13.0` is `>=2.13.0,<3.0.0`,
`~2.13` is `>=2.13,<2.14`)."""

from __future__ import annotations

import re

from harness.repro.bug_report.pyproject import project_table_list

# The main table, a group's (`poetry install` installs every group not marked optional) and
# Poetry 1.1's dev table.
_POETRY_TABLE = re.compile(
    r"^\s*\[tool\.poetry\.(?:group\.[\w-]{1,50}\.)?(?:dev-)?dependencies\]\s*$"
)
_TABLE = re.compile(r"^\s*\[")
# `name = "spec"` or `name = {version = "spec", optional = true}`.
_POETRY_LINE = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,100})\s*=\s*"
    r"(?:\"(?P<spec>[^\"\n]{0,100})\"|\{[^}\n]{0,300}?\bversion\s*=\s*\"(?P<dict>[^\"\n]{0,100})\")"
)
_OPTIONAL = re.compile(r"\boptional\s*=\s*true\b")
_INSTALL_REQUIRES = re.compile(r"\binstall_requires\s*=\s*\[(?P<body>[^\]]{0,20000})\]")
# A quoted item; a marker's own quotes are the other kind (`"pandas; sys_platform == 'win32'"`).
_STRING = re.compile(r"\"(?P<text>[^\"\n]{1,200})\"|'(?P<single>[^'\n]{1,200})'")
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[\w,. -]+\])?"
    r"(?:(?:===?|~=|!=|<=?|>=?)[\w.*+!-]+(?:,(?:===?|~=|!=|<=?|>=?)[\w.*+!-]+)*)?$"
)
# An entry only for another system than the Linux the harness builds on: Poetry's own
# `platform = "darwin"` or a marker in its `markers = "..."`.
_POETRY_OTHER_SYSTEM = re.compile(
    r"\b(?:sys_platform|platform_system|platform)\s*==?\s*['\"]?(?:win32|Windows|darwin|Darwin)"
)
# The same in a PEP 508 marker (`; sys_platform == "win32"`), as requirements files and
# setup.py write it.
_MARKER_OTHER_SYSTEM = re.compile(
    r"\b(?:sys_platform|platform_system)\s*==\s*['\"](?:win32|Windows|darwin|Darwin)"
)


def for_other_system(marker: str) -> bool:
    """Whether a requirement's PEP 508 marker limits it to Windows or macOS."""
    return _MARKER_OTHER_SYSTEM.search(marker) is not None


# `poetry install`, `uv sync`, `pdm install`; `pip install .`, `pip install -e .` (also `./`
# and `".[dev]"`).
POETRY_INSTALL = re.compile(r"(?:^|[\s`$>!])(?:poetry\s+install|uv\s+sync|pdm\s+install)\b")
PROJECT_WORD = re.compile(r"^\.(?:/)?(?:\[[\w,.-]+\])?$")


def project_requirements(text: str) -> tuple[str, ...]:
    """The requirements of the project the report shows, as pip's words: Poetry's table and a
    pyproject's `[project]` `dependencies` (Poetry 2 writes both), else a setup.py's
    `install_requires`; none when it shows neither."""
    return (_poetry(text) + pep621_dependencies(text)) or _setup_py(text)


def _poetry(text: str) -> tuple[str, ...]:
    words: list[str] = []
    inside = False
    for line in text.splitlines():
        if _POETRY_TABLE.match(line):
            inside = True
            continue
        if inside and (_TABLE.match(line) or line.strip().startswith(("```", "~~~"))):
            inside = False
            continue
        match = _POETRY_LINE.match(line) if inside else None
        # Python is the interpreter's range; an optional entry installs only with its extra.
        if (
            match is None
            or match["name"].lower() == "python"
            or _OPTIONAL.search(line)
            or _POETRY_OTHER_SYSTEM.search(line)
        ):
            continue
        spec = pep440(match["spec"] if match["spec"] is not None else match["dict"])
        if spec is not None:
            words.append(match["name"] + spec)
    return tuple(words)


def _setup_py(text: str) -> tuple[str, ...]:
    match = _INSTALL_REQUIRES.search(text)
    return () if match is None else literal_requirements(match["body"])


def literal_requirements(body: str) -> tuple[str, ...]:
    """The quoted PEP 508 requirements of a list's body, as pip's words; none when one of its
    items is not a literal requirement (a variable, a comprehension)."""
    words: list[str] = []
    for string in _STRING.finditer(body):
        text = string["text"] if string["text"] is not None else string["single"]
        requirement, _, marker = text.partition(";")
        word = re.sub(r"\s+", "", requirement)
        if not _REQUIREMENT.match(word):
            return ()  # not a literal list of requirements (a variable, a comprehension)
        if not for_other_system(marker):
            words.append(word)
    return tuple(words)


def pep621_dependencies(text: str) -> tuple[str, ...]:
    """A pyproject's `[project]` table's `dependencies = [...]` (PEP 621), as pip's words;
    `[project.optional-dependencies]` install only with their extra and are not read."""
    body = project_table_list(text, "dependencies")
    return () if body is None else literal_requirements(body)


def pep440(spec: str) -> str | None:
    """Poetry's version constraint as PEP 440's: "" for any version, None when unreadable."""
    spec = spec.strip()
    if spec in ("", "*"):
        return ""
    if spec[0] in "^~" and not spec.startswith("~="):
        return _caret_or_tilde(spec[0], spec[1:].strip())
    if re.fullmatch(r"\d[\w.*+!-]*", spec):
        return "==" + spec  # a bare version is that release
    ranges = [part.strip().replace(" ", "") for part in spec.split(",")]
    if all(re.fullmatch(r"(?:===?|~=|!=|<=?|>=?)\d[\w.*+!-]*", part) for part in ranges):
        return ",".join(ranges)
    return None


def _caret_or_tilde(kind: str, version: str) -> str | None:
    if not re.fullmatch(r"\d+(?:\.\d+){0,2}", version):
        return None
    parts = [int(part) for part in version.split(".")]
    if kind == "^":
        # The first non-zero part may not change (`^0.2.3` is `<0.3.0`).
        at = next((i for i, part in enumerate(parts) if part != 0), len(parts) - 1)
    else:
        at = min(1, len(parts) - 1)  # `~2.13.1` keeps 2.13; `~2` keeps 2
    upper = [*parts[:at], parts[at] + 1] + [0] * (len(parts) - at - 1)
    return f">={version},<{'.'.join(map(str, upper))}"


_SETUP_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?:setuptools|distutils\.core)[ \t]+import\b|import[ \t]+setuptools\b)",
    re.M,
)
_SETUP_CALL = re.compile(r"^[ \t]*(?:setuptools\.)?setup[ \t]*\(", re.M)


def is_setup_script(code: str) -> bool:
    """A setup.py: how the project is packaged, not code that shows the bug."""
    return _SETUP_IMPORT.search(code) is not None and _SETUP_CALL.search(code) is not None


_EXACT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\d[\w.+!]*)")


def exact_releases(text: str) -> tuple[tuple[str, str, str], ...]:
    """The project's requirements that pin one release (`numpy = {version = "1.24.3"}`,
    `'h5py==3.9.0'`): (name, version, as written), the versions a list not installed gives."""
    out = []
    for word in project_requirements(text):
        match = _EXACT.fullmatch(word)
        if match is not None:
            out.append((match["name"].lower().replace("_", "-"), match["version"], word))
    return tuple(out)
