"""Scenario metadata is read from the docstring without running the script."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.scenarios import load_scenario
from harness.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.py")), ids=lambda p: p.stem)
def test_shipped_scenarios_have_metadata(path: Path) -> None:
    scenario = load_scenario(path.stem, path)
    assert scenario.title and scenario.description and scenario.source.startswith("seeds/")
    assert scenario.claim.summary and scenario.claim.pattern


def test_claim_matching() -> None:
    scenario = load_scenario("history_before_fit", ROOT / "scenarios" / "history_before_fit.py")
    assert scenario.claim.matches(
        "AttributeError", "'NoneType' object has no attribute '_keras_history'"
    )
    assert not scenario.claim.matches(
        "AttributeError", "'Sequential' object has no attribute 'history'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("print(1)\n", "has no docstring"),
        ('"""\ntitle: x\n"""\n', "scenario metadata: description: Field required"),
        (
            '"""\ntitle: x\ndescription: y\nsource: z\nclaim: {summary: s, pattern: "("}\n"""\n',
            "claim.pattern: Value error, not a regular expression",
        ),
        ("def broken(:\n", ":1: scenario is not valid Python"),
    ],
)
def test_bad_metadata(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.py"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        load_scenario("s", path)


def test_a_scenario_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_bytes(b'"""\ntitle: \xff\n"""\n')
    with pytest.raises(
        ConfigurationError, match=r"s\.py:2: cannot read: not UTF-8 text \(byte 11\)"
    ):
        load_scenario("s", path)
