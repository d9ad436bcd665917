"""Resolving a report to exact pip steps: partial versions, ordering, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from harness.errors import ConfigurationError
from harness.repro.bug_report.parse import extract
from harness.repro.code_to_run import NothingToRunError
from harness.repro.reproduce import (
    WITHOUT,
    adjacent_minors,
    neighbours_table,
    settings_of,
    variants_of,
)
from harness.repro.request import Flags, Request, read_source, resolve
from harness.repro.request_steps import order
from harness.results.outcome import Outcome, RaisedError
from tests.pypi_fake import fake_index, recorded_index

REPORTS = Path(__file__).parent / "data" / "reports"


def request_of(name: str, flags: Flags | None = None) -> Request:
    path = REPORTS / name
    extraction, _ = read_source(path)
    return resolve(path, extraction, flags or Flags(), recorded_index())


def test_a_partial_version_resolves_to_the_latest_patch_and_says_so() -> None:
    path = Path("r.md")
    text = "TensorFlow version: 2.16\nPython 3.11\n```python\nimport tensorflow\n```\n"
    request = resolve(path, extract(text), Flags(), fake_index())
    assert request.steps == ("tensorflow==2.16.2",)
    assert any("latest 2.16.x" in a and "2.16.2" in a for a in request.assumed)


def test_tf_2_15_with_keras_3_installs_keras_in_a_second_step() -> None:
    request = request_of("freeze_dump.md")
    assert request.steps == ("numpy==1.26.4 tensorflow==2.15.1", "keras==3.3.3")
    assert request.python == "3.10"
    assert request.env == {"KERAS_BACKEND": "tensorflow"}


@pytest.mark.parametrize(
    ("tf", "keras", "steps"),
    [
        # TensorFlow 2.7-2.15 each require the Keras 2 of their own minor.
        ("2.11.0", "2.12.0", ("tensorflow==2.11.0", "keras==2.12.0")),
        ("2.11.0", "2.11.0", ("tensorflow==2.11.0 keras==2.11.0",)),
        # 2.16 and later require Keras 3; before 2.6 TensorFlow required no Keras at all.
        ("2.16.1", "2.15.0", ("tensorflow==2.16.1", "keras==2.15.0")),
        ("2.16.1", "3.3.3", ("tensorflow==2.16.1 keras==3.3.3",)),
        ("2.4.1", "2.4.3", ("tensorflow==2.4.1 keras==2.4.3",)),
    ],
)
def test_versions_pip_refuses_together_are_installed_in_two_steps(
    tf: str, keras: str, steps: tuple[str, ...]
) -> None:
    assumed: list[str] = []
    assert order({"tensorflow": tf, "keras": keras}, assumed) == steps
    assert bool(assumed) == (len(steps) == 2)


def test_the_report_s_pip_lines_are_kept_and_pinned() -> None:
    request = request_of("pip_install_steps.md")
    assert request.steps == ("tensorflow-cpu==2.15.1", "keras==3.4.1")
    assert any("Python 3.11" in a for a in request.assumed)


def test_flags_override_the_report() -> None:
    request = request_of(
        "freeze_dump.md", Flags(python="3.11", pip=("keras==3.12.0",), env={"KERAS_BACKEND": "jax"})
    )
    assert (request.python, request.steps, request.env) == (
        "3.11",
        ("keras==3.12.0",),
        {"KERAS_BACKEND": "jax"},
    )


def test_block_chooses_another_code_block() -> None:
    request = request_of("freeze_dump.md", Flags(block=1))
    assert "print(tf.__version__" in request.code


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "no_code.md",
            "no_code.md: no code to run (no Python block, python -c line, pasted code or "
            "traceback line); pass --script FILE",
        ),
        ("no_package.md", "no_package.md: no package named or imported"),
    ],
)
def test_refusals_are_one_line(name: str, message: str) -> None:
    with pytest.raises(NothingToRunError) as caught:
        request_of(name)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.return_code == 2


def test_yaml_requests_and_their_mistakes() -> None:
    request = request_of("request.yaml")
    assert request.steps == ("keras==3.12.0",)
    assert request.reported_error is not None
    assert request.reported_error.message == "No module named 'tensorflow'"
    with pytest.raises(ConfigurationError, match=r"bad_request\.yaml:4: scipt: unknown key"):
        request_of("bad_request.yaml")


def test_neighbours_are_the_adjacent_minors_installable_on_the_python() -> None:
    index = fake_index()
    assert adjacent_minors(index, "keras", Version("3.12.0"), "3.11") == [
        (Version("3.11.3"), "previous minor"),
        (Version("3.13.0"), "next minor"),
    ]
    # keras 3.13 needs Python >= 3.11: there is no next minor on 3.10
    assert adjacent_minors(index, "keras", Version("3.12.0"), "3.10") == [
        (Version("3.11.3"), "previous minor")
    ]


def test_neighbour_variants_swap_one_pin_at_a_time_with_and_without_the_backend() -> None:
    path = Path("r.md")
    text = "KERAS_BACKEND=jax\nkeras==3.12.0\njax==0.4.30\n```python\nimport keras\n```\n"
    index = fake_index(jax={"0.4.30": (">=3.9", "py3-none-any")})
    request = resolve(path, extract(text), Flags(), index)
    variants = variants_of(request, index, neighbours=True)
    assert [v.setup.steps for v in variants] == [
        ("keras==3.12.0 jax==0.4.30",),
        ("keras==3.11.3 jax==0.4.30",),
        ("keras==3.13.0 jax==0.4.30",),
    ]
    assert [s.name for s in settings_of(request, neighbours=True)] == [
        "as-reported",
        "no-backend-setting",
    ]
    assert settings_of(request, neighbours=True)[1].env == {}


def _missing(environment: str, backend: str, module: str) -> Outcome:
    error = RaisedError(
        type="ModuleNotFoundError",
        message=f"No module named '{module}'",
        raised_at=None,
        scenario_line=None,
        phase="import",
        traceback="",
    )
    return Outcome(
        run_id="r",
        cell_id=f"{environment}/{backend}",
        python="3.11",
        environment=environment,
        backend=backend,
        scenario="snippet",
        status="error",
        error=error,
    )


def test_the_neighbours_table_marks_and_names_where_the_outcome_changes() -> None:
    request = request_of("keras3_numpy_backend.md")
    variants = variants_of(request, fake_index(), neighbours=True)
    assert [v.label for v in variants] == [
        "keras 3.10.0 (as reported)",
        # the canned index has no 3.9, and keras 2.15 is across the major version
        "keras 3.11.3 (next minor)",
    ]
    # Rows come from the outcomes: a neighbour left out of them is left out of the table.
    outcomes = [
        _missing("keras-3.10.0", "as-reported", "scipy"),
        _missing("keras-3.10.0", WITHOUT, "tensorflow"),
        _missing("keras-3.11.3", "as-reported", "jax"),
        _missing("keras-3.11.3", WITHOUT, "tensorflow"),
    ]
    table = neighbours_table(outcomes, variants, request).splitlines()
    assert (
        table[2]
        == "| environment | `KERAS_BACKEND=numpy` (as reported) | without `KERAS_BACKEND` |"
    )
    assert table[4] == (
        "| keras 3.10.0 (as reported) | `ModuleNotFoundError: No module named 'scipy'` | "
        "**`ModuleNotFoundError: No module named 'tensorflow'`** (changes) |"
    )
    assert table[-2:] == [
        "- `ModuleNotFoundError: No module named 'tensorflow'`: every environment, "
        "without `KERAS_BACKEND`",
        "- `ModuleNotFoundError: No module named 'jax'`: keras 3.11.3 (next minor), "
        "`KERAS_BACKEND=numpy` (as reported)",
    ]
    same = [_missing("keras-3.10.0", "as-reported", "scipy")] * 2
    assert neighbours_table(same, variants, request).endswith(
        "The outcome is the same in every neighbour."
    )
