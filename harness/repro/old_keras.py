"""The backend a Keras 2 ran on, installed beside it.

What Keras's releases on PyPI declare (setup.py of the sdists, METADATA of the wheels): 0.2 to
1.2.2 and 2.0.1 to 2.0.6 require Theano, 2.0.0 requires TensorFlow, 2.0.7 to 2.4.3 require no
backend at all. The backend Keras uses is Theano before 1.1.0 and TensorFlow from 1.1.0 on,
unless ~/.keras/keras.json or KERAS_BACKEND says another (the first import writes the default
into keras.json); Keras 2.4 runs on TensorFlow >= 2.2 alone. TensorFlow itself depends on Keras
only from 2.6. So whoever reported against Keras < 2.6 had a backend installed beside it, and
a reproduction that installs Keras alone fails on the missing backend instead of the reported
error: the backend the report shows is added, else that Keras's default.

Keras 2.6 to 2.15 is tf.keras's code in a package of its own: it imports TensorFlow and
declares no requirement at all (their wheels' METADATA has no Requires-Dist), while each
TensorFlow 2.6-2.15 requires the Keras of its own minor. A report that names one of them and
no TensorFlow had the TensorFlow of that minor: it is added, the newest patch by the date.

Keras 3's backend is added by harness/repro/keras3_backend.py.
"""

from __future__ import annotations

import json
from typing import Any

from packaging.version import InvalidVersion, Version

from harness.repro.bug_report.model import Extraction
from harness.repro.bug_report.multi_backend import BACKENDS
from harness.repro.resolution import Wanted

_NEEDS_BACKEND_BEFORE = Version("2.6")
_KERAS_3 = Version("3")
_TENSORFLOW_ONLY_FROM = Version("2.4")
_TENSORFLOW_DEFAULT_FROM = Version("1.1.0")
_NAMES = {"tensorflow": "TensorFlow", "theano": "Theano", "cntk": "CNTK"}
# Distributions that provide a backend's import (a TensorFlow build is TensorFlow).
_PROVIDES = {
    "tensorflow": (
        *("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"),
        *("tensorflow-macos", "tensorflow-intel"),
    ),
    "theano": ("theano",),
    "cntk": ("cntk", "cntk-gpu"),
}


def _keras(exact: dict[str, str]) -> Version | None:
    """The Keras version installed, when it is one that needs a backend beside it."""
    try:
        keras = Version(exact["keras"]) if "keras" in exact else None
    except InvalidVersion:
        return None
    return keras if keras is not None and keras < _NEEDS_BACKEND_BEFORE else None


def _default(keras: Version) -> str:
    return "tensorflow" if keras >= _TENSORFLOW_DEFAULT_FROM else "theano"


def _chosen(keras: Version, extraction: Extraction) -> tuple[str, str, bool]:
    """The backend this Keras ran on, why, and whether the report says so (not a default)."""
    if keras >= _TENSORFLOW_ONLY_FROM:
        return "tensorflow", f"Keras {keras} runs on TensorFlow alone", False
    setting = extraction.env.get("KERAS_BACKEND") or (extraction.keras_json or {}).get("backend")
    if setting in BACKENDS:
        return setting, f"the report sets the backend to {setting}", True
    if extraction.shown_backend is not None:
        name, words = extraction.shown_backend
        return name, f'the report shows "{words}"', True
    default = _default(keras)
    return default, f"the report shows none; {_NAMES[default]} is Keras {keras}'s default", False


def backend_wanted(
    exact: dict[str, str], extraction: Extraction, assumed: list[str]
) -> Wanted | None:
    """The backend package to add for a Keras < 2.6, or None (a newer Keras, the report
    already installs that backend, with no backend shown any backend it installs, or the
    report's error is that the backend is missing, said in `assumed`)."""
    keras = _keras(exact)
    if keras is None:
        return _tensorflow_of_its_minor(exact)
    backend, why, said = _chosen(keras, extraction)
    provided = _PROVIDES[backend] if said else tuple(p for ps in _PROVIDES.values() for p in ps)
    if any(name in exact for name in provided):
        return None
    error = extraction.reported_error
    if error is not None and error.missing_module == backend:
        # "Using TensorFlow backend." then "No module named 'tensorflow'": the backend Keras
        # chose was not there, and that absence is what the report is about.
        assumed.append(
            f"{backend} not installed beside Keras {keras}: the report's error is "
            "that it is missing"
        )
        return None
    return Wanted(
        name=backend,
        version="",
        exact=False,
        why=f"Keras {keras} runs on a backend installed beside it: {why}",
    )


def _tensorflow_of_its_minor(exact: dict[str, str]) -> Wanted | None:
    """TensorFlow of the same minor for a standalone Keras 2.6-2.15 installed without one."""
    try:
        keras = Version(exact["keras"]) if "keras" in exact else None
    except InvalidVersion:
        return None
    if keras is None or not _NEEDS_BACKEND_BEFORE <= keras < _KERAS_3:
        return None
    if any(name in exact for name in _PROVIDES["tensorflow"]):
        return None
    minor = f"{keras.major}.{keras.minor}"
    return Wanted(
        name="tensorflow",
        version=minor,
        exact=False,
        why=f"Keras {keras} imports TensorFlow and requires none; TensorFlow {minor} is the one "
        f"that requires Keras {minor}",
    )


def keras_of_the_layout(wanted: dict[str, Wanted], extraction: Extraction) -> Wanted | None:
    """Keras 2 when the report gives Keras no version but its traceback runs through Keras
    2.13-2.15's files; the newest 2.x by the date is one of those (2.15.0 is the last). Not
    where a TensorFlow before 2.16 is named: it brings its own Keras 2."""
    if extraction.keras_layout is None or (wanted.get("keras") and wanted["keras"].version):
        return None
    tensorflows = [wanted[n].version for n in _PROVIDES["tensorflow"] if n in wanted]
    if any(v and Version(v).release < (2, 16) for v in tensorflows):
        return None
    family, why = extraction.keras_layout
    return Wanted(name="keras", version=family, exact=False, why=why)


def keras_json(
    steps_pins: dict[str, str], extraction: Extraction
) -> tuple[dict[str, Any], str] | None:
    """`{"backend": X}` and why, when the backend the report shows is not its Keras's default
    and the report sets it nowhere: the reporter's keras.json said it (Keras < 2.4 reads it)."""
    keras = _keras(steps_pins)
    if keras is None or keras >= _TENSORFLOW_ONLY_FROM or extraction.keras_json is not None:
        return None
    if "KERAS_BACKEND" in extraction.env or extraction.shown_backend is None:
        return None
    backend = extraction.shown_backend[0]
    if backend == _default(keras):
        return None
    setting = {"backend": backend}
    return setting, (
        f"keras.json {json.dumps(setting)}: the report shows Keras {keras} on "
        f"{_NAMES[backend]}, not its default {_NAMES[_default(keras)]}"
    )
