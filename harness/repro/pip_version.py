"""The pip a reproduction's venv gets: the harness's own, or the newest the Python runs.

The template upgrades the venv's pip to one version before the report's steps; pip 24.1 and
later require Python 3.8, so on an older Python that install fails before any step of the
report. Those Pythons get the newest pip whose Requires-Python admits them (PyPI's files for
pip: 24.0 requires >=3.7, 21.3.1 >=3.6, 20.3.4 admits 3.5), which is also the newest pip
the reporter could have had there.
"""

from __future__ import annotations

PIP_VERSION = "24.3.1"
_NEWEST_FOR = {"3.7": "24.0", "3.6": "21.3.1", "3.5": "20.3.4"}
# The pip of a dated environment (day_of_pypi.py): the first with --uploaded-prior-to, which
# still runs on Python 3.9 (26.1 and later need 3.10).
DATED_PIP = "26.0.1"
_DATED_PIP_FROM = (3, 9)


def runs_dated_pip(python: str) -> bool:
    """Whether DATED_PIP runs on CPython `python` ('3.9')."""
    major, minor = (int(part) for part in python.split(".")[:2])
    return (major, minor) >= _DATED_PIP_FROM


def pip_for(python: str, *, dated: bool = False) -> tuple[str, str | None]:
    """The pip to install on CPython `python` ('3.7'), and why when it is not PIP_VERSION;
    DATED_PIP where the environment sees PyPI as of a day (said by day_of_pypi.said)."""
    if dated:
        return DATED_PIP, None
    older = _NEWEST_FOR.get(python)
    if older is None:
        return PIP_VERSION, None
    return older, (
        f"pip {older} in the venv, not {PIP_VERSION}: pip's releases after {older} "
        f"require a newer Python than {python}"
    )


def renoted(assumed: tuple[str, ...], before: str, after: str) -> tuple[str, ...]:
    """`assumed` with the pip said for Python `before` replaced by the one for `after`."""
    stale = pip_for(before)[1]
    return (*(a for a in assumed if a != stale), *(n for n in pip_for(after)[1:] if n))
