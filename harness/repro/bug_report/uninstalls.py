"""`pip uninstall X` between a report's installs ("pip install tensorflow==2.16.1", then
"pip uninstall -y keras", then "pip install tf-keras==2.16.0").

A reproduction's build only installs: each step is one `pip install` (see
harness/templates/environment.Dockerfile.j2), so an uninstall is not run. Where a later line
installs the same package again, nothing is lost: the last install is what the reporter had.
Where none does, the package stays wherever a step brings it, which the reporter's environment
no longer had; the listing says so either way rather than drop the line silently.
"""

from __future__ import annotations

import re

from harness.repro.bug_report.pip_lines import canonical, pip_steps, step_names

# `pip uninstall -y keras`, `!pip uninstall keras-nightly`, `python -m pip uninstall x y`.
_UNINSTALL = re.compile(
    r"(?<![\w./-])(?:(?:python[\d.]*|py)(?:\.exe)?\s+-m\s+)?pip(?:3(?:\.\d+)?)?(?:\.exe)?"
    r"\s+uninstall\b(?P<rest>[^\n]*)"
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_ENDS = ("&&", "||", ";", "|", ">", "2>&1")


def _names(rest: str) -> list[str]:
    """The distributions an uninstall's arguments name, up to the end of its command."""
    names: list[str] = []
    for raw in rest.split():
        word = raw.strip("`'\"")
        if word in _ENDS or word.startswith("#"):
            break
        if word.startswith("-"):
            continue  # -y, --yes
        word = word.rstrip(".,:;)`'\"")
        name = re.split(r"[\[<>=!~]", word)[0]
        if not _NAME.fullmatch(name):
            break
        names.append(canonical(name))
        if raw.endswith(("`", ".", ",", ";", ")")):
            break  # the sentence goes on after the command
    return names


def uninstall_notes(readable: str) -> tuple[str, ...]:
    """What the listing says of each `pip uninstall` in the reporter's words. Read from the
    last line up, so that what later lines install is known in one pass."""
    notes: list[str] = []
    later: set[str] = set()
    for line in reversed(readable.splitlines()):
        found = list(_UNINSTALL.finditer(line))
        for match in reversed(found):
            # From its own arguments on: `pip uninstall -y keras && pip install keras==3.3.3`.
            after = {
                name for step in pip_steps(line[match.start("rest") :]) for name in step_names(step)
            }
            for name in reversed(_names(match["rest"])):
                notes.append(_note(name, again=name in later | after))
        later.update(name for step in pip_steps(line) for name in step_names(step))
    return tuple(dict.fromkeys(reversed(notes)))


def _note(name: str, *, again: bool) -> str:
    if again:
        return (
            f"`pip uninstall {name}` not run (a build's steps only install): a later step "
            f"installs {name} again, as the reporter's last install did"
        )
    return (
        f"`pip uninstall {name}` not run (a build's steps only install): {name} stays "
        "installed wherever a step brings it, though the reporter had removed it"
    )
