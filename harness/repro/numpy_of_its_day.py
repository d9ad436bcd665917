"""NumPy as of the report's day, where pip would otherwise bring a NumPy 2 the reporter never had.

NumPy is left to pip where a named package brings it (TensorFlow, Keras, JAX): its release is
the one those packages' requirements choose. But pip chooses it today, and many releases put
no upper bound on NumPy (TensorFlow 2.14 and earlier, Keras 3.0 to 3.x). NumPy 2.0 (June 2024)
changed its binary interface, and a module built against NumPy 1 fails at import under it:
`pip install tensorflow==2.9.1` today gets NumPy 2 and stops at `TypeError: Unable to convert
function return value to a Python type!` inside TensorFlow, before the report's code runs. A
report written before NumPy 2 was out had a NumPy 1, so NumPy is resolved as of its day, within
what the packages require, like any package the report leaves open.
"""

from __future__ import annotations

from datetime import date

from packaging.version import Version

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.bug_report.distributions import COMES_WITH
from harness.repro.constraints import constraint_on
from harness.repro.resolution import Wanted, implied_dates

_NUMPY_2 = Version("2.0.0")


def numpy_wanted(
    exact: dict[str, str],
    wanted: dict[str, Wanted],
    index: PackageIndex | None,
    *,
    day: date | None,
    python: str,
) -> Wanted | None:
    """NumPy, left open, when packages settled to `exact` bring it, allow NumPy 2, and the
    report's day (given, else the one its versions imply) came before NumPy 2.0.0's upload."""
    if index is None or "numpy" in wanted:
        return None
    bringers = {n: v for n, v in exact.items() if "numpy" in COMES_WITH.get(n, ())}
    when = day or implied_dates(wanted.values(), index).latest()
    if not bringers or when is None:
        return None
    numpy_2 = next((r for r in index.releases("numpy") if r.version == _NUMPY_2), None)
    if numpy_2 is None or numpy_2.uploaded is None or when >= numpy_2.uploaded:
        return None
    try:
        allowed = constraint_on("numpy", bringers, index, python).specifier
    except PackageIndexError:
        return None
    if not allowed.contains(_NUMPY_2):
        return None  # pip keeps a NumPy 1 by itself
    named = ", ".join(f"{n} {v}" for n, v in bringers.items())
    return Wanted(
        name="numpy",
        version="",
        exact=False,
        why=f"brought by {named}, which allow{'s' if len(bringers) == 1 else ''} NumPy 2, "
        f"not out by {when}: pip today would install a NumPy 2, and modules built against "
        "NumPy 1 fail to import under it",
    )
