"""Each image's full `pip freeze`, exported into the run, and read back as pip constraints.

Every environment names only its top-level installs; what pip resolves beneath them (numpy,
protobuf, ml-dtypes, ...) moves with each release. The freeze each image writes at build time
(/opt/keras-matrix/pip-freeze.txt) is copied to `results/<run>/environments/py<P>-<env>.txt`
with the image's and its base's identity, so that a later build (`--pin-from RUN`, or the
matrix's `constraints:`) installs exactly those versions through pip's constraints.

A final freeze cannot constrain every step of a layered environment (TensorFlow, then Keras 3
over it): it holds the versions the last step brought, which an earlier step's own requirements
may refuse (TensorFlow 2.15 needs keras<2.16). So step N is constrained to the freeze of the
environment that was exactly the first N steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from harness.build.dockerfile import ImageSpec, install_steps
from harness.build.images import ImageRecord
from harness.config.matrix import Matrix
from harness.engine.api import Engine
from harness.errors import ResultsError
from harness.results.rundir import ENVIRONMENTS
from harness.textfiles import write_atomic

FREEZE_IN_IMAGE = "/opt/keras-matrix/pip-freeze.txt"
# A pinned distribution as pip freeze prints it; editable and direct-URL lines cannot be
# constraints (pip refuses them there) and never come from a matrix's installs anyway.
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[^\s;#]+$")


def file_name(python: str, environment: str) -> str:
    """The name of the exported freeze of one (Python, environment) image."""
    return f"py{python}-{environment}.txt"


def document(record: ImageRecord, freeze: str) -> str:
    """The exported file: where it came from, in comments, then the freeze as pip printed it."""
    header = [
        f"# pip freeze --all of {record.tag}",
        f"# image: {record.image_id or 'unknown'}",
        f"# base image: {record.base_image} ({record.base_image_id or 'ID unknown'})",
        f"# Python {record.python}, environment {record.environment}",
        "# Rebuild with exactly these versions: harness run MATRIX --pin-from RUN,",
        "# or by hand: pip install -c THIS_FILE <the environment's install steps>",
    ]
    return "\n".join(header) + "\n" + freeze.rstrip("\n") + "\n"


def export(
    engine: Engine,
    records: Mapping[tuple[str, str], ImageRecord],
    *,
    run_path: Path,
    cache_dir: Path,
    note: Callable[[str], None] = lambda text: None,
) -> dict[tuple[str, str], ImageRecord]:
    """Write each usable image's freeze under `run_path`/environments/; records name the file.

    Freezes are cached by image ID: an image never changes, so a rerun reads none again.
    """
    target = run_path / ENVIRONMENTS
    found = dict(records)
    for key, record in records.items():
        if not record.usable or not record.image_id:
            continue
        if record.environment_dir is not None:
            freeze = _host_file(Path(record.environment_dir) / "state" / "pip-freeze.txt")
        else:
            freeze = _freeze(engine, record.tag, cache_dir / f"{record.image_id[-64:]}.txt")
        if freeze is None:
            note(f"py{record.python}/{record.environment}: the image has no {FREEZE_IN_IMAGE}")
            continue
        target.mkdir(parents=True, exist_ok=True)
        name = file_name(record.python, record.environment)
        write_atomic(target / name, document(record, freeze))
        found[key] = replace(record, freeze=f"{ENVIRONMENTS}/{name}")
    return found


def _host_file(path: Path) -> str | None:
    """A mounted environment's freeze, from its directory on this host."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _freeze(engine: Engine, image: str, cached: Path) -> str | None:
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        freeze = engine.read_file(image, FREEZE_IN_IMAGE)
    if freeze is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cached, freeze)
    return freeze


def pins(text: str) -> bytes:
    """The lines of an exported freeze that pip takes as constraints."""
    lines = [line.strip() for line in text.splitlines()]
    return "".join(f"{line}\n" for line in lines if _PIN.match(line)).encode()


def constraints_for(directory: Path | None, python: str, environment: str) -> bytes | None:
    """The pins recorded for one image in `directory`, or None if it has none."""
    if directory is None:
        return None
    try:
        text = (directory / file_name(python, environment)).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ResultsError(f"{directory / file_name(python, environment)}: {exc}") from None
    return pins(text) or None


def step_constraints(
    directory: Path | None, matrix: Matrix, python: str, environment: str
) -> tuple[bytes | None, ...]:
    """Each install step's pins: for step N, those of the environment whose steps are exactly
    this one's first N (itself first for the last step), None where `directory` has no freeze of
    one; empty where nothing is pinned."""
    if directory is None:
        return ()
    steps = install_steps(matrix, python, environment)
    others = [name for name in matrix.environments if name != environment]
    found: list[bytes | None] = []
    for count in range(1, len(steps) + 1):
        candidates = [environment] if count == len(steps) else []
        candidates += [
            name
            for name in others
            if matrix.environments[name].supports(python)
            and install_steps(matrix, python, name) == steps[:count]
        ]
        pinned = (constraints_for(directory, python, name) for name in candidates)
        found.append(next((pins for pins in pinned if pins is not None), None))
    return tuple(found) if any(pins is not None for pins in found) else ()


def unpinned_note(directory: Path | None, spec: ImageSpec) -> str | None:
    """The line that says which install steps a pinned build leaves unpinned, if any."""
    if directory is None or not spec.steps:
        return None
    where = f"py{spec.python}/{spec.environment}"
    if not spec.constraints:
        return f"{where}: no pip freeze in {directory}; built without pins"
    loose = [str(number) for number, pins in enumerate(spec.constraints, start=1) if pins is None]
    if not loose:
        return None
    return (
        f"{where}: step {', '.join(loose)} of {len(spec.steps)} installed "
        f"without pins: {directory} has no pip freeze of an environment of just the steps up "
        "to it"
    )


def find_directory(name: str, results_root: Path) -> Path:
    """The environments/ of a run named by id or path (a published directory too)."""
    candidate = Path(name)
    if not candidate.exists():
        candidate = results_root / name
    for place in (candidate / ENVIRONMENTS, candidate):
        if place.is_dir() and any(place.glob("py*.txt")):
            return place.resolve()
    raise ResultsError(
        f"{candidate}: no {ENVIRONMENTS}/ with pip freezes here (name a run directory, its "
        "environments/, or results/published; runs recorded by older harness versions have none)"
    )
