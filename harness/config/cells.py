"""Expanding a matrix into cells: the cross product, minus excludes, plus includes."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.config.matrix import Matrix
    from harness.config.matrix_schema import Rule

AXES = ("python", "environment", "backend", "scenario")


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One run: a scenario under a backend, in the image of (python, environment)."""

    python: str
    environment: str
    backend: str
    scenario: str

    @property
    def id(self) -> str:
        """The cell's id: `py<python>/<environment>/<backend>/<scenario>`."""
        return f"py{self.python}/{self.environment}/{self.backend}/{self.scenario}"

    @property
    def image_key(self) -> tuple[str, str]:
        """The (Python, environment) of the image the cell runs in."""
        return (self.python, self.environment)

    def value(self, axis: str) -> str:
        """The cell's value on one axis."""
        return str(getattr(self, axis))


@dataclass(frozen=True, kw_only=True)
class Expansion:
    """A matrix's cells, and the include/exclude rules that changed nothing."""

    cells: tuple[Cell, ...]
    # (kind, index) of include/exclude rules that changed nothing: almost always a typo'd intent.
    idle_rules: tuple[tuple[str, int], ...]


def expand(matrix: Matrix) -> Expansion:
    """Cells in matrix order. Like GitHub Actions, excludes apply first, then includes."""
    possible = [
        c for c in _product(matrix, {}) if matrix.environments[c.environment].supports(c.python)
    ]
    chosen = set(possible)
    idle: list[tuple[str, int]] = []
    for index, rule in enumerate(matrix.exclude):
        hit = {c for c in chosen if _matches(rule, c)}
        if not hit:
            idle.append(("exclude", index))
        chosen -= hit
    for index, rule in enumerate(matrix.include):
        added = {c for c in possible if _matches(rule, c)}
        if not added:
            idle.append(("include", index))
        chosen |= added
    order = {axis: {v: i for i, v in enumerate(matrix.axis_values(axis))} for axis in AXES}
    cells = sorted(chosen, key=lambda c: tuple(order[a][c.value(a)] for a in AXES))
    return Expansion(cells=tuple(cells), idle_rules=tuple(idle))


def _product(matrix: Matrix, fixed: dict[str, tuple[str, ...]]) -> Iterator[Cell]:
    values = [fixed.get(axis) or matrix.axis_values(axis) for axis in AXES]
    for python, environment, backend, scenario in itertools.product(*values):
        yield Cell(python=python, environment=environment, backend=backend, scenario=scenario)


def _matches(rule: Rule, cell: Cell) -> bool:
    for axis in AXES:
        allowed = rule.values(axis)
        if allowed is not None and cell.value(axis) not in allowed:
            return False
    return True


def select(cells: Iterable[Cell], filters: dict[str, tuple[str, ...]]) -> tuple[Cell, ...]:
    """Keep cells whose every filtered axis takes one of the given values (CLI --only)."""
    return tuple(c for c in cells if all(c.value(a) in v for a, v in filters.items() if v))
