"""jaxlib beside a JAX release that does not require it.

Up to JAX 0.4.30, `jax` declared `jaxlib` only under its extras (`jax[cpu]`, `jax[cuda12]`):
`pip install jax==0.4.20` installs no jaxlib, and `import jax` then stops at "jax requires
jaxlib to be installed" before the report's code runs (Keras 3 on the JAX backend imports it
first). Whoever reported an error from that JAX had a jaxlib, installed through an extra or
beside it; JAX's own pins say which: the `cpu` extra's `jaxlib==X`, the release built with it.
From 0.4.31 `jax` requires `jaxlib` itself, and nothing is added.
"""

from __future__ import annotations

import re

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.resolution import Wanted


def _cpu_jaxlib(lines: tuple[str, ...]) -> tuple[bool, str | None]:
    """(whether jaxlib is required without an extra, the `cpu` extra's exact jaxlib)."""
    required, cpu = False, None
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != "jaxlib":
            continue
        marker = requirement.marker
        if marker is None or not _names_an_extra(marker):
            required = True
        elif marker.evaluate({"extra": "cpu"}) and not marker.evaluate({"extra": ""}):
            pins = [s.version for s in requirement.specifier if s.operator == "=="]
            cpu = pins[0].split("+", maxsplit=1)[0] if len(pins) == 1 else cpu
    return required, cpu


def _names_an_extra(marker: Marker) -> bool:
    return "extra" in str(marker)


_JAX_WITH_EXTRA = re.compile(r"(?:^|[\s'\"])jax\[[^\]]+\]", re.IGNORECASE)


def jaxlib_wanted(
    exact: dict[str, str],
    wanted: dict[str, Wanted],
    index: PackageIndex | None,
    *,
    python: str,
    steps: tuple[str, ...] = (),
) -> Wanted | None:
    """jaxlib at the version JAX's `cpu` extra pins, where the settled `jax` does not require
    it and nothing in the report installs it (`jaxlib` itself, or `jax[cpu]` in a pip line);
    None otherwise."""
    if index is None or "jax" not in exact or "jaxlib" in wanted or "jaxlib" in exact:
        return None
    if any(_JAX_WITH_EXTRA.search(step) for step in steps):
        return None
    try:
        lines = index.requirements("jax", exact["jax"], python=python)
    except PackageIndexError:
        return None
    required, cpu = _cpu_jaxlib(lines)
    if required or cpu is None:
        return None
    return Wanted(
        name="jaxlib",
        version=cpu,
        exact=True,
        why=f"jax {exact['jax']} requires jaxlib only through an extra (jax[cpu] pins "
        f"jaxlib=={cpu}); without it `import jax` fails before the report's code runs",
    )
