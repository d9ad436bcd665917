"""TensorFlow Addons' compatibility warning, printed when it is imported beside a TensorFlow it
was not tested with (tensorflow_addons/utils/ensure_tf_install.py):

    UserWarning: Tensorflow Addons supports using Python ops for all Tensorflow versions above
    or equal to 2.5.0 and strictly below 2.8.0 (nightly versions are not supported).
     The versions of TensorFlow you are currently using is 2.9.1 and is not supported.

It is a warning, never the error a report claims; but it states two versions the reporter had
installed, which surveyed reports often give nowhere else: TensorFlow's, and through the range
it names, the Addons release that printed it (each release's range is in its
tensorflow_addons/version.py). The range is never a requirement of the reporter's: it is what
that release was tested with, and the TensorFlow installed is outside it.
"""

from __future__ import annotations

import re

# Each Addons release line's tested range, from its tensorflow_addons/version.py (0.9 on,
# the first with the warning), and the first release with that range: it was out when the
# warning was printed, whatever day the report gives (0.11.0 shares 0.10.0's range and came
# three months later).
_RELEASE_OF_RANGE = {
    ("2.1.0", "2.3.0"): "0.9.0",
    ("2.2.0", "2.3.0"): "0.10.0",
    ("2.2.0", "2.4.0"): "0.11.1",
    ("2.3.0", "2.5.0"): "0.12.0",
    ("2.3.0", "2.6.0"): "0.13.0",
    ("2.4.0", "2.7.0"): "0.14.0",
    ("2.5.0", "2.8.0"): "0.15.0",
    ("2.6.0", "2.9.0"): "0.16.1",
    ("2.7.0", "2.10.0"): "0.17.0",
    ("2.8.0", "2.11.0"): "0.18.0",
    ("2.9.0", "2.12.0"): "0.19.0",
    ("2.10.0", "2.13.0"): "0.20.0",
    ("2.11.0", "2.14.0"): "0.21.0",
    ("2.12.0", "2.15.0"): "0.22.0",
    ("2.13.0", "2.16.0"): "0.23.0",
}
_VERSION = r"\d+\.\d+(?:\.\d+)?"
_RANGE = re.compile(
    rf"Tensorflow Addons supports using Python ops for all Tensorflow versions above or equal "
    rf"to (?P<low>{_VERSION}) and strictly below (?P<high>{_VERSION})",
    re.IGNORECASE,
)
# The line after it (a log's prefix or a Windows console's wrap may come between).
_INSTALLED = re.compile(
    rf"The versions? of TensorFlow you are currently using is (?P<tf>{_VERSION}[\w.+-]*) and is "
    r"not supported",
    re.IGNORECASE,
)
_GAP = 600  # characters from the range to the installed version: the same warning


def stated(text: str) -> list[tuple[str, str, str]]:
    """(distribution, version, the words that say it) for each version the warnings in
    `text` state: TensorFlow's, and the Addons release whose tested range the warning names
    (when that range is one a release had)."""
    found: list[tuple[str, str, str]] = []
    for warning in _RANGE.finditer(text):
        low, high = _full(warning["low"]), _full(warning["high"])
        installed = _INSTALLED.search(text, warning.end(), warning.end() + _GAP)
        if installed is not None:
            words = f"Addons' warning: TensorFlow you are currently using is {installed['tf']}"
            found.append(("tensorflow", installed["tf"], words))
        release = _RELEASE_OF_RANGE.get((low, high))
        if release is not None:
            words = f"Addons' warning: supports TensorFlow >= {low} and < {high}"
            found.append(("tensorflow-addons", release, words))
    return found


def _full(version: str) -> str:
    return version if version.count(".") == 2 else f"{version}.0"
