"""A report's `pip install git+https://github.com/ORG/REPO.git[@REF]`, as builds can run it.

Builds install through the host's caching mirror of PyPI (harness/build/wheelhouse.py): it
answers `/simple/<project>/` and PyPI's files, nothing else, and the base images have no git.
A GitHub archive URL would need the build to reach github.com, which the mirror does not
serve and a sandboxed build cannot reach; a reproduction whose first step fails would show
nothing of the report's error. So the install is kept out and said; the PyPI release of the
same distribution takes its place where there is one (the tag's release for a version tag,
else the newest by the report's date, the nearest to a branch's head then), and otherwise
the rest of the report is reproduced without it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.bug_report.model import Extraction, GitInstall
from harness.repro.bug_report.pip_lines import words


def from_pypi(extraction: Extraction, index: PackageIndex | None) -> tuple[Extraction, list[str]]:
    """The extraction with each install from git replaced by PyPI's release of the same
    distribution, or left out of its step where PyPI has none; and what was assumed."""
    steps = extraction.pip_steps
    assumed: list[str] = []
    for install in extraction.git_installs:
        replacement, why = _replacement(install, index)
        steps = _replaced(steps, install.name, replacement)
        assumed.append(
            f"`pip install {install.url}` not run: builds install from PyPI (through the "
            f"host's mirror) and cannot fetch from git; {why}"
        )
    return replace(extraction, pip_steps=steps), assumed


def _replacement(install: GitInstall, index: PackageIndex | None) -> tuple[str | None, str]:
    """What to install instead (None: nothing) and why."""
    if index is None:
        return install.name, f"{install.name} from PyPI instead"
    try:
        index.releases(install.name)
    except PackageIndexError:
        return None, f"PyPI has no {install.name}, so it is not installed"
    tagged = re.fullmatch(r"v?(\d+(?:\.\d+)+)", install.ref or "")
    if tagged and index.release(install.name, tagged[1]) is not None:
        return f"{install.name}=={tagged[1]}", (
            f"{install.name} {tagged[1]}, the PyPI release of the tag {install.ref}, instead"
        )
    head = f"the ref {install.ref}" if install.ref else "the default branch"
    return install.name, (
        f"{install.name} from PyPI instead, the latest release by the report's date ({head} "
        "was at least that new)"
    )


def _replaced(steps: tuple[str, ...], name: str, replacement: str | None) -> tuple[str, ...]:
    """`steps` with the bare `name` replaced, or removed (and a step left empty dropped)."""
    out: list[str] = []
    for step in steps:
        kept = [
            word if word != name else replacement
            for word in words(step)
            if word != name or replacement is not None
        ]
        requirements = [w for w in kept if w is not None and not w.startswith("-")]
        if requirements:
            out.append(shlex.join(w for w in kept if w is not None))
    return tuple(out)
