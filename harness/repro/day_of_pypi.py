"""PyPI as it was on the report's day, for every package the steps leave open.

The steps pin what the report names; pip resolves the rest (protobuf, h5py, NumPy, ...) today.
Many releases put no upper bound on those: `pip install tensorflow==2.6.0` today brings
protobuf 6 and stops at `TypeError: Descriptors cannot be created directly.` inside TensorFlow's
import, an error no reporter of 2021 ever saw. pip 26.0 and later consider no file uploaded
after `--uploaded-prior-to` (PIP_UPLOADED_PRIOR_TO), which the environment's Dockerfile sets, so
the whole install resolves as it did then: in the harness's builds, and on any machine the
Dockerfile of the report is built on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from packaging.version import InvalidVersion, Version

from harness.config.matrix_schema import utc_moment
from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.pip_version import DATED_PIP, runs_dated_pip
from harness.repro.request_steps import step_pins


@dataclass(frozen=True, kw_only=True)
class DayOfPypi:
    """The moment an environment's install sees PyPI as of, and why it is not the day after
    the report's when a pinned release came later."""

    moment: str
    why: str | None = None


def day_of_pypi(
    steps: Sequence[str], as_of: date | None, index: PackageIndex | None, *, python: str
) -> DayOfPypi | None:
    """PyPI as of the end of `as_of` for `steps` (None without a day, or on a Python too old
    for the pip that reads it). A release the steps pin that PyPI received later moves the
    moment to the end of that release's first day: the reporter had it, so their day came after,
    and before it pip would find no file of it."""
    # Python alone (no steps) installs nothing for the moment to choose among.
    if as_of is None or not steps or not runs_dated_pip(python):
        return None
    end = as_of + timedelta(days=1)
    later: list[tuple[date, str]] = []
    for step in steps:
        for name, pinned in step_pins(step).items():
            uploaded = _uploaded(index, name, pinned)
            if uploaded is not None and uploaded >= end:
                later.append((uploaded, f"{name} {pinned}"))
    if not later:
        return DayOfPypi(moment=utc_moment(end))
    uploaded, named = max(later)
    return DayOfPypi(
        moment=utc_moment(uploaded + timedelta(days=1)),
        why=f"{named} came out on {uploaded.isoformat()}, after the report's day",
    )


def released(index: PackageIndex, name: str, version: object) -> date | None:
    """The day PyPI received `name` `version`'s first file (None: not known)."""
    return _uploaded(index, name, str(version))


def _uploaded(index: PackageIndex | None, name: str, pinned: str | None) -> date | None:
    if index is None or pinned is None:
        return None
    try:
        wanted = Version(pinned)
        releases = index.releases(name)
    except (InvalidVersion, PackageIndexError):
        return None
    return next((r.uploaded for r in releases if r.version == wanted), None)


def said(day: DayOfPypi) -> str:
    """The assumption the listing prints for a dated environment."""
    why = f" ({day.why})" if day.why else ""
    return (
        f"what the steps leave open resolves as PyPI had it before {day.moment}{why}: "
        f"pip {DATED_PIP} in the venv, which reads PIP_UPLOADED_PRIOR_TO; today's releases "
        "are not what the reporter had"
    )
