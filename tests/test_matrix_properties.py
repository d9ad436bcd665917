"""Property tests: any matrix file, generated or mutated, loads or raises ConfigurationError."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.config.matrix import Matrix, load_matrix
from harness.errors import ConfigurationError

from .conftest import DATA

HOSTILE = DATA / "hostile"
VALID: dict[str, Any] = yaml.safe_load((HOSTILE / "matrix.yaml").read_text())
VALID["scenario_dir"] = str(HOSTILE / "scenarios")
VALID["template_dir"] = str(Path(__file__).resolve().parent.parent / "dockerfiles")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(
        [
            "3.11",
            "3.x",
            ">=3.10",
            "<<3",
            "../../etc/passwd",
            "fork_bomb",
            "",
            "0",
            "1g",
            "six==1.16.0",
            "six===",
            "none",
            "bridge",
            "{",
            "- a",
            "*x",
            "&a",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(values)
        else:
            parent.append(draw(values))
    return data


def _check(path: Path) -> None:
    try:
        loaded = load_matrix(path)
    except ConfigurationError as exc:
        message = str(exc)
        assert message.startswith(str(path)), message
        assert "\n" not in message, message
    else:
        assert isinstance(loaded, Matrix)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=mutated())
def test_mutated_matrices_load_or_raise_configuration_error(
    tmp_path: Path, data: dict[str, Any]
) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    _check(path)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200), cut=st.integers(0, 2000))
def test_garbled_text_loads_or_raises_configuration_error(
    tmp_path: Path, text: str, cut: int
) -> None:
    source = yaml.safe_dump(VALID)
    path = tmp_path / "matrix.yaml"
    path.write_text(source[:cut] + text + source[cut:], encoding="utf-8")
    _check(path)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=values)
def test_any_document_loads_or_raises_configuration_error(tmp_path: Path, data: Any) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data))
    _check(path)
