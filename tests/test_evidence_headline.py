"""The published headline results, each asserted in a real cell of its published environment:
Keras 2.15 over TensorFlow 2.21 fails at import; an interrupted fit() leaves a History object
with an empty .history; TF_USE_LEGACY_KERAS=1 fails without tf-keras and works with it.

tests/data/evidence/headline.yaml runs five cells in four TensorFlow images (tf-2.15 is the
integration suite's, tf-2.21 is shared with the layered mismatch), from a copy of the published
scenarios and a probe that runs the interrupted-fit scenario and reports what model.history is.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from .conftest import DATA, ROOT
from .real_cells import cells_of, error_text, harness

pytestmark = pytest.mark.docker
EVIDENCE = DATA / "evidence"
PUBLISHED_SCENARIOS = ("version_mismatch", "history_interrupted_fit")
PROBE_PREFIX = "HISTORY-PROBE "


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    where = tmp_path_factory.mktemp("headline")
    scenarios = where / "scenarios"
    scenarios.mkdir()
    for name in PUBLISHED_SCENARIOS:
        shutil.copyfile(ROOT / "scenarios" / f"{name}.py", scenarios / f"{name}.py")
    shutil.copyfile(
        EVIDENCE / "scenarios" / "interrupted_fit_history.py",
        scenarios / "interrupted_fit_history.py",
    )
    text = (EVIDENCE / "headline.yaml").read_text(encoding="utf-8")
    text = text.replace("scenario_dir: scenarios", f"scenario_dir: {scenarios}")
    text = text.replace("template_dir: ../../..", f"template_dir: {ROOT}")
    matrix = where / "headline.yaml"
    matrix.write_text(text, encoding="utf-8")
    done = harness("run", str(matrix), "--results", str(where / "results"), "--quiet", cwd=where)
    assert done.returncode == 0, done.stderr[-3000:]
    found = cells_of((where / "results" / "latest").resolve())
    assert len(found) == 5, sorted(found)
    return found


def _history(cell: dict[str, Any]) -> dict[str, Any]:
    assert cell["status"] == "ok", (cell["status"], cell.get("reason"), cell.get("error"))
    lines = [line for line in cell["stdout_tail"].splitlines() if line.startswith(PROBE_PREFIX)]
    assert len(lines) == 1, cell["stdout_tail"]
    found: dict[str, Any] = json.loads(lines[0].removeprefix(PROBE_PREFIX))
    return found


def test_keras_2_15_over_tensorflow_2_21_fails_at_import(cells: dict[str, dict[str, Any]]) -> None:
    cell = cells["py3.11/tf-2.21_then_keras-2.15/unset/version_mismatch"]
    assert (cell["versions"]["tensorflow-cpu"], cell["versions"]["keras"]) == ("2.21.0", "2.15.0")
    assert cell["status"] == "error"
    assert error_text(cell) == (
        "AttributeError: module 'tensorflow._api.v2.compat.v2.__internal__' "
        "has no attribute 'register_load_context_function'"
    )
    assert cell["error"]["phase"] == "import"
    assert cell["error"]["scenario_line"]["code"] == "import keras"
    assert "/site-packages/keras/" in cell["error"]["raised_at"]["file"]


@pytest.mark.parametrize(
    ("environment", "keras", "history_class"),
    [
        ("tf-2.15", "2.15.0", "keras.src.callbacks.History"),
        ("tf-2.21", None, "keras.src.callbacks.history.History"),
    ],
)
def test_an_interrupted_fit_leaves_an_empty_history_object(
    cells: dict[str, dict[str, Any]], environment: str, keras: str | None, history_class: str
) -> None:
    cell = cells[f"py3.11/{environment}/unset/interrupted_fit_history"]
    if keras is not None:
        assert cell["versions"]["keras"] == keras
    else:
        assert cell["versions"]["keras"].startswith("3.")
    # The published scenario's own output, then the probe's: a History, not None, and empty.
    assert cell["stdout_tail"].startswith("Training interrupted.\n{}\n")
    assert _history(cell) == {"type": history_class, "history": {}}
    assert cell["claim_reproduced"] is False


def test_legacy_keras_without_tf_keras_cannot_import(cells: dict[str, dict[str, Any]]) -> None:
    cell = cells["py3.11/tf-2.21/legacy/history_interrupted_fit"]
    assert cell["versions"]["tf-keras"] is None
    assert cell["status"] == "error"
    assert error_text(cell) == "ImportError: Keras cannot be imported. Check that it is installed."
    assert cell["error"]["phase"] == "call"
    assert cell["error"]["scenario_line"]["code"] == "model = keras.Sequential(["


def test_legacy_keras_with_tf_keras_works(cells: dict[str, dict[str, Any]]) -> None:
    cell = cells["py3.11/tf-2.16_tf-keras-2.16/legacy/interrupted_fit_history"]
    assert (cell["versions"]["tensorflow-cpu"], cell["versions"]["tf-keras"]) == (
        "2.16.2",
        "2.16.0",
    )
    # tf.keras is served by tf-keras: the History comes from tf_keras, and it is empty.
    assert cell["stdout_tail"].startswith("Training interrupted.\n{}\n")
    assert _history(cell) == {"type": "tf_keras.src.callbacks.History", "history": {}}
