"""The Python a report runs: stated in prose or a field, given to an environment being made, or
read from a path, a wheel's tag or a printed `sys.version`. A Python the report says works is
another than the failing one."""

from __future__ import annotations

import re

from harness.repro.bug_report import version_roles
from harness.repro.bug_report.docker_images import first_image_python
from harness.repro.bug_report.other_languages import IS, LATIN_WORD, OF, VERSION_WORDS

# A Python version: any 3.x, and the Python 2 that old reports run (2.7, and 2.6 before it).
_MINOR = r"(?:3\.\d{1,2}|2\.[67])"
# Python from prose and fields, from an environment being made, from paths, from sys.version.
_PYTHON_FORMS = (
    (
        re.compile(
            # A label or brackets may stand between the name and the number: "Python version
            # (3.8.10)", "python version - 3.10", "Python [3.11]".
            # Chinese, Japanese and Korean glue it to words ("环境python3.7", "python版本：3.8");
            # "pyhton" is as often typed.
            r"(?<!"
            + LATIN_WORD
            + r")py(?:th|ht)on(?:\s*(?:"
            + OF
            + r"[ \t]*)?(?:version|"
            + VERSION_WORDS
            # an arrow in a list of what is installed: "Python --> 3.9.16"
            + r"))?\s*(?:--?>|=>|\u2192|[:=]+|\bis\b|"
            + IS
            + r"|-(?=\s))?\s*[(\[]?\s*['\"`]?v?("
            + _MINOR
            + r")(?:\.\d+|\.[x*])?"
            r"(?!\d|\.\d)[)\]]?",  # a sentence's full stop may follow: "Python 3.11.9."
            re.IGNORECASE,
        ),
        "",
    ),
    # `/usr/lib/python2.7/site-packages`, `.../lib/python3.10/...`
    (re.compile(r"(?<![\w.])python(" + _MINOR + r")(?!\d|\.\d)", re.IGNORECASE), "path "),
    # `C:\Python27\lib\...`, `...\Python312\Lib\site-packages`, and a cmd prompt in it
    # (`C:\Users\me\AppData\Local\Programs\Python\Python36>python -c ...`).
    (re.compile(r"[\\/]Python(3\d{1,2}|2[67])(?:-32)?(?:[\\/]|>)", re.IGNORECASE), "path "),
    # A Windows install under its version: `c:\Developer\Python\3.13.2\Lib\site-packages`.
    (re.compile(r"[\\/]Python[\\/](" + _MINOR + r")(?:\.\d+)?[\\/]", re.IGNORECASE), "path "),
    (re.compile(r"-cp(3\d{1,2}|2[67])-"), "wheel tag "),
    # A `conda list` row's build string names the Python the package was built for:
    # `keras  2.10.0  py310haa95532_0`, `tensorflow  2.6.0  mkl_py39h31650da_0`, `py36_0`.
    (
        re.compile(r"(?<![A-Za-z0-9.])py(3\d{1,2}|2[67])(?:h[0-9a-f]{7,8})?_\d+(?![\w.])"),
        "conda build ",
    ),
    (
        re.compile(r"(?<![\w.])['\"]?(" + _MINOR + r")\.\d+\s*\((?:main|default|tags|v3|heads)"),
        "sys.version ",
    ),
)


def python_of(readable: str) -> tuple[str, str] | None:
    """The Python version a line states, and the words it was read from."""
    return said(readable)[0]


def said(readable: str) -> tuple[tuple[str, str] | None, tuple[str, ...]]:
    """The Python version a line states and the words it was read from, with a note for each
    Python the report names as another than the failing one ("it works in Python 3.10"): that
    one is never the failing Python, even when the report states no other."""
    roles = version_roles.roles(readable)
    chosen: tuple[str, str] | None = None
    # The image a report runs (`FROM tensorflow/tensorflow:2.15.0`) ran its code in that image's
    # Python, whatever else the report says of the machine it was started from.
    image = first_image_python(readable)
    if image is not None and roles.of(image[2]) not in ("other", "requirement"):
        chosen = (image[0], f'the image "{image[1]}" runs Python {image[0]}')
    for version, words in roles.failing_python:
        minor = re.match(_MINOR, version)
        if chosen is None and minor is not None:
            chosen = (minor[0], f'"{words}"')
    passed_over: dict[str, str] = {}
    for pattern, kind in _PYTHON_FORMS:
        for match in pattern.finditer(readable):
            version = match[1] if "." in match[1] else f"{match[1][0]}.{match[1][1:]}"
            role = roles.of(match.start())
            if role == "other":
                passed_over.setdefault(version, match[0].strip())
            elif chosen is None and role != "requirement":
                chosen = (version, f'{kind}"{" ".join(match[0].split())}"')
    notes = tuple(
        f'Python {version} not used: "{words}" names another Python than the failing one'
        for version, words in passed_over.items()
        if chosen is None or version != chosen[0]
    )
    ran = _python3_paths(readable) if chosen is not None and chosen[0][0] == "2" else None
    if chosen is not None and ran is not None and not chosen[1].startswith("path"):
        # "Python version: 2.7.18" (what `python --version` printed) beside a traceback from
        # `.../lib/python3.8/site-packages/...`: the program ran on the Python of its paths.
        notes = (
            *notes,
            f"Python {chosen[0]} not used: {chosen[1]} is contradicted by the installed "
            f"paths of the report's traceback, which ran on Python {ran[0]}",
        )
        chosen = ran
    return chosen, notes


def _python3_paths(readable: str) -> tuple[str, str] | None:
    """The Python 3 of an installed path (`.../lib/python3.8/site-packages/...`), if any."""
    for match in re.finditer(r"(?<![\w.])python(3\.\d{1,2})(?!\d|\.\d)[\\/]", readable):
        if re.search(r"(?:site|dist)-packages", readable[match.end() : match.end() + 40]):
            return match[1], f'path "{match[0].rstrip("/").rstrip(chr(92))}"'
    return None


def in_quoted_paths(text: str) -> tuple[str, str] | None:
    """The Python of the installed paths in `text` (the report with its `>`-quoted lines): a
    traceback pasted as a quote is still the reporter's machine speaking, whose paths name
    its Python (`> /home/u/anaconda3/lib/python3.5/site-packages/keras/__init__.py`)."""
    for pattern, kind in _PYTHON_FORMS:
        match = pattern.search(text) if kind == "path " else None
        if match is not None:
            version = match[1] if "." in match[1] else f"{match[1][0]}.{match[1][1:]}"
            return version, f'path in a quoted line "{match[0].strip()}"'
    return None
