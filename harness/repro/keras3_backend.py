"""The backend a Keras 3 ran on, installed beside it.

Keras 3 (and keras-core before it) requires no backend: it runs on the one KERAS_BACKEND or
~/.keras/keras.json names, else on TensorFlow, and imports that backend's package as soon as
it is imported itself. TensorFlow 2.16 and later require Keras 3, not the other way round.
So whoever reported an error from a Keras 3 they named had its backend installed (unless the
error is that the backend is missing): a reproduction that installs Keras alone fails on
`No module named 'tensorflow'` instead of the reported error.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from harness.repro.bug_report.distributions import brought_by
from harness.repro.bug_report.model import Extraction
from harness.repro.resolution import Wanted

# Distributions that provide each backend's import (a TensorFlow build is TensorFlow).
_PROVIDES = {
    "tensorflow": (
        *("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly"),
        *("tensorflow-macos", "tensorflow-intel"),
    ),
    "jax": ("jax",),
    "torch": ("torch",),
}


def _keras_3(exact: dict[str, str]) -> str | None:
    """The Keras 3 installed, as 'keras 3.3.3' or 'keras-core 0.1.7', if one is."""
    if "keras-core" in exact:
        return f"keras-core {exact['keras-core']}"
    try:
        keras = Version(exact["keras"]) if "keras" in exact else None
    except InvalidVersion:
        return None
    return f"keras {keras}" if keras is not None and keras.major >= 3 else None


def backend_wanted(
    exact: dict[str, str], extraction: Extraction, assumed: list[str]
) -> Wanted | None:
    """The backend package to add beside a Keras 3 installed without it, or None (no Keras 3,
    a backend without a package of its own such as numpy, its package installed or brought
    by another, or the report's error is that it is missing, said in `assumed`)."""
    keras = _keras_3(exact)
    if keras is None:
        return None
    setting = (
        extraction.env.get("KERAS_BACKEND")
        or extraction.code_backend
        or str((extraction.keras_json or {}).get("backend") or "")
    )
    backend = setting or "tensorflow"
    provided = _PROVIDES.get(backend)
    if provided is None:
        return None
    brought = brought_by(dict.fromkeys(exact, None))
    if any(name in exact or name in brought for name in provided):
        return None
    error = extraction.reported_error
    if error is not None and error.missing_module == backend:
        assumed.append(
            f"{provided[0]} not installed beside {keras}: the report's error is that it is missing"
        )
        return None
    why = (
        f"the report sets the backend to {backend}"
        if setting
        else "the report sets no backend, and TensorFlow is Keras 3's default"
    )
    # Before TensorFlow 2.16 none fits a Keras 3 (TensorFlow 2.15 requires Keras 2): those
    # who ran Keras 3.0 upgraded it over the TensorFlow of the day, not a later one.
    return Wanted(
        name=provided[0],
        version="",
        exact=False,
        why=f"{keras} runs on a backend installed beside it: {why}",
        later=False,
    )
