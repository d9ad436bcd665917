"""The Python a report names, or the nearest one its pinned releases have files for.

"Python 3.11 with tensorflow==2.8.0" cannot be built: TensorFlow 2.8 has wheels up to 3.10
only, so pip finds no release and the image fails before the report's code runs. The report's
packages are better evidence of what failed than its Python (often the Python of the machine
it was written on, not of the environment that failed), so the Python moves to the nearest
one every named release installs on, and the listing says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.request_steps import step_pins
from harness.repro.resolution import PREFERENCE, Wanted, installs_on


def _minor(python: str) -> int:
    return int(python.split(".")[1])


def fitting_python(
    said: str,
    wanted: Sequence[Wanted],
    installs: Callable[[Wanted, str], bool],
) -> tuple[str, str | None]:
    """`said`, or the nearest Python of `PREFERENCE` every versioned package in `wanted`
    installs on (`installs(item, python)`), with the assumption that says why; of two as
    near, the older (an old release is the likelier reason). Where no base image can be had
    for it here, `harness.repro.session.usable_python` moves it again, to a Python the
    request's pins fit (`pins_fit`)."""
    versioned = [item for item in wanted if item.version]

    def fits(python: str) -> bool:
        try:
            return all(installs(item, python) for item in versioned)
        except PackageIndexError:
            return True  # not on PyPI: nothing to say about its files

    if not versioned or fits(said):
        return said, None
    missing = [item for item in versioned if not _safe(installs, item, said)]
    candidates = sorted(
        (p for p in PREFERENCE if p != said),
        key=lambda p: (abs(_minor(p) - _minor(said)), _minor(p)),
    )
    chosen = next((p for p in candidates if fits(p)), None)
    if chosen is None:
        return said, None  # no Python fits them all: pip will say which, as it did
    names = ", ".join(f"{item.name} {item.version}" for item in missing)
    has, it = ("has", "it installs") if len(missing) == 1 else ("have", "they install")
    return chosen, (
        f"Python {chosen} instead of {said}: {names} {has} no files for Python {said}; "
        f"{chosen} is the nearest Python {it} on"
    )


def _safe(installs: Callable[[Wanted, str], bool], item: Wanted, python: str) -> bool:
    try:
        return installs(item, python)
    except PackageIndexError:
        return True


def pins_fit(steps: Sequence[str], index: PackageIndex | None) -> Callable[[str], bool]:
    """Whether every exact pin of `steps` has files for a Python (True without an index)."""
    pinned = [
        Wanted(name=name, version=version, exact=True, why="")
        for step in steps
        for name, version in step_pins(step).items()
        if version
    ]

    def fits(python: str) -> bool:
        if index is None:
            return True
        return all(_safe(lambda w, p: installs_on(w, p, index), item, python) for item in pinned)

    return fits
