"""Shapes of reports whose versions need more than the report says: a package left open beside
one that constrains it, standalone Keras 2 without its TensorFlow, installs from git, old
Pythons and pip, and a traceback's file layout."""

from __future__ import annotations

import datetime
import json
import urllib.error
from email.message import Message
from pathlib import Path

from harness.config.scenarios import Claim
from harness.pypi import PackageIndex
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.pip_lines import git_install
from harness.repro.constraints import constraint_on, fitted
from harness.repro.pip_version import pip_for
from harness.repro.request import Flags, resolve
from harness.repro.session import NEVER, Setting, Setup, build_matrix, with_python
from tests.pypi_fake import payload, recorded_index, request_as_of


def resolved(text: str, as_of: str) -> tuple[str, tuple[str, ...], str]:
    request = request_as_of(text, as_of)
    return request.python, request.steps, "\n".join(request.assumed)


def test_a_package_left_open_satisfies_what_a_pinned_one_requires() -> None:
    report = "Python 3.8\n\n```\npip install tensorflow==2.4.1 numpy\n```\n"
    report += "```python\nimport numpy\n```\n"
    _, steps, assumed = resolved(report, "2021-03-04")
    # numpy 1.20.1 was the newest by then; TensorFlow 2.4.1 requires numpy~=1.19.2.
    assert steps == ("tensorflow==2.4.1 numpy==1.19.5",)
    assert "tensorflow 2.4.1 requires numpy~=1.19.2" in assumed
    assert "1.20.1" in assumed
    # Where nothing constrains it, the open version is the newest by the date.
    _, steps, _ = resolved(report.replace("tensorflow==2.4.1", "pandas==1.2.3"), "2021-03-04")
    assert steps == ("pandas==1.2.3 numpy==1.20.1",)


def _index(requires: dict[str, list[str]]) -> PackageIndex:
    releases = {
        "numpy": {"1.19.5": ("", "py3-none-any"), "1.20.1": ("", "py3-none-any")},
        "tool": {"1.0.0": ("", "py3-none-any")},
    }

    def fetch(url: str) -> bytes:
        parts = url.rstrip("/").split("/")
        if len(parts) == 7:
            return json.dumps({"info": {"requires_dist": requires.get(parts[-3], [])}}).encode()
        return payload(parts[-2], releases[parts[-2]])

    return PackageIndex(fetch)


def test_markers_and_extras_decide_whether_a_requirement_counts() -> None:
    index = _index(
        {
            "tool": [
                'numpy<1.20; python_version < "3.9"',
                'numpy<1.0; extra == "old"',
                "numpy (>=1.19)",
                "other",
            ]
        }
    )
    on_38 = constraint_on("numpy", {"tool": "1.0.0"}, index, "3.8")
    assert str(on_38.specifier) == "<1.20,>=1.19"
    on_311 = constraint_on("numpy", {"tool": "1.0.0"}, index, "3.11")
    assert str(on_311.specifier) == ">=1.19"
    assert (
        fitted("numpy", "", "1.20.1", {"tool": "1.0.0"}, index, python="3.8", as_of=None)[0]
        == "1.19.5"
    )
    assert fitted("numpy", "", "1.20.1", {"tool": "1.0.0"}, index, python="3.11", as_of=None) == (
        "1.20.1",
        None,
    )


def test_unreadable_requirements_keep_the_version_and_say_so() -> None:
    def fetch(url: str) -> bytes:
        raise urllib.error.HTTPError(url, 404, "no", Message(), None)

    version, note = fitted(
        "numpy", "", "1.20.1", {"tool": "1.0.0"}, PackageIndex(fetch), python="3.8", as_of=None
    )
    assert version == "1.20.1"
    assert note is not None and "not checked" in note and "tool" in note


KERAS_2_CODE = "```python\nimport keras\nkeras.layers.Dense(2)\n```\n"


def test_standalone_keras_2_gets_the_tensorflow_of_its_minor() -> None:
    _, steps, assumed = resolved("keras 2.11.0, Python 3.10\n" + KERAS_2_CODE, "2023-04-18")
    assert steps == ("keras==2.11.0 tensorflow==2.11.1 numpy==1.24.2",)
    assert "TensorFlow 2.11 is the one that requires Keras 2.11" in assumed
    # A TensorFlow the report installs is left as it is; Keras 3 gets the TensorFlow that
    # fits it (tests/test_repro_real_shapes.py), not one of its own minor.
    _, steps, _ = resolved("keras 2.11.0, tensorflow-cpu 2.11.0\n" + KERAS_2_CODE, "2023-04-18")
    assert steps == ("keras==2.11.0 tensorflow-cpu==2.11.0",)
    # Keras 3 gets no TensorFlow of its minor, only its default backend's newest release.
    _, steps, _ = resolved("keras 3.1.0\n" + KERAS_2_CODE, "2024-04-18")
    assert steps == ("keras==3.1.0 tensorflow==2.16.1",)


def test_an_open_package_fits_what_it_requires_of_the_pinned_ones() -> None:
    # TensorFlow 2.12.0 was the newest on 2023-04-18, but it requires keras>=2.12,<2.13.
    code = "```python\nimport tensorflow as tf\nimport keras\n```\n"
    _, steps, assumed = resolved("keras 2.11.0, Python 3.10\n" + code, "2023-04-18")
    assert steps == ("keras==2.11.0 tensorflow==2.11.1 numpy==1.24.2",)
    assert "tensorflow 2.12.0 requires keras" in assumed


def test_an_install_from_git_is_read_with_its_name_and_ref() -> None:
    cases = {
        "git+https://github.com/keras-team/keras-contrib.git": ("keras-contrib", None),
        "git+https://www.github.com/keras-team/keras-hub.git@v0.18.1": ("keras-hub", "v0.18.1"),
        "git+https://github.com/org/repo@main#egg=Other_Name": ("other-name", "main"),
        "tf_keras@git+https://github.com/keras-team/tf-keras": ("tf-keras", None),
    }
    for word, (name, ref) in cases.items():
        install = git_install(word)
        assert install is not None, word
        assert (install.name, install.ref) == (name, ref), word
    assert git_install("keras==3.1.0") is None
    assert git_install("https://example.com/x.whl") is None


def test_an_install_from_git_becomes_pypi_s_release_or_nothing() -> None:
    code = "```python\nimport tensorflow as tf\nimport keras_hub\n```\n"
    lines = (
        "```\npip install tensorflow==2.18.0\n"
        "pip install git+https://github.com/keras-team/keras-hub.git@v0.18.1\n"
        "pip install -U git+https://github.com/keras-team/keras-contrib.git\n```\n"
    )
    _, steps, assumed = resolved(lines + code, "2025-01-10")
    # keras-contrib was never released on PyPI: its step is left out, not the report.
    assert steps == ("tensorflow==2.18.0", "keras-hub==0.18.1")
    assert "PyPI has no keras-contrib" in assumed
    assert "the PyPI release of the tag v0.18.1" in assumed


def test_a_python_older_than_3_8_gets_the_newest_pip_it_runs(tmp_path: Path) -> None:
    assert pip_for("3.11") == ("24.3.1", None)
    assert [pip_for(p)[0] for p in ("3.7", "3.6", "3.5")] == ["24.0", "21.3.1", "20.3.4"]
    python, _, assumed = resolved("Python 3.7.9, tensorflow 2.4.1\n" + KERAS_2_CODE, "2021-03-01")
    assert python == "3.7"
    assert "pip 24.0 in the venv, not 24.3.1" in assumed
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import tensorflow\n", encoding="utf-8")
    matrix = build_matrix(
        source=snippet,
        snippet=snippet,
        python="3.7",
        setups=(Setup(name="tf", steps=("tensorflow==2.4.1",)),),
        settings=(Setting(name="as-reported"),),
        claim=Claim(summary="none", pattern=NEVER),
        template_dir=Path("dockerfiles"),
    )
    assert matrix.pip_version == "24.0"
    # Run on another Python than the report's, the pip said is that Python's.
    request = resolve(
        Path("r.md"),
        extract("Python 3.7.9, tensorflow 2.4.1\n" + KERAS_2_CODE),
        Flags(),
        recorded_index(),
        as_of=datetime.date(2021, 3, 1),
    )
    moved = with_python(request, "3.9", "Python 3.9 instead of 3.7: no base image")
    assert not any(a.startswith("pip ") for a in moved.assumed)
    assert moved.assumed[-1] == "Python 3.9 instead of 3.7: no base image"


def _traceback_through(path: str) -> str:
    return (
        "```python\nimport tensorflow as tf\nm.fit(x)\n```\n\n```\n"
        "Traceback (most recent call last):\n"
        '  File "/home/me/train.py", line 2, in <module>\n'
        "    m.fit(x)\n"
        f'  File "/usr/lib/python3.10/site-packages/{path}", line 9, in fit\n'
        "    return step(x)\n"
        "ValueError: bad shapes\n```\n"
    )


def test_keras_2_13_to_2_15_is_told_by_its_keras_src_engine_files() -> None:
    layouts = {
        "keras/src/engine/training.py": ("2", "a traceback through keras/src/engine/"),
        "keras/engine/training.py": None,  # Keras 2.12 and older
        "keras/src/models/model.py": None,  # Keras 3
        "tensorflow/python/keras/engine/training.py": None,  # tf.keras inside TensorFlow
    }
    for path, layout in layouts.items():
        found = extract(_traceback_through(path)).keras_layout
        if layout is None:
            assert found is None, path
        else:
            assert found is not None, path
            assert (found[0], found[1][: len(layout[1])]) == layout, path
    report = _traceback_through("keras/src/engine/training.py")
    _, steps, _ = resolved(report, "2024-05-14")
    assert steps == ("keras==2.15.0 tensorflow==2.15.1",)
    # Keras 2.15 over a TensorFlow 2.16 the report names: as the reporter got it, in two steps.
    _, steps, _ = resolved("tensorflow 2.16.1\n" + report, "2024-05-14")
    assert steps == ("tensorflow==2.16.1", "keras==2.15.0")
    # A TensorFlow before 2.16 brings its own Keras 2: nothing is added.
    _, steps, _ = resolved("tensorflow 2.14.1\n" + report, "2024-05-14")
    assert steps == ("tensorflow==2.14.1",)


def test_an_installed_keras_3_backend_path_sets_the_backend() -> None:
    def report(path: str, code: str = "import keras\nkeras.ops.eye(2)\n") -> str:
        warning = f"/v/lib/python3.11/site-packages/{path}:48: UserWarning: x"
        return f"keras 3.4.1\n\n```python\n{code}```\n\n```\n{warning}\n```\n"

    assert extract(report("keras/src/backend/jax/math.py")).env == {"KERAS_BACKEND": "jax"}
    assert extract(report("keras/src/backend/torch/core.py")).env == {"KERAS_BACKEND": "torch"}
    # TensorFlow's backend package is imported under every backend (preprocessing layers).
    assert extract(report("keras/src/backend/tensorflow/core.py")).env == {}
    # What the report sets itself wins.
    sets_torch = 'import os\nos.environ["KERAS_BACKEND"] = "torch"\nimport keras\n'
    assert extract(report("keras/src/backend/jax/math.py", sets_torch)).env == {}
    exported = "export KERAS_BACKEND=torch\n" + report("keras/src/backend/jax/math.py")
    assert extract(exported).env == {"KERAS_BACKEND": "torch"}
