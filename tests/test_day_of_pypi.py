"""PyPI as of a day: the matrix key `uploaded_prior_to`, the Dockerfile line it renders, and the
moment a report's day gives its environments (recorded PyPI, no network)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from harness.build.bases import Base
from harness.build.dockerfile import render
from harness.config.matrix import load_matrix
from harness.config.matrix_schema import utc_moment
from harness.errors import ConfigurationError
from harness.repro.day_of_pypi import day_of_pypi
from harness.repro.pip_version import DATED_PIP
from harness.repro.reproduce import Variant, dated
from harness.repro.request import Flags, read_source, resolve
from harness.repro.session import Setup
from tests.pypi_fake import recorded_index
from tests.test_matrix import GOOD, error_of, write

DATED = GOOD.replace(
    "  keras3-only:\n", "  keras3-only:\n    uploaded_prior_to: 2025-11-20\n", 1
).replace('python: ["3.11"]\n', 'python: ["3.11"]\npip_version: "26.0.1"\n', 1)
BASE = Base(
    kind="debian", python="3.11", image="keras-matrix-base:bookworm", python_bin="/usr/bin/python3"
)


@pytest.mark.parametrize(
    ("given", "moment"),
    [
        (datetime.date(2021, 9, 2), "2021-09-02T00:00:00Z"),
        ("2021-09-02", "2021-09-02T00:00:00Z"),
        ("2021-09-02T12:30:00Z", "2021-09-02T12:30:00Z"),
        ("2021-09-02T14:30:00+02:00", "2021-09-02T12:30:00Z"),
        (datetime.datetime(2021, 9, 2, 8, 0), "2021-09-02T08:00:00Z"),
    ],
)
def test_a_moment_is_written_in_utc_as_pip_reads_it(given: object, moment: str) -> None:
    assert utc_moment(given) == moment


def test_the_key_renders_pips_variable_after_pip_itself(tmp_path: Path) -> None:
    matrix = load_matrix(write(tmp_path, DATED))
    assert matrix.environments["keras3-only"].uploaded_prior_to == "2025-11-20T00:00:00Z"
    spec = render(matrix, "3.11", "keras3-only", base=BASE, template_dir=None, ca_bundle=None)
    text = spec.dockerfile
    # On the install itself: pip 26.0.1 came out after many a report's day.
    assert "RUN PIP_UPLOADED_PRIOR_TO=2025-11-20T00:00:00Z timeout " in text
    assert text.count("PIP_UPLOADED_PRIOR_TO=") == 1
    assert text.index('"pip==26.0.1"') < text.index("PIP_UPLOADED_PRIOR_TO=")
    other = render(matrix, "3.11", "tf-2.15", base=BASE, template_dir=None, ca_bundle=None)
    assert "PIP_UPLOADED_PRIOR_TO" not in other.dockerfile


def test_an_older_pip_or_a_bad_moment_is_one_located_line(tmp_path: Path) -> None:
    older = error_of(tmp_path, DATED.replace('pip_version: "26.0.1"\n', ""))
    assert "environment 'keras3-only' sets uploaded_prior_to" in older
    assert "set pip_version to '26.0' or later (this matrix has 24.3.1)" in older
    bad = error_of(tmp_path, DATED.replace("2025-11-20", "last tuesday"))
    assert "environments.keras3-only.uploaded_prior_to: 'last tuesday' is not a date" in bad


def test_a_template_that_ignores_the_key_is_refused(tmp_path: Path) -> None:
    matrix = load_matrix(write(tmp_path, DATED))
    own = tmp_path / "templates"
    own.mkdir()
    (own / "environment.Dockerfile.j2").write_text(
        "FROM {{ base_image }}\n{% for step in steps %}RUN pip install {{ step }}\n{% endfor %}",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="never sets PIP_UPLOADED_PRIOR_TO"):
        render(matrix, "3.11", "keras3-only", base=BASE, template_dir=own, ca_bundle=None)


def test_a_report_day_gives_the_end_of_that_day() -> None:
    index = recorded_index()
    day = day_of_pypi(["tensorflow==2.6.0"], datetime.date(2021, 9, 1), index, python="3.9")
    assert day is not None
    assert (day.moment, day.why) == ("2021-09-02T00:00:00Z", None)


def test_a_pinned_release_out_after_the_day_moves_the_moment_to_its_own() -> None:
    # tensorflow 2.16.1 came out on 2024-03-09: a report dated before it still had it.
    day = day_of_pypi(
        ["tensorflow==2.16.1"], datetime.date(2024, 1, 5), recorded_index(), python="3.11"
    )
    assert day is not None
    assert day.moment == "2024-03-10T00:00:00Z"
    assert day.why == "tensorflow 2.16.1 came out on 2024-03-09, after the report's day"


@pytest.mark.parametrize(
    ("steps", "as_of", "python"),
    [
        (["tensorflow==2.6.0"], None, "3.9"),  # no day: today's PyPI
        (["tensorflow==2.4.1"], datetime.date(2021, 3, 1), "3.8"),  # pip 26 needs 3.9
        ([], datetime.date(2021, 3, 1), "3.9"),  # Python alone installs nothing
    ],
)
def test_no_moment_without_a_day_a_new_enough_python_or_steps(
    steps: list[str], as_of: datetime.date | None, python: str
) -> None:
    assert day_of_pypi(steps, as_of, recorded_index(), python=python) is None


def test_a_dated_report_says_so_and_each_environment_gets_its_own_moment(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.md"
    report.write_text(
        "Python 3.9, tensorflow 2.6.0\n\n```python\nimport tensorflow as tf\n```\n",
        encoding="utf-8",
    )
    extraction, _ = read_source(report)
    index = recorded_index()
    request = resolve(report, extraction, Flags(), index, as_of=datetime.date(2021, 9, 1))
    neighbour = Variant(
        setup=Setup(name="next", steps=("tensorflow==2.16.1",)), label="tensorflow 2.16.1"
    )
    reported = Variant(setup=Setup(name="as", steps=request.steps), label="as reported")
    (first, second), said = dated([reported, neighbour], request, index)
    assert first.setup.uploaded_prior_to == "2021-09-02T00:00:00Z"
    assert second.setup.uploaded_prior_to == "2024-03-10T00:00:00Z"
    (note,) = [a for a in said.assumed if "PIP_UPLOADED_PRIOR_TO" in a]
    assert note.startswith("what the steps leave open resolves as PyPI had it before 2021-09-02")
    assert f"pip {DATED_PIP} in the venv" in note
