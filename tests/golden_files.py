"""Compare output with a file under tests/golden/; UPDATE_GOLDEN=1 rewrites it."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        # Under CI a rewrite would make every comparison pass: refuse instead.
        assert os.environ.get("CI", "").lower() != "true", "UPDATE_GOLDEN=1 is refused under CI"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from {path}; if the change is intended, UPDATE_GOLDEN=1"
    )
