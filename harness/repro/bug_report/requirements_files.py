"""Requirements files a report shows: a block introduced by the file's name ("requirements.txt:",
"My `requirements-gpu.txt`", or a first line `# requirements.txt`) whose lines are all
requirements, comments or pip options. The report's `pip install -r requirements.txt` installs
those lines, in one step: pip resolves them together, and the ranges they give (`numpy<2`,
`tensorflow-hub>=0.15,<0.16`) bound that step as written."""

from __future__ import annotations

import re

from harness.repro.bug_report.project_files import for_other_system, project_requirements

# A file's name as reports write it before its contents; its base name is what `-r` names.
_FILE_NAME = re.compile(
    r"(?<![\w.-])(?:[\w.-]{0,80}/)?(?P<name>[\w.-]{0,80}requirements[\w.-]{0,80}\.(?:txt|in))\b"
)
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")
_COMMENT = re.compile(r"(?:^|[ \t])#.*$")
# A requirement line: a name with extras and version bounds, spaces allowed around operators.
_LINE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[\w,. -]+\])?"
    r"(?:[ \t]*(?:===?|~=|!=|<=?|>=?)[ \t]*[\w.*+!-]+"
    r"(?:[ \t]*,[ \t]*(?:===?|~=|!=|<=?|>=?)[ \t]*[\w.*+!-]+)*)?$"
)
_OPTION = re.compile(r"^(?:-[a-z]|--[a-z][\w-]*)(?:[ =]\S+)?$")


def shown_requirements(text: str) -> dict[str, tuple[str, ...]]:
    """Each requirements file the report shows, by base name: its lines as pip's words
    (`keras==3.3.3`, `numpy<2`, `--extra-index-url URL`), markers for other systems left out."""
    lines = text.splitlines()
    files: dict[str, tuple[str, ...]] = {}
    index = 0
    while index < len(lines):
        if not _FENCE.match(lines[index]):
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if _FENCE.match(lines[i])), None)
        if end is None:
            break
        body = lines[index + 1 : end]
        named = _introduced_as(lines, index, body)
        words = _requirement_words(body) if named is not None else None
        if named is not None and words:
            files.setdefault(named, words)
        index = end + 1
    project = project_requirements(text)
    if project:
        files["."] = project  # what `pip install .` / `poetry install` installs
    return files


def _introduced_as(lines: list[str], fence: int, body: list[str]) -> str | None:
    """The file name the block is introduced as: on the line its fence opens with, the nearest
    non-blank line before it, or the block's own first line as a comment."""
    before = next((line for line in reversed(lines[max(0, fence - 3) : fence]) if line.strip()), "")
    first = body[0] if body and body[0].lstrip().startswith("#") else ""
    for line in (lines[fence], before, first):
        match = _FILE_NAME.search(line)
        if match is not None:
            return match["name"]
    return None


def _requirement_words(body: list[str]) -> tuple[str, ...] | None:
    """The block's lines as pip's words, or None when a line is not a requirements file's."""
    words: list[str] = []
    requirements = 0
    for raw in body:
        requirement, _, marker = raw.partition(";")
        line = _COMMENT.sub("", requirement).strip()
        if not line:
            continue
        if _OPTION.match(line):
            words.extend(
                line.replace("=", " ", 1).split() if line.startswith("--") else line.split()
            )
            continue
        if not _LINE.match(line):
            return None
        requirements += 1
        if not for_other_system(marker):
            words.append(re.sub(r"[ \t]+", "", line))
    return tuple(words) if requirements else None


_DASH_R = re.compile(r"(?:^|\s)(?:-r|--requirement)[ =]['\"`]?(?:\S{0,200}/)?(?P<name>[\w.-]+)")


def installed_notes(readable: str, files: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A note for each shown requirements file a `pip install -r` of the report installs."""
    named = {match["name"] for match in _DASH_R.finditer(readable)}
    return tuple(
        f"`-r {name}`: the {name} the report shows ({' '.join(words)}), installed in that one "
        "step, as pip resolves a file's requirements together"
        for name, words in files.items()
        if name in named
    )
