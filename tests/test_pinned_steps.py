"""Which pins each install step of a pinned build gets (--pin-from), and what the run is told
about the steps it leaves unpinned; no engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.build.bases import debian_base
from harness.build.dockerfile import ImageSpec, render
from harness.build.dockerfile_cut import prefix_tag, split
from harness.build.freezes import step_constraints, unpinned_note
from harness.config.matrix import Matrix, load_matrix

ROOT = Path(__file__).resolve().parent.parent
# What pip resolved: TensorFlow 2.15 with Keras 2.15, and Keras 3 over it, which moved
# ml-dtypes and keras past what TensorFlow 2.15 itself accepts.
TF = "keras==2.15.0\nml-dtypes==0.2.0\ntensorflow-cpu==2.15.1\n"
LAYERED = "keras==3.12.0\nml-dtypes==0.5.3\ntensorflow-cpu==2.15.1\n"


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return load_matrix(ROOT / "tests" / "data" / "integration.yaml")


def freezes(directory: Path, by_environment: dict[str, str]) -> Path:
    """A run's environments/ holding these freezes, headed as an exported one is."""
    directory.mkdir(parents=True, exist_ok=True)
    for environment, freeze in by_environment.items():
        (directory / f"py3.11-{environment}.txt").write_text(
            f"# pip freeze --all of an image\n{freeze}", encoding="utf-8"
        )
    return directory


def rendered(
    matrix: Matrix, environment: str, constraints: tuple[bytes | None, ...] = ()
) -> ImageSpec:
    """`environment` on Python 3.11's Debian base, with these pins for its steps."""
    return render(
        matrix,
        "3.11",
        environment,
        base=debian_base("3.11"),
        template_dir=None,
        ca_bundle=None,
        constraints=constraints,
    )


def test_an_earlier_step_is_pinned_to_the_environment_of_just_the_steps_up_to_it(
    matrix: Matrix, tmp_path: Path
) -> None:
    directory = freezes(tmp_path, {"tf-2.15": TF, "tf-2.15_then_keras-3": LAYERED})
    assert step_constraints(directory, matrix, "3.11", "tf-2.15_then_keras-3") == (
        TF.encode(),
        LAYERED.encode(),
    )
    # A single step is pinned to its own freeze, as before.
    assert step_constraints(directory, matrix, "3.11", "tf-2.15") == (TF.encode(),)
    spec = rendered(
        matrix,
        "tf-2.15_then_keras-3",
        step_constraints(directory, matrix, "3.11", "tf-2.15_then_keras-3"),
    )
    assert unpinned_note(directory, spec) is None
    context = spec.write_context(tmp_path / "context")
    assert (context / "constraints" / "1.txt").read_text() == TF
    assert (context / "constraints" / "2.txt").read_text() == LAYERED


def test_a_step_with_no_such_environment_in_the_pinned_run_is_unpinned_and_said_so(
    matrix: Matrix, tmp_path: Path
) -> None:
    directory = freezes(tmp_path, {"tf-2.15_then_keras-3": LAYERED})
    pinned = step_constraints(directory, matrix, "3.11", "tf-2.15_then_keras-3")
    assert pinned == (None, LAYERED.encode())
    spec = rendered(matrix, "tf-2.15_then_keras-3", pinned)
    assert unpinned_note(directory, spec) == (
        f"py3.11/tf-2.15_then_keras-3: step 1 of 2 installed without pins: {directory} has no "
        "pip freeze of an environment of just the steps up to it"
    )


def test_an_environment_without_a_freeze_is_built_without_pins(
    matrix: Matrix, tmp_path: Path
) -> None:
    directory = freezes(tmp_path, {"tf-2.15": TF})
    assert step_constraints(directory, matrix, "3.11", "keras3-only") == ()
    assert step_constraints(None, matrix, "3.11", "tf-2.15") == ()
    spec = rendered(matrix, "keras3-only")
    assert unpinned_note(directory, spec) == (
        f"py3.11/keras3-only: no pip freeze in {directory}; built without pins"
    )
    assert unpinned_note(None, spec) is None


def test_the_constraints_are_the_prefix_s_and_the_pins_the_install_steps(
    matrix: Matrix, tmp_path: Path
) -> None:
    directory = freezes(tmp_path, {"tf-2.15": TF, "tf-2.15_then_keras-3": LAYERED})

    layered = rendered(
        matrix,
        "tf-2.15_then_keras-3",
        step_constraints(directory, matrix, "3.11", "tf-2.15_then_keras-3"),
    )
    cut = split(layered)
    assert cut is not None
    assert "COPY constraints/ /etc/keras-matrix/constraints/" in cut.prefix
    assert [install.split(" timeout ")[0] for install in cut.installs] == [
        "PIP_CONSTRAINT=/etc/keras-matrix/constraints/1.txt",
        "PIP_CONSTRAINT=/etc/keras-matrix/constraints/2.txt",
    ]
    # The prefix image holds the constraints: another step's pins are another prefix.
    other = rendered(matrix, "tf-2.15_then_keras-3", (TF.encode(), TF.encode()))
    other_cut = split(other)
    assert other_cut is not None
    assert prefix_tag(other, other_cut) != prefix_tag(layered, cut)
