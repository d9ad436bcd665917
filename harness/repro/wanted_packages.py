"""The packages a report wants installed: those it names (with the versions it gives), and
those its code imports, its traceback runs through or its backend setting needs that it never
names, each with the reason it is wanted."""

from __future__ import annotations

import re

from harness.pypi import PackageIndex
from harness.repro.bug_report.aliases import PINNED_PACKAGES
from harness.repro.bug_report.distributions import (
    bringer_of,
    brought_by,
    distribution_of,
    known_distributions,
)
from harness.repro.bug_report.parse import Extraction, Pin
from harness.repro.request_steps import step_pins, step_ranges
from harness.repro.resolution import Wanted, is_exact
from harness.repro.shown_installed import installed_elsewhere

# The package a Keras 3 backend imports; the report's backend setting needs it installed.
BACKEND_PACKAGES = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}
KNOWN_DISTRIBUTIONS = known_distributions(PINNED_PACKAGES)


def named(
    extraction: Extraction, extracted: list[tuple[str, str]], assumed: list[str]
) -> dict[str, Wanted]:
    """Every package the report names: in its pip lines (as written), then elsewhere."""
    steps = extraction.pip_steps
    wanted: dict[str, Wanted] = {}
    for step in steps:
        extracted.append(("step", f"pip install {step}"))
        ranges = step_ranges(step)
        for name, version in step_pins(step).items():
            if name in wanted:
                continue
            within = ranges.get(name, "")
            wanted[name] = Wanted(
                name=name,
                version=version or "",
                exact=version is not None,
                why="as written"
                if version
                else f"the report installs it as {name}{within}"
                if within
                else "the report installs it without a version",
                within=within,
            )
    for name, words in extraction.latest:
        why = f'the report says "{words}"'
        wanted.setdefault(name, Wanted(name=name, version="", exact=False, why=why))
    conda = "the report installs it with conda"  # PyPI's release of the same name stands in
    for name in extraction.conda_installs:
        wanted.setdefault(name, Wanted(name=name, version="", exact=False, why=conda))
    family = [p for p in extraction.pins if _family_name(p)]
    for pin in extraction.pins:
        extracted.append((f"{pin.name} {pin.version}", pin.source))
        if (pin.name in wanted and wanted[pin.name].exact) or pin in family:
            continue
        wanted[pin.name] = Wanted(
            name=pin.name,
            version=pin.version,
            exact=is_exact(pin.version) or _pinned_with_equals(pin),
            why=f"the report says {pin.version}",
        )
    # "Keras 2" / "TF 2" in a sentence names a family; it pins nothing that the other
    # packages already bring (Keras comes with TensorFlow).
    brought = brought_by({n: w.version or None for n, w in wanted.items()})
    for pin in family:
        installed = wanted.get(pin.name)
        if installed is not None and not installed.version:
            # `pip install keras` with "keras v3" in the text: the family the line installs.
            wanted[pin.name] = Wanted(
                name=pin.name,
                version=pin.version,
                exact=False,
                why=f"the report installs it without a version and says {pin.version}",
            )
        elif pin.name in brought:
            assumed.append(f"{pin.source} read as a family name: {pin.name} comes with the rest")
        elif pin.name not in wanted:
            wanted[pin.name] = Wanted(
                name=pin.name,
                version=pin.version,
                exact=False,
                why=f"the report says {pin.version}",
            )
    return wanted


def _pinned_with_equals(pin: Pin) -> bool:
    """`tensorflow ==1.15` in prose or a freeze line is a pip spec: exactly 1.15.0, as pip
    reads `==1.15`, not the newest 1.15.x."""
    return re.search(r"==\s*v?" + re.escape(pin.version) + r"(?![\w.])", pin.source) is not None


def _family_name(pin: Pin) -> bool:
    return pin.source.startswith('"') and "." not in pin.version


def imported(
    extraction: Extraction,
    wanted: dict[str, Wanted],
    assumed: list[str],
    index: PackageIndex | None,
) -> dict[str, Wanted]:
    """Packages the code imports, its traceback runs through or its backend setting needs,
    that the report never names, unless a named package brings them or the claimed error is
    that they are missing."""
    error = extraction.reported_error
    missing = error.missing_module if error is not None else None
    brought = brought_by({n: w.version or None for n, w in wanted.items()})
    added: dict[str, Wanted] = {}
    reasons = dict.fromkeys(extraction.imports, "the code imports it; the report names no version")
    for name in extraction.traceback_packages:
        reasons.setdefault(name, "its installed files are in the report's traceback")
    for name in extraction.imported_before:
        reasons.setdefault(
            name, "the library in the report's traceback imported it before the failing line"
        )
    for name in extraction.error_packages:
        reasons.setdefault(name, "the report's error names its module")
    setting = extraction.env.get("KERAS_BACKEND") or extraction.code_backend
    backend = BACKEND_PACKAGES.get(setting)
    if backend:
        reasons.setdefault(backend, f"KERAS_BACKEND={setting} needs it")
    for name, said in reasons.items():
        if (
            name in brought
            and name not in wanted
            and name in extraction.imports
            and name not in KNOWN_DISTRIBUTIONS
        ):
            # Said, not left to look unknown: `import certifi` beside `pip install requests`
            # (NumPy beside TensorFlow goes without saying).
            versions = {n: w.version or None for n, w in wanted.items()}
            assumed.append(f"{name}: imported, and comes with {bringer_of(name, versions)}")
        if name in wanted or name in brought:
            continue
        if missing is not None and name == distribution_of(missing):
            assumed.append(
                f"{name} not installed: the code imports it and the report's error is that "
                "it is missing"
            )
            continue
        listed = next((pin for pin in extraction.listed if pin.name == name), None)
        # A pip list / freeze row naming the import with its version shows a distribution of
        # that name installed, as a traceback through its files does (`onnxmltools 1.3.2`).
        known = name in KNOWN_DISTRIBUTIONS or listed is not None
        why = said if known else installed_elsewhere(name, extraction, index, assumed)
        if why is None:
            continue
        if listed is not None:
            added[name] = Wanted(
                name=name, version=listed.version, exact=True, why=f"listed as {listed.source}"
            )
            continue
        added[name] = Wanted(name=name, version="", exact=False, why=why)
    return added
