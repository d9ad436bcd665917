"""Expansion: the cross product, an environment's python limit, then excludes, then includes."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.cells import expand, select
from harness.config.matrix import load_matrix
from harness.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent

BASE = f"""\
python: ["3.9", "3.11"]
scenario_dir: "{ROOT / "scenarios"}"
environments:
  a: {{steps: [six==1.16.0]}}
  b: {{python: ">=3.10", steps: [six==1.16.0]}}
backends: {{unset: {{}}, jax: {{env: {{KERAS_BACKEND: jax}}}}}}
scenarios: [missing_tensorflow, invalid_backend]
"""


def ids(tmp_path: Path, extra: str = "") -> list[str]:
    path = tmp_path / "m.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    return [c.id for c in expand(load_matrix(path)).cells]


def test_cross_product_respects_environment_python_limit(tmp_path: Path) -> None:
    cells = ids(tmp_path)
    assert len(cells) == 2 * 2 * 2 + 1 * 2 * 2  # a on both Pythons, b on 3.11 only
    assert not any(c.startswith("py3.9/b/") for c in cells)
    assert cells[0] == "py3.9/a/unset/missing_tensorflow"  # matrix order, python first
    assert cells[-1] == "py3.11/b/jax/invalid_backend"


def test_exclude_removes_every_matching_cell(tmp_path: Path) -> None:
    cells = ids(tmp_path, "exclude:\n  - {backend: jax, scenario: invalid_backend}\n")
    assert len(cells) == 12 - 3
    assert not any(c.endswith("jax/invalid_backend") for c in cells)


def test_include_after_exclude_adds_back(tmp_path: Path) -> None:
    extra = "exclude:\n  - {backend: jax}\ninclude:\n  - {backend: jax, environment: b}\n"
    cells = ids(tmp_path, extra)
    assert [c for c in cells if "/jax/" in c] == [
        "py3.11/b/jax/missing_tensorflow",
        "py3.11/b/jax/invalid_backend",
    ]


def test_include_cannot_add_what_the_python_limit_forbids(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"include\[0\]: this rule adds no cell"):
        ids(tmp_path, "include:\n  - {python: '3.9', environment: b}\n")


def test_list_values_in_rules(tmp_path: Path) -> None:
    cells = ids(tmp_path, "exclude:\n  - {python: ['3.9', '3.11'], environment: [a]}\n")
    assert {c.split("/")[1] for c in cells} == {"b"}


def test_select_filters_by_axis(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BASE, encoding="utf-8")
    cells = expand(load_matrix(path)).cells
    chosen = select(cells, {"backend": ("jax",), "python": ("3.11",)})
    assert {c.backend for c in chosen} == {"jax"} and {c.python for c in chosen} == {"3.11"}
    assert len(chosen) == 4


def test_shipped_matrix_has_cells_for_every_scenario_and_python() -> None:
    matrix = load_matrix(ROOT / "matrix.yaml")
    cells = expand(matrix).cells
    assert {c.scenario for c in cells} == set(matrix.scenarios)
    assert {c.python for c in cells} == set(matrix.python)
    assert len(cells) == len(set(cells))
