"""Finding a run's records wherever they are: a run directory, or a published one.

`harness publish` copies a run's records (cells.jsonl, run.json, images.json, environments/)
beside its tables, so a published directory reads like any run. A directory published before
that holds only the tables; its table.json carries every cell, so it is read back from there.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from harness.errors import ResultsError
from harness.results.outcome import Frame, Outcome, RaisedError
from harness.results.records import Run
from harness.results.rundir import CELLS, ENVIRONMENTS, LATEST, RUN, RunDir
from harness.results.runmeta import RunMeta

TABLE_JSON = "table.json"
# What `harness publish` copies beside the tables, so that the directory is a run of its own.
RECORDS = (CELLS, RUN, "images.json")


def locate(results_root: Path, name: str | None) -> Path:
    """The directory `name` means: a path, a run id under `results_root`, or the latest run."""
    candidate = Path(name) if name else results_root / LATEST
    if name and not candidate.exists():
        candidate = results_root / name
    if (candidate / CELLS).is_file() or (candidate / TABLE_JSON).is_file():
        return candidate.resolve()
    raise ResultsError(
        f"{candidate}: no {CELLS} or {TABLE_JSON} here; run `harness run` first or name a run "
        f"under {results_root}/"
    )


def load_run(results_root: Path, name: str | None) -> Run:
    """A run's records, from its cells.jsonl, or else from a published table.json."""
    path = locate(results_root, name)
    if (path / CELLS).is_file():
        return Run.load(RunDir(path=path))
    return from_table_json(path / TABLE_JSON)


def from_table_json(path: Path) -> Run:
    """A published table.json read back as a run."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        provenance = document["provenance"]
        labels = {s["label"]: s["signature"] for s in document.get("signatures", [])}
        outcomes = [_outcome(cell, provenance["run_id"], labels) for cell in document["cells"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{path}: not a table.json of this harness: {exc}") from None
    meta: dict[str, Any] = {
        key: provenance.get(key)
        for key in (
            "run_id",
            "harness_version",
            "started",
            "finished",
            "engine_version",
            "engine_storage_driver",
            "host_python",
            "matrix",
            "matrix_sha256",
            "cells_planned",
        )
    }
    meta["axes"] = document.get("axes") or {}
    meta["scenarios"] = {
        claim["scenario"]: {
            "title": claim.get("title"),
            "source": claim.get("source"),
            "description": claim.get("description", ""),
            "claim": {"summary": claim.get("summary"), "pattern": claim.get("pattern")},
        }
        for claim in document.get("claims", [])
    }
    info = RunMeta.from_json(meta, run_id=str(meta["run_id"]))
    return Run.of(outcomes, info, provenance.get("images") or [])


def _outcome(cell: dict[str, Any], run_id: str, labels: dict[str, str]) -> Outcome:
    error = cell.get("error")
    raised = None
    if isinstance(error, dict):
        raised = RaisedError(
            type=str(error["type"]),
            message=str(error["message"]),
            raised_at=Frame.parse(error.get("raised_at")),
            scenario_line=Frame.parse(error.get("scenario_line")),
            phase=error.get("phase"),
            traceback=str(error.get("traceback") or ""),
        )
    return Outcome(
        run_id=run_id,
        cell_id=str(cell["id"]),
        python=str(cell["python"]),
        environment=str(cell["environment"]),
        backend=str(cell["backend"]),
        scenario=str(cell["scenario"]),
        status=cell["status"],
        reason=cell.get("reason"),
        error=raised,
        signature=labels.get(cell.get("signature") or ""),
        claim_reproduced=cell.get("claim_reproduced"),
        image=cell.get("image"),
        image_id=cell.get("image_id"),
        versions=dict(cell.get("versions") or {}),
        pip_check=cell.get("pip_check"),
        pip_conflicts=tuple(cell.get("pip_conflicts") or ()),
        build_error=cell.get("reason") if cell["status"] == "build_failed" else None,
        exit_code=cell.get("exit_code"),
        duration_s=cell.get("duration_s"),
        stdout_tail=str(cell.get("stdout_tail") or ""),
        stderr_tail=str(cell.get("stderr_tail") or ""),
        output_truncated=bool(cell.get("output_truncated")),
        command=cell.get("command"),
        cached_from=cell.get("cached_from"),
    )


def copy_records(run_dir: RunDir, out_dir: Path) -> list[Path]:
    """The run's records and environment freezes into `out_dir`, replacing earlier ones."""
    if run_dir.path.resolve() == out_dir.resolve():
        return []  # republishing the published directory's own tables
    written = []
    for name in RECORDS:
        source = run_dir.path / name
        if source.is_file():
            shutil.copyfile(source, out_dir / name)
            written.append(out_dir / name)
    frozen = run_dir.path / ENVIRONMENTS
    target = out_dir / ENVIRONMENTS
    if target.is_dir():
        shutil.rmtree(target)
    if frozen.is_dir():
        shutil.copytree(frozen, target)
        written.append(target)
    return written
