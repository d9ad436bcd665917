"""End to end against the real engine: build real images, run the seed scenarios, and check
the exceptions they really raise.

tests/data/integration.yaml holds Keras 3 alone, TensorFlow 2.15, Keras 3 installed over
TensorFlow 2.15 in a second step (sharing its layer), and an install pip refuses.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import docker
import pytest

from harness import driver

from .builders import harness

DATA = Path(__file__).resolve().parent / "data"
MATRIX = DATA / "integration.yaml"

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    where = tmp_path_factory.mktemp("integration")
    done = harness("run", str(MATRIX), "--results", str(where / "results"), "--quiet", cwd=where)
    assert done.returncode == 0, done.stderr[-3000:]
    run = (where / "results" / "latest").resolve()
    cells = {}
    for line in (run / "cells.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        cells[record["cell_id"]] = record
    return {"where": where, "run": run, "cells": cells, "stderr": done.stderr}


def test_every_planned_cell_is_recorded_once(first_run: dict[str, Any]) -> None:
    planned = harness("plan", str(MATRIX), "--json", cwd=first_run["where"])
    ids = [c["id"] for c in json.loads(planned.stdout)["cells"]]
    lines = (first_run["run"] / "cells.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["cell_id"] for line in lines) == sorted(ids)


def test_keras3_without_tensorflow(first_run: dict[str, Any]) -> None:
    cell = first_run["cells"]["py3.11/keras3-only/unset/missing_tensorflow"]
    assert cell["status"] == "error"
    assert cell["error"]["type"] == "ModuleNotFoundError"
    assert cell["error"]["message"] == "No module named 'tensorflow'"
    # `import keras` itself fails: the article's "import works, NoneType later" does not hold.
    assert cell["error"]["phase"] == "import"
    assert cell["error"]["scenario_line"]["code"] == "import keras"
    assert "/site-packages/keras/" in cell["error"]["raised_at"]["file"]
    assert cell["claim_reproduced"] is False
    assert cell["versions"]["keras"] == "3.12.0"
    assert cell["versions"]["tensorflow"] is None
    assert cell["versions"]["tensorflow-cpu"] is None
    assert cell["versions"]["python"].startswith("3.11.")
    assert cell["signature"] == "ModuleNotFoundError: No module named 'tensorflow'"


def test_invalid_backend(first_run: dict[str, Any]) -> None:
    cell = first_run["cells"]["py3.11/keras3-only/invalid/missing_tensorflow"]
    assert cell["status"] == "error"
    assert cell["error"]["type"] == "ValueError"
    assert cell["error"]["message"] == "Unable to import backend : invalid_backend"
    assert cell["error"]["raised_at"]["file"].endswith("keras/src/backend/__init__.py")
    assert cell["error"]["phase"] == "import"


def test_working_tensorflow(first_run: dict[str, Any]) -> None:
    cell = first_run["cells"]["py3.11/tf-2.15/unset/missing_tensorflow"]
    assert cell["status"] == "ok", cell["stderr_tail"]
    assert cell["versions"]["tensorflow-cpu"] == "2.15.1"
    assert cell["versions"]["keras"] == "2.15.0"
    assert cell["pip_conflicts"] == []
    # tf.keras 2.x ignores KERAS_BACKEND: the invalid value changes nothing.
    assert first_run["cells"]["py3.11/tf-2.15/invalid/missing_tensorflow"]["status"] == "ok"


def test_history_before_fit_with_tf_keras_2(first_run: dict[str, Any]) -> None:
    cell = first_run["cells"]["py3.11/tf-2.15/unset/history_before_fit"]
    assert cell["status"] == "error"
    assert cell["error"]["type"] == "AttributeError"
    assert cell["error"]["message"] == "'NoneType' object has no attribute 'history'"
    assert cell["error"]["phase"] == "call"
    assert cell["error"]["scenario_line"]["code"] == "print(model.history.history['accuracy'])"
    assert cell["claim_reproduced"] is False  # the article names '_keras_history'


def test_layered_mismatch(first_run: dict[str, Any]) -> None:
    cells = first_run["cells"]
    base = "py3.11/tf-2.15_then_keras-3"
    cell = cells[f"{base}/unset/history_before_fit"]
    assert cell["versions"]["tensorflow-cpu"] == "2.15.1"
    assert cell["versions"]["keras"] == "3.12.0"
    assert any(
        "tensorflow-cpu 2.15.1 requires keras<2.16,>=2.15.0, but you have keras 3.12.0" in line
        for line in cell["pip_conflicts"]
    ), cell["pip_conflicts"]
    assert cell["status"] == "error"
    assert cell["error"]["type"] == "AttributeError"
    assert cell["error"]["message"] == "'Sequential' object has no attribute 'history'"
    # With Keras 3 over TensorFlow 2.15, KERAS_BACKEND is read again.
    invalid = cells[f"{base}/invalid/missing_tensorflow"]
    assert (invalid["error"]["type"], invalid["error"]["message"]) == (
        "ValueError",
        "Unable to import backend : invalid_backend",
    )


def test_the_layered_mismatch_sits_on_the_tensorflow_layers(first_run: dict[str, Any]) -> None:
    # Built in parallel (-j defaults to the CPU count), the two images still share the
    # `pip install tensorflow-cpu==2.15.1` layer: they build one after the other.
    images = json.loads((first_run["run"] / "images.json").read_text(encoding="utf-8"))
    tags = {record["environment"]: record["tag"] for record in images}
    client = docker.from_env()

    def layers(environment: str) -> list[str]:
        return list(client.images.get(tags[environment]).attrs["RootFS"]["Layers"])

    tensorflow, layered = layers("tf-2.15"), layers("tf-2.15_then_keras-3")
    # Every layer of tf-2.15 (its install step holds its `pip check` and `pip freeze`), then
    # the `pip install keras==3.12.0` layer.
    assert layered[: len(tensorflow)] == tensorflow
    assert len(layered) == len(tensorflow) + 1


def test_unbuildable_environment_is_a_result(first_run: dict[str, Any]) -> None:
    failed = [c for c in first_run["cells"].values() if c["environment"] == "no-such-wheel"]
    assert len(failed) == 4
    for cell in failed:
        assert cell["status"] == "build_failed"
        assert "No matching distribution found for tf-keras==2.0.0" in cell["build_error"]
        assert "yanked" not in cell["build_error"]
    table = (first_run["run"] / "table.md").read_text(encoding="utf-8")
    assert "build failed E" in table
    assert "ModuleNotFoundError E" in table


def test_docker_actions_are_printed_as_commands(first_run: dict[str, Any]) -> None:
    images = json.loads((first_run["run"] / "images.json").read_text(encoding="utf-8"))
    for image in images:
        if image["status"] in ("built", "failed"):
            assert f"+ docker build -t {image['tag']}" in first_run["stderr"]
    assert "+ docker run --rm" in first_run["stderr"]
    cell = first_run["cells"]["py3.11/keras3-only/unset/missing_tensorflow"]
    assert cell["command"].startswith("docker run --rm ")


def test_second_run_rebuilds_no_image(first_run: dict[str, Any]) -> None:
    where = first_run["where"]
    done = harness(
        "run",
        str(MATRIX),
        "--results",
        str(where / "results"),
        "--quiet",
        "--only",
        "scenario=missing_tensorflow",
        "--only",
        "backend=unset",
        cwd=where,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    images = json.loads(
        ((where / "results" / "latest").resolve() / "images.json").read_text(encoding="utf-8")
    )
    statuses = {image["environment"]: image["status"] for image in images}
    assert statuses == {
        "keras3-only": "reused",
        "tf-2.15": "reused",
        "tf-2.15_then_keras-3": "reused",
        "no-such-wheel": "failed",
    }
    assert "+ docker build -t keras-matrix-env:py3.11-tf-2.15-" not in done.stderr


def test_a_recorded_command_reproduces_the_cell(first_run: dict[str, Any]) -> None:
    cell = first_run["cells"]["py3.11/keras3-only/invalid/missing_tensorflow"]
    argv = shlex.split(cell["command"])
    # Without the owner label, a harness started meanwhile cannot take it for a dead run's.
    assert not any("io.keras-matrix.owner" in word for word in argv)
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1].removeprefix(driver.MARKER))
    assert record["exception"]["message"] == "Unable to import backend : invalid_backend"


def test_published_tables_state_their_provenance(first_run: dict[str, Any]) -> None:
    where, run = first_run["where"], first_run["run"]
    done = harness("publish", str(run), "--out", str(where / "published"), cwd=where)
    assert done.returncode == 0, done.stderr
    document = json.loads((where / "published" / "table.json").read_text(encoding="utf-8"))
    provenance = document["provenance"]
    assert provenance["engine_version"] not in ("", "?")
    assert (
        provenance["matrix_sha256"] == json.loads((run / "run.json").read_text())["matrix_sha256"]
    )
    (base,) = provenance["base_images"]
    assert base["image_id"].startswith("sha256:")
    images = {image["environment"]: image for image in provenance["images"]}
    assert images["tf-2.15"]["image_id"].startswith("sha256:")
    assert "pip install tensorflow-cpu==2.15.1 2>&1" in images["tf-2.15"]["dockerfile"]
    assert document["axes"]["environment"] == [
        "keras3-only",
        "tf-2.15",
        "tf-2.15_then_keras-3",
        "no-such-wheel",
    ]
    page = (where / "published" / "table.html").read_text(encoding="utf-8")
    assert base["image_id"].removeprefix("sha256:")[:12] in page
    same = harness("diff", str(run), str(run), cwd=where)
    assert (same.returncode, same.stdout.splitlines()[-1]) == (
        0,
        f"No cell changed its outcome ({len(first_run['cells'])} cells compared).",
    )
