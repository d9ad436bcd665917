"""The package's shape: small modules, and a README whose Layout names every package."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import ROOT

HARNESS = ROOT / "harness"
MAX_LINES = 400
# Modules allowed past MAX_LINES, each with its reason.
LONGER = {
    # Copied alone into every cell's container and run under the image's Python: one
    # stdlib-only file by design, so it cannot be split into modules that import each other.
    "harness/driver.py",
}


def _modules() -> list[Path]:
    return sorted(HARNESS.rglob("*.py"))


def test_no_module_is_over_the_limit() -> None:
    over = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(over) <= LONGER, f"over {MAX_LINES} lines: {over}"


def test_the_exceptions_still_exist_and_need_to_be() -> None:
    # An exception that no longer applies is removed, so that the limit covers the file again.
    for name in LONGER:
        path = ROOT / name
        assert path.is_file(), name
        assert len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES, name


def _readme_layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_readme_layout_names_every_package_and_top_level_module() -> None:
    layout = _readme_layout()
    listed = set(re.findall(r"^harness/(\S+)", layout, re.MULTILINE))
    packages = {
        f"{p.parent.relative_to(HARNESS).as_posix()}/"
        for p in HARNESS.rglob("__init__.py")
        if p.parent != HARNESS
    }
    data = {
        f"{p.name}/" for p in HARNESS.iterdir() if p.is_dir() and not (p / "__init__.py").exists()
    }
    modules = {p.name for p in HARNESS.glob("*.py")} - {"__init__.py"}
    found = packages | (data - {"__pycache__/"}) | modules
    assert listed == found
