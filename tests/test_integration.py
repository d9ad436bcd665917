"""End to end against the real engine: build real images, run the seed scenarios, and check
the exceptions they really raise.

tests/data/integration.yaml holds Keras 3 alone, TensorFlow 2.15, Keras 3 installed over
TensorFlow 2.15 in a second step (sharing its layer), and an install pip refuses.
"""

from __future__ import annotations

import json
import re
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


def _run(where: Path, *args: str) -> dict[str, Any]:
    done = harness(
        "run", str(MATRIX), "--results", str(where / "results"), "--quiet", *args, cwd=where
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = (where / "results" / "latest").resolve()
    cells = {}
    for line in (run / "cells.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        cells[record["cell_id"]] = record
    return {"where": where, "run": run, "cells": cells, "stderr": done.stderr, "args": args}


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The matrix built as images, then as mounted environments pinned to the images' own pip
    freezes (so that a release PyPI made in between cannot tell the two apart)."""
    where = tmp_path_factory.mktemp("integration")
    images = _run(where, "--environments", "images")
    mounts = _run(where, "--environments", "mounts", "--pin-from", str(images["run"]))
    return {"images": images, "mounts": mounts}


@pytest.fixture(scope="module", params=["images", "mounts"])
def first_run(request: pytest.FixtureRequest, both_runs: dict[str, Any]) -> dict[str, Any]:
    return {**both_runs[request.param], "mode": request.param}


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
    if first_run["mode"] == "mounts":
        _shares_the_tensorflow_files(first_run)
        return
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


def _shares_the_tensorflow_files(run: dict[str, Any]) -> None:
    """A mounted environment that extends another is that one's files, hard-linked, with its
    own install over them; the one it extends still holds its own Keras."""
    images = json.loads((run["run"] / "images.json").read_text(encoding="utf-8"))
    dirs = {
        record["environment"]: Path(record["environment_dir"])
        for record in images
        if record["environment_dir"]
    }
    tensorflow, layered = dirs["tf-2.15"], dirs["tf-2.15_then_keras-3"]
    site = "venv/lib/python3.11/site-packages"
    shared = tensorflow / site / "tensorflow" / "__init__.py"
    assert shared.stat().st_ino == (layered / site / "tensorflow" / "__init__.py").stat().st_ino
    kept = sorted(p.name for p in (tensorflow / site).glob("keras-*.dist-info"))
    assert kept == ["keras-2.15.0.dist-info"]
    assert sorted(p.name for p in (layered / site).glob("keras-*.dist-info")) == [
        "keras-3.12.0.dist-info"
    ]
    assert (tensorflow / "environment.json").is_file()  # not dropped as changed by the install
    freeze = (tensorflow / "state" / "pip-freeze.txt").read_text(encoding="utf-8")
    assert "keras==2.15.0" in freeze.splitlines()


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
        if image["status"] in ("built", "failed") and first_run["mode"] == "images":
            assert f"+ docker build -t {image['tag']}" in first_run["stderr"]
        elif image["status"] == "built":
            # The prefix image is a build, each install step a container of it (pinned to the
            # images' freezes, each step under its own constraints).
            assert "--user 0:0" in first_run["stderr"]
            # (A layered environment runs only its own step, over its parent's copy.)
            pinned = re.escape(f"{image['tag']} /bin/bash -o pipefail -c 'PIP_CONSTRAINT=")
            assert re.search(
                pinned + r"/etc/keras-matrix/constraints/\d\.txt timeout", first_run["stderr"]
            ), image["environment"]
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
        *first_run["args"],
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
    assert "pip install tensorflow-cpu" not in done.stderr


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


def test_mounted_environments_give_the_images_outcomes(both_runs: dict[str, Any]) -> None:
    """Cell by cell, the same outcome as in the images; environment by environment, the
    same pip freeze and the same `pip check`."""
    images, mounts = both_runs["images"], both_runs["mounts"]
    assert sorted(images["cells"]) == sorted(mounts["cells"])
    fields = ("status", "versions", "pip_conflicts", "signature", "claim_reproduced")
    for cell_id, cell in images["cells"].items():
        other = mounts["cells"][cell_id]
        assert {f: cell.get(f) for f in fields} == {f: other.get(f) for f in fields}, cell_id
        if cell.get("error"):
            for key in ("type", "message", "phase", "raised_at", "scenario_line"):
                assert cell["error"][key] == other["error"][key], (cell_id, key)

    def pins(freeze: Path) -> list[str]:
        text = freeze.read_text(encoding="utf-8")
        return [line for line in text.splitlines() if not line.startswith("#")]

    for freeze in sorted((images["run"] / "environments").iterdir()):
        assert pins(freeze) == pins(mounts["run"] / "environments" / freeze.name), freeze.name
    records = json.loads((mounts["run"] / "images.json").read_text(encoding="utf-8"))
    assert {r["environment"] for r in records if r["environment_dir"]} == {
        "keras3-only",
        "tf-2.15",
        "tf-2.15_then_keras-3",
    }
