"""Running cells in fresh containers and turning what came back into outcomes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import driver
from harness.cells import Cell
from harness.commands import as_command
from harness.dockerfile import HARNESS_LABEL, LABEL_PREFIX
from harness.engine import Engine, Mount, RunResult, RunSpec
from harness.images import ImageRecord
from harness.matrix import Matrix
from harness.outcome import STATUSES, Outcome, RaisedError, Status, signature_of
from harness.sandbox import CELL_HOME, Sandbox
from harness.scenarios import Scenario

PAYLOAD_MOUNT = "/keras-matrix"
# Room for the driver to start, collect versions and report after the scenario's own limit.
DRIVER_GRACE_S = 60.0
TAIL = 4000


@dataclass(frozen=True, kw_only=True)
class Payload:
    """Host directory mounted read-only in every cell: the driver, scenarios, keras.json files."""

    path: Path

    @classmethod
    def prepare(cls, directory: Path, matrix: Matrix) -> Payload:
        (directory / "scenarios").mkdir(parents=True, exist_ok=True)
        (directory / "backends").mkdir(exist_ok=True)
        shutil.copyfile(driver.__file__, directory / "driver.py")
        for scenario in matrix.scenarios.values():
            shutil.copyfile(scenario.path, directory / "scenarios" / f"{scenario.name}.py")
        for name, backend in matrix.backends.items():
            if backend.keras_json is not None:
                text = json.dumps(backend.keras_json, indent=4) + "\n"
                (directory / "backends" / f"{name}.json").write_text(text, encoding="utf-8")
        return cls(path=directory.resolve())


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
    labels = {
        HARNESS_LABEL: "cell",
        f"{LABEL_PREFIX}.run": run_id,
        f"{LABEL_PREFIX}.cell": cell.id,
    }
    if owner:
        labels[f"{LABEL_PREFIX}.owner"] = owner  # lets a later start tell a dead run's leftovers
    return RunSpec(
        image=image,
        command=tuple(command),
        # HOME is the sandbox's tmpfs, where the driver puts ~/.keras/keras.json.
        env={"HOME": CELL_HOME, **backend.env},
        mounts=(Mount(source=payload.path, target=PAYLOAD_MOUNT),),
        labels=labels,
        timeout_s=matrix.timeout + DRIVER_GRACE_S,
        sandbox=sandbox,
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


def _by_hand(spec: RunSpec) -> RunSpec:
    """The spec as a person re-runs it: without the owner label, which names this process and
    would let the next harness start on the host sweep their container away as a dead run's."""
    labels = {k: v for k, v in spec.labels.items() if k != f"{LABEL_PREFIX}.owner"}
    return replace(spec, labels=labels)


def build_failed(cell: Cell, image: ImageRecord, run_id: str) -> Outcome:
    reason = image.error or "the image could not be built"
    first = reason.splitlines()[0]
    return replace(
        _blank(cell, image, run_id),
        status="build_failed",
        reason=reason,
        build_error=reason,
        signature=signature_of("build_failed", first),
    )


def run_cells(
    engine: Engine,
    matrix: Matrix,
    cells: Iterable[Cell],
    images: dict[tuple[str, str], ImageRecord],
    *,
    payload: Payload,
    run_id: str,
    jobs: int,
    on_outcome: Callable[[Outcome], None],
    sandbox: Sandbox | None = None,
    owner: str | None = None,
) -> None:
    """Run every cell. Build-failed ones are recorded without a container; those whose
    image could not be built for want of a network are not recorded, for a later resume."""
    runnable: list[tuple[Cell, ImageRecord]] = []
    for cell in cells:
        image = images[cell.image_key]
        if image.usable:
            runnable.append((cell, image))
        elif image.status == "failed":
            on_outcome(build_failed(cell, image, run_id))

    def one(item: tuple[Cell, ImageRecord]) -> None:
        cell, image = item
        spec = run_spec(matrix, cell, image.tag, payload, run_id, sandbox=sandbox, owner=owner)
        result = engine.run(spec)
        on_outcome(
            outcome_of(
                cell=cell,
                scenario=matrix.scenarios[cell.scenario],
                image=image,
                spec=spec,
                result=result,
                run_id=run_id,
            )
        )

    if jobs <= 1:
        for item in runnable:
            one(item)
        return
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cell")
    try:
        for future in [pool.submit(one, item) for item in runnable]:
            future.result()
    finally:
        # On an interrupt, do not wait for cells in flight: the caller stops their containers.
        pool.shutdown(wait=False, cancel_futures=True)


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
