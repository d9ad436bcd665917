"""A project's own files as a report shows them: PEP 621's `[project]` dependencies, installed
by `pip install .` / `uv sync`, and the Python range a pyproject or setup.py gives."""

from __future__ import annotations

import pytest

from harness.repro.bug_report.parse import extract
from harness.repro.bug_report.project_files import project_requirements
from harness.repro.bug_report.project_python import lowest_allowed, project_python

_CODE = "\n```python\nimport tensorflow as tf\nprint(tf.ones(2))\n```\n"

_PEP621 = """
```toml
[project]
name = "orchard"
requires-python = ">=3.9"
dependencies = [
    "tensorflow[and-cuda]>=2.15,<2.16",  # [not a table] "quoted"
    'h5py==3.10.0',
    "pywin32; sys_platform == 'win32'",
]

[project.optional-dependencies]
test = ["pytest>=8"]
```
"""


def test_pep_621_dependencies_are_the_projects_requirements() -> None:
    assert project_requirements(_PEP621) == ("tensorflow[and-cuda]>=2.15,<2.16", "h5py==3.10.0")


def test_pep_621_dependencies_on_one_line_and_beside_poetry() -> None:
    text = (
        '[project]\ndependencies = ["keras==3.3.3", "jax"]\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\nnumpy = "1.26.4"\n'
    )
    assert project_requirements(text) == ("numpy==1.26.4", "keras==3.3.3", "jax")


@pytest.mark.parametrize(
    "text",
    [
        '[tool.x]\ndependencies = ["keras==3.3.3"]\n',  # another table's list
        '[project]\ndependencies = ["keras==3.3.3",\n',  # never closed
        '[project]\ndependencies = [f"keras=={v}" for v in vs]\n',  # not literal
    ],
)
def test_no_pep_621_dependencies_outside_a_closed_literal_project_list(text: str) -> None:
    assert project_requirements(text) == ()


@pytest.mark.parametrize(
    "how",
    [
        "`pip install -e .`,",
        "`pip install .`.",
        "`uv sync`",
        "`pdm install`",
        "pip install '.[gpu]'",
    ],
)
def test_a_pep_621_project_installed_is_one_step(how: str) -> None:
    found = extract(_PEP621 + f"\nI set it up with {how} then ran:\n" + _CODE)
    assert found.pip_steps == ("tensorflow[and-cuda]>=2.15,<2.16 h5py==3.10.0",)


@pytest.mark.parametrize(
    ("spec", "lowest"),
    [
        (">=3.9,<3.12", "3.9"),
        (">=3.9, <3.12", "3.9"),
        (">=3.10,<4.0", "3.10"),
        (">3.8", "3.8"),
        (">=3.8.1", "3.8"),
        ("==3.11.*", "3.11"),
        ("~=3.10", "3.10"),
        (">=2.7,!=3.0.*", "3.5"),
        ("<3", None),
        ("not a range", None),
    ],
)
def test_the_lowest_python_a_range_allows(spec: str, lowest: str | None) -> None:
    assert lowest_allowed(spec) == lowest


@pytest.mark.parametrize(
    ("text", "python"),
    [
        ('[tool.poetry.dependencies]\npython = "^3.10"\ntensorflow = "*"\n', "3.10"),
        ('[tool.poetry.dependencies]\npython = "~3.9"\n', "3.9"),
        ('[tool.poetry.dependencies]\npython = ">=3.9,<3.12"\n', "3.9"),
        ('[project]\nname = "x"\nrequires-python = ">=3.11"\n', "3.11"),
        ('setup(name="x", python_requires=">=3.8", install_requires=[])\n', "3.8"),
        ('[tool.black]\npython = "^3.10"\n', None),  # not Poetry's dependencies
        ('[tool.poetry.dependencies]\ntensorflow = "^3.10"\n', None),
    ],
)
def test_the_python_a_project_file_allows(text: str, python: str | None) -> None:
    found = project_python(text)
    assert (found[0] if found else None) == python


def test_a_python_the_report_names_wins_over_the_projects_range() -> None:
    text = '```toml\n[tool.poetry.dependencies]\npython = "^3.9"\n```\nPython version: 3.11\n'
    found = extract(text + _CODE)
    assert found.python is not None
    assert found.python[0] == "3.11"
    alone = extract('```toml\n[tool.poetry.dependencies]\npython = "^3.9"\n```\n' + _CODE)
    assert alone.python is not None
    assert alone.python[0] == "3.9"
    assert "lowest Python" in alone.python[1]
