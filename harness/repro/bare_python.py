"""The Python a report runs on before any package is chosen, and a report whose code needs
nothing but the module its error says is missing, which runs on Python alone."""

from __future__ import annotations

from harness.repro.bug_report.distributions import distribution_of
from harness.repro.bug_report.model import Extraction


def python_3(
    given: str | None, extraction: Extraction, assumed: list[str]
) -> tuple[str, str] | None:
    """The Python given or read, and where; None (said in `assumed`) for a Python 2."""
    python_said = (given, "given") if given else extraction.python
    if python_said is not None and python_said[0].startswith("2.") and not given:
        # No base image runs Python 2: each makes a venv and installs pip 24, neither of
        # which Python 2 has. Versions are resolved for the Python 3 that will run instead.
        assumed.append(
            f"Python {python_said[0]} ({python_said[1]}) not used: no base image runs Python 2; "
            "the Python is chosen as for a report that names none"
        )
        return None
    return python_said


def only_the_missing_module(extraction: Extraction, assumed: list[str]) -> bool:
    """Whether the report's code imports nothing but the module its error says is missing
    (`import keras` then "No module named 'keras'"): the reporter's Python had nothing it
    needs, and Python alone runs the code as the reporter did. Said in `assumed`."""
    error = extraction.reported_error
    missing = error.missing_module if error is not None else None
    if extraction.code is None or missing is None or extraction.pip_steps:
        return False
    if distribution_of(missing) not in extraction.imports:
        return False
    assumed.append(
        f"nothing installed: the code needs only {missing}, and the report's error is that "
        "it is missing"
    )
    return True
