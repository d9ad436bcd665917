"""`harness repro` and `harness bisect` from the command line; the docker-marked tests
build real images and assert the errors the containers really raised."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPORTS = Path(__file__).parent / "data" / "reports"


def harness(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=1500,
    )


@pytest.mark.parametrize(
    ("report", "words"),
    [
        ("no_code.md", "no code to run"),
        ("no_package.md", "no package named or imported"),
    ],
)
def test_refuses_in_one_line_with_an_exit_code(report: str, words: str) -> None:
    done = harness("repro", str(REPORTS / report), "--dry-run")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"error: {REPORTS / report}: ")
    assert words in done.stderr


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.md", None, ": cannot read: No such file or directory"),
        ("a-directory", "dir", ": cannot read: Is a directory"),
        (
            "latin1.md",
            b"Keras version: 3.12.0 \xe9t\xe9\n",
            ":1: cannot read: not UTF-8 text (byte 22)",
        ),
    ],
)
def test_an_unreadable_report_is_refused_in_one_line(
    tmp_path: Path, name: str, content: bytes | str | None, words: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    done = harness("repro", str(path), "--dry-run")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {path}{words}\n"


def test_dry_run_shows_extracted_and_assumed_values() -> None:
    done = harness("repro", str(REPORTS / "pip_install_steps.md"), "--dry-run")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "keras 3.4.1 <- `keras.__version__` printed 3.4.1" in text
    assert "assumed: Python 3.11: the report names no Python version" in text
    assert "step 2: pip install keras==3.4.1" in text


@pytest.mark.docker
def test_repro_reproduces_a_report_end_to_end(tmp_path: Path) -> None:
    done = harness(
        "repro", str(REPORTS / "keras3_without_tensorflow.md"), "--results", str(tmp_path), "-q"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = done.stdout
    assert "**Reproduced**: same exception type and message as in the report." in report
    assert "**Outcome:** `ModuleNotFoundError: No module named 'tensorflow'`" in report
    assert "step 1: `pip install keras==3.12.0`" in report
    assert "FROM python:3.11-slim" in report  # the portable Dockerfile
    (cells,) = [p for p in tmp_path.glob("*/cells.jsonl") if not p.parent.is_symlink()]
    (record,) = [json.loads(line) for line in cells.read_text().splitlines()]
    assert record["status"] == "error"
    assert record["error"]["type"] == "ModuleNotFoundError"
    assert record["error"]["message"] == "No module named 'tensorflow'"
    assert record["versions"]["keras"] == "3.12.0"
    assert record["versions"]["tensorflow"] is None
    assert (cells.parent / "repro.md").read_text() + "\n" == report


@pytest.mark.docker
def test_bisect_finds_where_the_numpy_backend_stops_needing_jax(tmp_path: Path) -> None:
    # Keras's numpy backend imported jax (for image ops) up to 3.9.x and scipy from 3.10.0;
    # with neither installed, `import keras` fails naming a different module.
    snippet = tmp_path / "numpy_backend.py"
    snippet.write_text("import keras\nprint(keras.ops.ones((2, 2)))\n")
    done = harness(
        "bisect",
        str(snippet),
        "keras",
        "3.9.0..3.10.0",
        "--env",
        "KERAS_BACKEND=numpy",
        "--results",
        str(tmp_path / "results"),
        "-q",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "The outcome changes between keras 3.9.2 and 3.10.0." in done.stdout
    assert (
        "| outcome | `ModuleNotFoundError: No module named 'jax'` | "
        "`ModuleNotFoundError: No module named 'scipy'` |" in done.stdout
    )


@pytest.mark.docker
def test_bisect_on_each_release_day_installs_that_days_dependencies(tmp_path: Path) -> None:
    # requests allows certifi releases of years later; on its own day each release got the
    # certifi of that year, which is what the snippet raises. Today every release would get
    # today's certifi, and the search would find no change.
    snippet = tmp_path / "certifi_year.py"
    snippet.write_text("import certifi\nraise RuntimeError(certifi.__version__[:4])\n")
    done = harness(
        *("bisect", str(snippet), "requests", "2.25.1..2.28.0", "--release-day"),
        *("--results", str(tmp_path / "results"), "-q"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "installed with PyPI as of the day after its upload" in done.stdout
    found = json.loads(
        (tmp_path / "results" / "bisect-requests-2.25.1-2.28.0" / "bisect.json").read_text()
    )
    assert found["release_day"] is True
    tried = {o["version"]: o["error"] for o in found["tried"]}
    assert tried["2.25.1"] == {"type": "RuntimeError", "message": "2020"}
    assert tried["2.28.0"] == {"type": "RuntimeError", "message": "2022"}


@pytest.mark.docker
def test_neighbours_show_where_the_outcome_changes(tmp_path: Path) -> None:
    # Keras 3.10.0's numpy backend imports scipy; 3.9.x's imported jax (image ops), and 3.11.x
    # still imports scipy. Without KERAS_BACKEND every Keras 3 looks for TensorFlow.
    report = REPORTS / "keras3_numpy_backend.md"
    planned = harness("repro", str(report), "--neighbours", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "neighbour: keras 3.9.2 (previous minor): pip install keras==3.9.2" in planned.stderr
    assert "neighbour: keras 3.11.3 (next minor): pip install keras==3.11.3" in planned.stderr

    done = harness("repro", str(report), "--neighbours", "--results", str(tmp_path), "-q")
    assert done.returncode == 0, done.stderr[-3000:]
    (cells,) = [p for p in tmp_path.glob("*/cells.jsonl") if not p.parent.is_symlink()]
    records = [json.loads(line) for line in cells.read_text().splitlines()]
    found = {
        (r["versions"]["keras"], r["backend"]): (
            r["status"],
            r["error"]["type"],
            r["error"]["message"],
        )
        for r in records
    }
    missing = "ModuleNotFoundError"
    assert found == {
        ("3.10.0", "as-reported"): ("error", missing, "No module named 'scipy'"),
        ("3.10.0", "no-backend-setting"): ("error", missing, "No module named 'tensorflow'"),
        ("3.9.2", "as-reported"): ("error", missing, "No module named 'jax'"),
        ("3.9.2", "no-backend-setting"): ("error", missing, "No module named 'tensorflow'"),
        ("3.11.3", "as-reported"): ("error", missing, "No module named 'scipy'"),
        ("3.11.3", "no-backend-setting"): ("error", missing, "No module named 'tensorflow'"),
    }
    text = done.stdout
    assert "**Reproduced**: same exception type and message as in the report." in text
    assert (
        "| keras 3.9.2 (previous minor) | **`ModuleNotFoundError: No module named 'jax'`** "
        "(changes) | **`ModuleNotFoundError: No module named 'tensorflow'`** (changes) |"
    ) in text
    assert "| keras 3.11.3 (next minor) | `ModuleNotFoundError: No module named 'scipy'` |" in text
    assert (
        "- `ModuleNotFoundError: No module named 'jax'`: keras 3.9.2 (previous minor), "
        "`KERAS_BACKEND=numpy` (as reported)"
    ) in text
    assert (
        "- `ModuleNotFoundError: No module named 'tensorflow'`: every environment, "
        "without `KERAS_BACKEND`"
    ) in text
    assert str(tmp_path) not in text  # no local path in a report meant for pasting
