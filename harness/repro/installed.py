"""The versions a repro's image really holds of the packages its pip steps name.

Cells record a fixed set of packages (TensorFlow, Keras, the backends, NumPy); a report is as
often about a library built on them (keras-hub, segmentation-models, keras-tcn), and the
version pip gave that library is what a maintainer reads first. The image's own `pip freeze`,
exported into the run, says it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from packaging.utils import canonicalize_name

from harness.build.freezes import file_name
from harness.repro.request_steps import step_pins
from harness.results.rundir import ENVIRONMENTS

_PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;#]+)$")


def freeze_versions(text: str) -> dict[str, str]:
    """name (canonical) -> version, from `pip freeze` lines; comments and URLs are skipped."""
    found = {}
    for line in text.splitlines():
        match = _PINNED.match(line.strip())
        if match is not None:
            found[str(canonicalize_name(match["name"]))] = match["version"]
    return found


def read_freeze(run_dir: Path, python: str, environment: str) -> dict[str, str]:
    """The exported freeze of one environment of the run, or nothing where there is none."""
    try:
        text = (run_dir / ENVIRONMENTS / file_name(python, environment)).read_text("utf-8")
    except OSError:
        return {}
    return freeze_versions(text)


def named_in(steps: Iterable[str]) -> list[str]:
    """The packages the pip steps name (canonical), in order."""
    return list(dict.fromkeys(name for step in steps for name in step_pins(step)))
