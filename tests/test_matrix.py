"""Loading and validating matrix files: good ones load, each mistake is one located line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.config.matrix import load_matrix
from harness.errors import ConfigurationError

from .builders import harness

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
python: ["3.11"]
scenario_dir: "@SCENARIOS@"
environments:
  keras3-only:
    steps:
      - keras==3.12.0
  tf-2.15:
    python: "<3.12"
    steps:
      - tensorflow-cpu==2.15.1
      - pip: keras==3.12.0
        python: ">=3.10"
backends:
  unset: {}
  invalid:
    env: {KERAS_BACKEND: invalid_backend}
  stale:
    keras_json: {backend: theano}
scenarios: [missing_tensorflow, invalid_backend]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "matrix.yaml"
    path.write_text(
        textwrap.dedent(text).replace("@SCENARIOS@", str(ROOT / "scenarios")), encoding="utf-8"
    )
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_matrix(write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "name", ["matrix.yaml", "matrix-quick.yaml", "tests/data/integration.yaml"]
)
def test_shipped_matrices_load(name: str) -> None:
    matrix = load_matrix(ROOT / name)
    assert matrix.environments
    assert set(matrix.scenarios) <= {p.stem for p in (ROOT / "scenarios").glob("*.py")}


def test_good_matrix_values(tmp_path: Path) -> None:
    matrix = load_matrix(write(tmp_path, GOOD))
    assert matrix.python == ("3.11",)
    tf = matrix.environments["tf-2.15"]
    assert [s.pip for s in tf.steps_for("3.11")] == ["tensorflow-cpu==2.15.1", "keras==3.12.0"]
    assert [s.pip for s in tf.steps_for("3.9")] == ["tensorflow-cpu==2.15.1"]
    assert tf.supports("3.11") and not tf.supports("3.12")
    assert matrix.backends["invalid"].env == {"KERAS_BACKEND": "invalid_backend"}
    assert matrix.backends["stale"].keras_json == {"backend": "theano"}
    assert matrix.scenarios["missing_tensorflow"].claim.pattern == "NoneType"


def mutate(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            mutate("environments:", "enviroments:"),
            ":3: enviroments: unknown key; did you mean 'environments'?",
        ),
        (
            mutate("    steps:\n      - keras", "    stepz:\n      - keras"),
            ":5: environments.keras3-only.stepz: unknown key; did you mean 'steps'?",
        ),
        (
            mutate('python: ["3.11"]', "python: [3.10]"),
            ":1: python[0]: write versions as quoted strings: YAML reads 3.1 as a number",
        ),
        (mutate('python: ["3.11"]', "python: []"), ":1: python: List should have at least 1 item"),
        (
            mutate('python: ["3.11"]', 'python: ["3.11", "3.11"]'),
            ":1: python[1]: '3.11' is listed twice",
        ),
        (
            mutate("  tf-2.15:\n", "  keras3-only:\n"),
            ":7: environments.keras3-only: defined twice (first on line 4)",
        ),
        (
            mutate(
                "scenarios: [missing_tensorflow, invalid_backend]",
                "scenarios: [missing_tensorflow, invalid_backnd]",
            ),
            "scenarios[1]: no scenario file",
        ),
        (
            mutate(
                "scenarios: [missing_tensorflow, invalid_backend]", "scenarios: [../etc/passwd]"
            ),
            "scenarios[0]: '../etc/passwd': name a script",
        ),
        (
            mutate("keras==3.12.0\n  tf", "keras=3.12.0\n  tf"),
            ":6: environments.keras3-only.steps[0].pip: invalid requirement 'keras=3.12.0'",
        ),
        (
            mutate('python: "<3.12"', 'python: "<<3.12"'),
            ":8: environments.tf-2.15.python: invalid version specifier '<<3.12'",
        ),
        (
            mutate("backends:", "exclude:\n  - {backend: unst}\nbackends:"),
            ":14: exclude[0].backend: unknown backend 'unst'; did you mean 'unset'?",
        ),
        (
            mutate("backends:", "exclude:\n  - {python: '3.11', environment: nope}\nbackends:"),
            "exclude[0].environment: unknown environment 'nope'",
        ),
        (mutate("backends:", "exclude:\n  - {}\nbackends:"), ":14: exclude[0]: names no axis"),
        (
            GOOD
            + "exclude:\n  - {backend: unset, scenario: missing_tensorflow, environment: tf-2.15,"
            " python: '3.11'}\n"
            "  - {backend: unset, scenario: missing_tensorflow, environment: tf-2.15}\n",
            ":22: exclude[1]: this rule matches no cell",
        ),
        (
            mutate("    env: {KERAS_BACKEND: invalid_backend}", "    env: {KERAS BACKEND: x}"),
            "backends.invalid.env: 'KERAS BACKEND' is not a valid environment variable name",
        ),
        (
            mutate("  unset: {}", "  unset: []"),
            "backends.unset: Input should be a valid dictionary",
        ),
        (
            'python: ["3.11"]\nscenario_dir: "@SCENARIOS@"\n'
            "environments: {}\nbackends: {unset: {}}\n"
            "scenarios: [missing_tensorflow]\n",
            ":3: environments: Dictionary should have at least 1 item",
        ),
        (
            mutate("    steps:\n      - keras==3.12.0\n", "    steps: []\n"),
            "environments.keras3-only.steps: Tuple should have at least 1 item",
        ),
        ("python: [\n", ":2: invalid YAML"),
        ("- just\n- a list\n", ":1: the matrix must be a mapping"),
        (mutate("  tf-2.15:", "  tf 2.15:"), ":7: environments.tf 2.15: names may use letters"),
    ],
)
def test_mistakes_are_one_located_line(tmp_path: Path, text: str, expected: str) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(str(tmp_path / "matrix.yaml"))
    assert expected in message, message


def test_environment_python_limit_matching_nothing(tmp_path: Path) -> None:
    message = error_of(tmp_path, mutate('python: "<3.12"', 'python: ">=3.12"'))
    assert (
        ":8: environments.tf-2.15.python: '>=3.12' matches none of the matrix's Pythons" in message
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_matrix(tmp_path / "nope.yaml")


def test_cli_reports_one_line_and_exit_code(tmp_path: Path) -> None:
    path = write(tmp_path, mutate("environments:", "enviroments:"))
    done = harness("plan", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"error: {path}:3: enviroments: unknown key; did you mean 'environments'?"
    ]


@pytest.mark.parametrize("key", ["none", "str", "list[str]"])
def test_unknown_keys_named_like_pydantic_union_members(tmp_path: Path, key: str) -> None:
    message = error_of(tmp_path, f"{key}: 1\n" + GOOD)
    assert f":1: {key}: unknown key" in message
    rule = error_of(tmp_path, GOOD + f"exclude:\n  - {{backend: unset, {key!r}: x}}\n")
    assert f"exclude[0].{key}: unknown key" in rule
