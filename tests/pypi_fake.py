"""A PackageIndex over canned PyPI JSON, for tests that must not touch the network."""

from __future__ import annotations

import json
import urllib.error
from email.message import Message
from pathlib import Path

from harness.pypi import PackageIndex

# version -> (Requires-Python, wheel filename tag part)
KERAS = {
    "2.15.0": (">=3.9", "py3-none-any"),
    "3.10.0": (">=3.9", "py3-none-any"),
    "3.11.0": (">=3.10", "py3-none-any"),
    "3.11.3": (">=3.10", "py3-none-any"),
    "3.12.0": (">=3.10", "py3-none-any"),
    "3.12.1rc1": (">=3.10", "py3-none-any"),
    "3.13.0": (">=3.11", "py3-none-any"),
}
TENSORFLOW = {
    "2.15.1": (">=3.9", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    "2.16.1": (">=3.9", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    "2.16.2": (">=3.9", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    "2.17.0": (">=3.9", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"),
}


def payload(
    name: str, releases: dict[str, tuple[str, str]], yanked: frozenset[str] = frozenset()
) -> bytes:
    data = {
        "releases": {
            version: [
                {
                    "filename": f"{name}-{version}-{tags}.whl",
                    "requires_python": requires,
                    "yanked": version in yanked,
                }
            ]
            for version, (requires, tags) in releases.items()
        }
    }
    return json.dumps(data).encode()


def fake_index(**packages: dict[str, tuple[str, str]]) -> PackageIndex:
    known = {"keras": KERAS, "tensorflow": TENSORFLOW, **packages}
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        name = url.rstrip("/").split("/")[-2]
        asked.append(name)
        return payload(name, known[name])

    return PackageIndex(fetch)


RECORDED = Path(__file__).parent / "data" / "pypi"


def recorded_index(asked: list[str] | None = None) -> PackageIndex:
    """PyPI as recorded in tests/data/pypi (by tests/record_pypi.py): real releases, upload
    times and wheel tags, no network. Each package asked is appended to `asked`."""

    def fetch(url: str) -> bytes:
        name = url.rstrip("/").split("/")[-2]
        if asked is not None:
            asked.append(name)
        path = RECORDED / f"{name}.json"
        if not path.is_file():
            raise urllib.error.HTTPError(url, 404, "not recorded", Message(), None)
        return path.read_bytes()

    return PackageIndex(fetch)
