"""Running cells in fresh containers and turning what came back into outcomes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import driver
from harness.build.environment_store import mounts
from harness.build.images import ImageRecord
from harness.config.cells import Cell
from harness.config.matrix import Matrix
from harness.config.sandbox import CELL_HOME, Sandbox
from harness.config.scenarios import Scenario
from harness.engine.api import Mount, RunResult, RunSpec
from harness.engine.commands import as_command
from harness.execute.cache import cell_key
from harness.results.outcome import STATUSES, Outcome, RaisedError, Status, signature_of

PAYLOAD_MOUNT = "/keras-matrix"
# Room for the driver to start, collect versions and report after the scenario's own limit.
DRIVER_GRACE_S = 60.0
TAIL = 4000


@dataclass(frozen=True, kw_only=True)
class Payload:
    """Host directory mounted read-only in every cell: the driver, scenarios, keras.json files."""

    path: Path
    # SHA-256 of each file, by its path under the payload directory.
    digests: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def prepare(cls, directory: Path, matrix: Matrix) -> Payload:
        """Write the payload of `matrix`'s cells into `directory`."""
        files: dict[str, bytes] = {"driver.py": Path(driver.__file__).read_bytes()}
        for scenario in matrix.scenarios.values():
            files[f"scenarios/{scenario.name}.py"] = scenario.path.read_bytes()
        for name, backend in matrix.backends.items():
            if backend.keras_json is not None:
                text = json.dumps(backend.keras_json, indent=4) + "\n"
                files[f"backends/{name}.json"] = text.encode("utf-8")
        (directory / "scenarios").mkdir(parents=True, exist_ok=True)
        (directory / "backends").mkdir(exist_ok=True)
        for relative, data in files.items():
            (directory / relative).write_bytes(data)
        return cls(
            path=directory.resolve(),
            digests={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        )

    def contents(self, spec: RunSpec) -> dict[str, str]:
        """SHA-256 of each payload file `spec`'s command names, by its path in the container."""
        prefix = f"{PAYLOAD_MOUNT}/"
        return {
            arg: self.digests[arg.removeprefix(prefix)]
            for arg in spec.command
            if arg.startswith(prefix) and arg.removeprefix(prefix) in self.digests
        }


@dataclass(frozen=True, kw_only=True)
class CellJob:
    """One cell ready to run: its container spec (built once), its result-cache key, and what
    its outcome is judged against."""

    cell: Cell
    image: ImageRecord
    scenario: Scenario
    spec: RunSpec
    # None where the image has no ID to key on: such a cell runs, and is not cached.
    key: str | None
    run_id: str


def prepare_jobs(
    matrix: Matrix,
    cells: Iterable[Cell],
    images: Mapping[tuple[str, str], ImageRecord],
    *,
    payload: Payload,
    run_id: str,
    sandbox: Sandbox | None = None,
    owner: str | None = None,
) -> tuple[list[CellJob], list[Outcome]]:
    """Each cell whose image is usable as a job; those whose image pip refused as their
    `build_failed` outcome. Cells whose image was unreachable are neither: a later resume
    runs them."""
    jobs: list[CellJob] = []
    failed: list[Outcome] = []
    for cell in cells:
        image = images[cell.image_key]
        if image.usable:
            spec = run_spec(matrix, cell, image.tag, payload, run_id, sandbox=sandbox, owner=owner)
            if image.environment_dir is not None:
                # A mounted environment: its venv and state where the image would hold them.
                spec = replace(spec, mounts=(*spec.mounts, *mounts(Path(image.environment_dir))))
            key = None
            if image.image_id is not None:
                key = cell_key(spec, image_id=image.image_id, contents=payload.contents(spec))
            scenario = matrix.scenarios[cell.scenario]
            jobs.append(
                CellJob(
                    cell=cell, image=image, scenario=scenario, spec=spec, key=key, run_id=run_id
                )
            )
        elif image.status == "failed":
            failed.append(build_failed(cell, image, run_id))
    return jobs, failed


def run_spec(
    matrix: Matrix,
    cell: Cell,
    image: str,
    payload: Payload,
    run_id: str,
    *,
    sandbox: Sandbox | None = None,
    owner: str | None = None,
) -> RunSpec:
    """The container that runs `cell` in `image`: the driver on its scenario, sandboxed."""
    backend = matrix.backends[cell.backend]
    sandbox = sandbox or Sandbox()
    command = [
        "python",
        f"{PAYLOAD_MOUNT}/driver.py",
        "run",
        f"{PAYLOAD_MOUNT}/scenarios/{cell.scenario}.py",
        "--timeout",
        str(matrix.timeout),
        "--output-limit",
        str(sandbox.output_limit),
    ]
    if backend.keras_json is not None:
        command += ["--keras-json", f"{PAYLOAD_MOUNT}/backends/{cell.backend}.json"]
    return RunSpec(
        image=image,
        command=tuple(command),
        # HOME is the sandbox's tmpfs, where the driver puts ~/.keras/keras.json.
        env={"HOME": CELL_HOME, **backend.env},
        mounts=(Mount(source=payload.path, target=PAYLOAD_MOUNT),),
        timeout_s=matrix.timeout + DRIVER_GRACE_S,
        sandbox=sandbox,
        run_id=run_id,
        cell_id=cell.id,
        owner=owner,  # lets a later start tell a dead run's leftovers
    )


def outcome_of(
    *,
    cell: Cell,
    scenario: Scenario,
    image: ImageRecord,
    spec: RunSpec,
    result: RunResult,
    run_id: str,
) -> Outcome:
    """What the container's result says of the cell: the driver's record, or why there is none."""
    base = replace(
        _blank(cell, image, run_id),
        command=as_command(_by_hand(spec).argv()),
        exit_code=result.exit_code,
        duration_s=result.duration_s,
        stdout_tail=result.stdout[-TAIL:],
        stderr_tail=result.stderr[-TAIL:],
    )
    if result.timed_out:
        return replace(base, status="timeout", reason=f"container killed after {spec.timeout_s:g}s")
    if result.oom_killed:
        reason = f"out of memory: the container was OOM-killed (memory limit {spec.sandbox.memory})"
        return replace(base, status="crashed", reason=reason)
    record, tampered = read_record(result.stdout)
    if tampered is not None:
        reason = f"record tampered: {tampered}"
        return replace(
            base, status="crashed", reason=reason, signature=signature_of("crashed", reason)
        )
    if record is None:
        reason = f"the driver reported nothing (container exit code {result.exit_code})"
        return replace(base, status="crashed", reason=reason)
    error = RaisedError.parse(record.get("exception"))
    status: Status = record["status"]
    signature = None
    if error is not None and status == "error":
        signature = signature_of(error.type, error.shown)
    elif status in ("timeout", "crashed"):
        signature = signature_of(status, str(record.get("reason") or ""))
    claimed = None
    if status in ("ok", "error"):
        claimed = error is not None and scenario.claim.matches_error(error)
    return replace(
        base,
        status=status,
        reason=record.get("reason"),
        error=error,
        signature=signature,
        claim_reproduced=claimed,
        versions=dict(record.get("versions") or {}),
        pip_check=record.get("pip_check"),
        pip_conflicts=tuple(record.get("pip_conflicts") or ()),
        exit_code=record.get("exit_code"),
        duration_s=record.get("duration_s"),
        stdout_tail=str(record.get("stdout_tail") or ""),
        stderr_tail=str(record.get("stderr_tail") or ""),
        output_truncated=bool(
            record.get("stdout_truncated") or record.get("stderr_truncated") or result.output_cut
        ),
        leftovers_killed=_leftovers(record),
    )


def outcome_of_job(job: CellJob, result: RunResult) -> Outcome:
    """The outcome of `job` from its container's result."""
    return outcome_of(
        cell=job.cell,
        scenario=job.scenario,
        image=job.image,
        spec=job.spec,
        result=result,
        run_id=job.run_id,
    )


def _by_hand(spec: RunSpec) -> RunSpec:
    """The spec as a person re-runs it: without the owner label, which names this process and
    would let the next harness start on the host sweep their container away as a dead run's."""
    return replace(spec, owner=None)


def build_failed(cell: Cell, image: ImageRecord, run_id: str) -> Outcome:
    """A cell whose image pip refused to install, recorded without a container."""
    reason = image.error or "the image could not be built"
    first = reason.splitlines()[0]
    return replace(
        _blank(cell, image, run_id),
        status="build_failed",
        reason=reason,
        build_error=reason,
        signature=signature_of("build_failed", first),
    )


def _blank(cell: Cell, image: ImageRecord, run_id: str) -> Outcome:
    return Outcome(
        run_id=run_id,
        cell_id=cell.id,
        python=cell.python,
        environment=cell.environment,
        backend=cell.backend,
        scenario=cell.scenario,
        status="crashed",
        image=image.tag,
        image_id=image.image_id,
    )


def _leftovers(record: dict[str, Any]) -> int | None:
    guard = record.get("guard")
    count = guard.get("leftovers_killed") if isinstance(guard, dict) else None
    return count if isinstance(count, int) else None


def read_record(stdout: str) -> tuple[dict[str, Any] | None, str | None]:
    """The driver's record from the container's stdout, or why the output cannot be trusted.

    The driver writes exactly one line there, its record, and nothing else does: the scenario's
    own output reaches the driver through pipes. So a second record, a record that is not the
    last line, or any other line is evidence that something reached the driver's stdout, and
    the cell is reported as tampered rather than read (docs/sandbox.md, the threat model).
    """
    lines = stdout.splitlines()
    if not any(driver.MARKER in line for line in lines):
        # No record at all (the driver died or never started): a crash, whatever else is there.
        return None, None
    why = _tampering(lines)
    if why is not None:
        return None, why
    try:
        data = json.loads(lines[-1][len(driver.MARKER) :])
    except ValueError:
        return None, "the driver's record is not valid JSON"
    if not isinstance(data, dict) or data.get("status") not in STATUSES:
        return None, "the driver's record is not a record"
    return data, None


def _tampering(lines: list[str]) -> str | None:
    records = [line for line in lines if driver.MARKER in line]
    if len(records) > 1:
        return f"{len(records)} records on the driver's stdout, where it writes one"
    alone = not any(line.strip() for line in lines[:-1])
    if lines[-1] != records[0] or not records[0].startswith(driver.MARKER) or not alone:
        return "output on the driver's stdout besides its record"
    return None
