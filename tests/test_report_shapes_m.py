"""Shapes of reports that give their environment as files and container commands: a Dockerfile
on TensorFlow's official image, `docker run` of one, a compose file's `image:`, a requirements
file installed with `pip install -r`, a `conda list` row's build string."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import (
    docker_images,
    log_prefixes,
    pip_lines,
    python_version,
    settings,
)
from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.requirements_files import shown_requirements

# 1. TensorFlow's official images: the tag's release, and the Python that image line ships.


@pytest.mark.parametrize(
    ("tag", "step", "python"),
    [
        ("2.16.1", "tensorflow==2.16.1", "3.11"),
        ("2.14.0-gpu-jupyter", "tensorflow==2.14.0", "3.11"),
        ("2.13.0", "tensorflow==2.13.0", "3.8"),
        ("2.7.0-gpu", "tensorflow==2.7.0", "3.8"),
        ("2.6.0", "tensorflow==2.6.0", "3.6"),
        ("2.1.1-gpu", "tensorflow==2.1.1", "3.6"),
        ("2.1.0-gpu-py3", "tensorflow==2.1.0", "3.6"),
        ("2.0.0-gpu-py3", "tensorflow-gpu==2.0.0", "3.6"),
        ("1.14.0-py3", "tensorflow==1.14.0", "3.6"),
        ("1.12.0-gpu-py3", "tensorflow-gpu==1.12.0", "3.5"),
        ("1.12.0", "tensorflow==1.12.0", "2.7"),
        ("2.2.0rc2-gpu-py3", "tensorflow==2.2.0rc2", "3.6"),
        ("latest-gpu", "tensorflow", None),
        ("nightly", "tf-nightly", None),
        ("2.3.0-devel-gpu", None, "3.6"),
    ],
)
def test_an_image_tag_is_its_release_and_its_python(
    tag: str, step: str | None, python: str | None
) -> None:
    assert docker_images.image_step(tag) == step
    assert docker_images.image_python(tag) == python


@pytest.mark.parametrize(
    "line",
    [
        "FROM tensorflow/tensorflow:2.15.0",
        "FROM --platform=linux/amd64 tensorflow/tensorflow:2.15.0 AS base",
        "  image: tensorflow/tensorflow:2.15.0",
        "$ docker run --rm -it -v $PWD:/w tensorflow/tensorflow:2.15.0 python /w/t.py",
        "sudo nvidia-docker run -it docker.io/tensorflow/tensorflow:2.15.0 bash",
        "docker pull tensorflow/tensorflow:2.15.0",
        "It fails when built with `FROM tensorflow/tensorflow:2.15.0` as the base.",
    ],
)
def test_the_lines_that_run_an_image(line: str) -> None:
    assert pip_lines.pip_steps(line) == ("tensorflow==2.15.0",)


@pytest.mark.parametrize(
    "line",
    [
        "It worked on the tensorflow/tensorflow:2.15.0 image last week.",
        "FROM jupyter/tensorflow-notebook",
        "FROM myorg/tensorflow/tensorflow:2.15.0",
        "docker run -it tensorflow/serving:2.15.0",
    ],
)
def test_an_image_named_but_not_run_or_not_tensorflows_installs_nothing(line: str) -> None:
    assert pip_lines.pip_steps(line) == ()


def test_the_image_comes_before_what_the_dockerfile_installs_in_it() -> None:
    dockerfile = "FROM tensorflow/tensorflow:2.15.0-gpu\nRUN pip install keras-cv==0.8.2\n"
    assert pip_lines.pip_steps(dockerfile) == ("tensorflow==2.15.0", "keras-cv==0.8.2")


def test_the_images_python_wins_over_the_machine_it_was_started_from() -> None:
    text = "Host: Ubuntu 22.04, Python 3.10\n\n```\nFROM tensorflow/tensorflow:2.12.0\n```\n"
    said, _ = python_version.said(text)
    assert said is not None and said[0] == "3.8"


# 2. A requirements file the report shows, installed with `pip install -r`.

REQUIREMENTS = """\
requirements.txt:

```
# model
keras==2.14.0
tensorflow-text>=2.14,<2.15  # same minor as TF
pywin32==306 ; sys_platform == "win32"
--extra-index-url https://example.invalid/simple
```
"""


def test_a_shown_requirements_file_is_read_as_pips_words() -> None:
    assert shown_requirements(REQUIREMENTS) == {
        "requirements.txt": (
            "keras==2.14.0",
            "tensorflow-text>=2.14,<2.15",
            "--extra-index-url",
            "https://example.invalid/simple",
        )
    }


def test_pip_install_r_installs_the_shown_file_in_one_step() -> None:
    text = REQUIREMENTS + "\n```\n$ pip install -r requirements.txt\n```\n"
    assert pip_lines.pip_steps(text) == (
        "keras==2.14.0 tensorflow-text>=2.14,<2.15 --extra-index-url https://example.invalid/simple",
    )


@pytest.mark.parametrize(
    "text",
    [
        # Not introduced as a requirements file: a listing, read for versions only.
        "Installed:\n\n```\nkeras==2.14.0\n```\n\n`pip install -r requirements.txt`\n",
        # A line that is no requirement: not a requirements file.
        "requirements.txt:\n\n```\nkeras==2.14.0\nthen I ran it\n```\n\n"
        "pip install -r requirements.txt\n",
    ],
)
def test_a_block_that_is_not_a_shown_requirements_file_is_not_installed(text: str) -> None:
    assert pip_lines.pip_steps(text) == ()


def test_a_requirements_file_shown_without_pip_install_r_stays_versions() -> None:
    text = "My requirements.txt:\n\n```\nkeras==2.14.0\ntensorflow==2.14.0\n```\n"
    extraction = extract(text)
    assert extraction.pip_steps == ()
    assert {pin.name: pin.version for pin in extraction.pins} == {
        "keras": "2.14.0",
        "tensorflow": "2.14.0",
    }


# 3. A `conda list` row's build string names the Python it was built for.


@pytest.mark.parametrize(
    ("row", "python"),
    [
        ("keras                     2.10.0          py310haa95532_0", "3.10"),
        ("tensorflow                2.6.0           mkl_py39h31650da_0    defaults", "3.9"),
        ("h5py                      2.8.0           py36_0", "3.6"),
    ],
)
def test_a_conda_build_string_names_its_python(row: str, python: str) -> None:
    said, _ = python_version.said(row)
    assert said is not None and said[0] == python


def test_a_noarch_build_names_no_python() -> None:
    said, _ = python_version.said("keras-preprocessing       1.1.2     pyhd3eb1b0_0")
    assert said is None


# 4. Output `docker compose up` printed behind its service's name.


def test_a_compose_services_output_is_read_without_its_prefix() -> None:
    text = (
        "```\n"
        "web-1  | Traceback (most recent call last):\n"
        'web-1  |   File "/src/serve.py", line 2, in <module>\n'
        "web-1  |     keras.ops.nonzero(x)\n"
        "web-1  | AttributeError: module 'keras.ops' has no attribute 'nonzero'\n"
        "```\n"
    )
    error = extract(text).reported_error
    assert error is not None
    assert error.message == "module 'keras.ops' has no attribute 'nonzero'"


def test_lines_of_two_services_keep_their_prefixes() -> None:
    text = "```\nweb_1  | starting\ndb_1   | ready\n```\n"
    assert log_prefixes.readable(text) == text


# 5. Variables a Dockerfile or a `docker run` sets for what runs in the container.


@pytest.mark.parametrize(
    ("line", "variables"),
    [
        ("ENV KERAS_BACKEND=jax", {"KERAS_BACKEND": "jax"}),
        ("ENV TF_USE_LEGACY_KERAS 1", {"TF_USE_LEGACY_KERAS": "1"}),
        ("docker run --rm -e KERAS_BACKEND=torch img python t.py", {"KERAS_BACKEND": "torch"}),
        ("docker run --env=TF_USE_LEGACY_KERAS=1 img", {"TF_USE_LEGACY_KERAS": "1"}),
        # `-e NAME` alone passes the host's value, which the report does not show.
        ("docker run -e KERAS_BACKEND tensorflow/tensorflow:2.16.1", {}),
        ("pip install -e .", {}),
    ],
)
def test_container_settings(line: str, variables: dict[str, str]) -> None:
    assert settings.env(line) == variables


@pytest.mark.parametrize(
    "line",
    [
        "FROM nvcr.io/nvidia/tensorflow:23.03-tf2-py3",
        "docker run --gpus all -it --rm nvcr.io/nvidia/tensorflow:22.12-tf2-py3 bash",
        "    image: nvcr.io/nvidia/tensorflow:24.01-tf2-py3",
    ],
)
def test_an_ngc_image_installs_nothing_and_the_listing_says_its_tag_is_not_read(
    line: str,
) -> None:
    assert pip_lines.pip_steps(line) == ()
    assert python_version.python_of(line) is None
    (note,) = docker_images.image_notes(line)
    assert note.startswith("the image nvcr.io/nvidia/tensorflow:")
    assert "is not read" in note


def test_an_ngc_image_only_named_gives_no_note() -> None:
    assert docker_images.image_notes("It works on nvcr.io/nvidia/tensorflow:23.03-tf2-py3.") == ()
