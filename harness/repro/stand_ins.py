"""What a run put in place of the report's own environment, as its assumptions say it.

A reproduction that cannot have the reporter's Python (no base image for it here, or the
pinned releases have no files for it) or build (a nightly PyPI no longer serves) runs a
stand-in. Where the error then does not come, the stand-in may be why: `dict | dict` fails
on Python 3.8 and not on 3.9, whatever the release. The verdict says so rather than reading
as the error being gone.
"""

from __future__ import annotations

import re

# session.usable_python / python_fit: "Python 3.9 instead of 3.8: no Debian suite ships ..."
_PYTHON = re.compile(r"^Python (?P<ran>\d+\.\d+) instead of (?P<said>\d+\.\d+):")
# nightlies: "tf-nightly 2.13.0.dev20230427 is no longer on PyPI (...): tensorflow 2.13.0,
# the first release of the line that nightly led to, stands in"
_NIGHTLY = re.compile(
    r"^(?P<nightly>\S+ \S+) is no longer on PyPI\b[^:]*: (?P<ran>\S+ \S+), .*\bstands in$"
)


def stand_ins(assumed: tuple[str, ...]) -> tuple[str, ...]:
    """Each stand-in, as "X for the report's Y", in the order the assumptions give them."""
    found: list[str] = []
    for note in assumed:
        python = _PYTHON.match(note)
        if python is not None:
            found.append(f"Python {python['ran']} for the report's {python['said']}")
            continue
        nightly = _NIGHTLY.match(note)
        if nightly is not None:
            found.append(f"{nightly['ran']} for the report's {nightly['nightly']}")
    return tuple(dict.fromkeys(found))


def qualified(sentence: str, assumed: tuple[str, ...]) -> str:
    """A "**Not reproduced**: ..." verdict, named a stand-in run where one was, with what
    stood in for what; any other verdict as it is."""
    found = stand_ins(assumed)
    head = "**Not reproduced**: "
    if not found or not sentence.startswith(head):
        return sentence
    return (
        f"**Not reproduced (stand-in environment)**: {sentence[len(head) :].rstrip('.')}; "
        f"this ran {' and '.join(found)}, so an error of the report's own environment may "
        "not show here."
    )
