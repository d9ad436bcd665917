"""A PackageIndex over canned PyPI JSON, for tests that must not touch the network."""

from __future__ import annotations

import json
import urllib.error
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from packaging.version import Version

from harness.pypi import PYPI_SIMPLE, PackageIndex

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


def recorded_simple_index(asked: list[str] | None = None) -> PackageIndex:
    """PyPI's Simple API as recorded in tests/data/pypi/simple (`python -m tests.record_pypi
    --simple`); each package asked is appended to `asked`."""

    def fetch(url: str) -> bytes:
        assert url.startswith(PYPI_SIMPLE.split("{")[0]), url
        name = url.rstrip("/").split("/")[-1]
        if asked is not None:
            asked.append(name)
        path = RECORDED / "simple" / f"{name}.json"
        if not path.is_file():
            raise urllib.error.HTTPError(url, 404, "not recorded", Message(), None)
        return path.read_bytes()

    return PackageIndex(fetch, api="simple")


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


@dataclass(frozen=True, kw_only=True)
class File:
    """One file of a made-up Simple API page."""

    filename: str
    requires: str | None = None
    yanked: bool | str = False
    uploaded: str = "2024-01-01T00:00:00Z"


def simple_page(*files: File) -> bytes:
    versions = sorted(
        {f.filename.split("-")[1].removesuffix(".tar.gz") for f in files}, key=Version
    )
    return json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "versions": versions,
            "files": [
                {
                    "filename": f.filename,
                    "requires-python": f.requires,
                    "yanked": f.yanked,
                    "upload-time": f.uploaded,
                }
                for f in files
            ],
        }
    ).encode()


def simple_index(pages: dict[str, bytes], asked: list[str] | None = None) -> PackageIndex:
    """A Simple API index serving `pages` (package name -> page), recording what is asked."""

    def fetch(url: str) -> bytes:
        name = url.rstrip("/").split("/")[-1]
        if asked is not None:
            asked.append(name)
        if name not in pages:
            raise urllib.error.HTTPError(url, 404, "not here", Message(), None)
        return pages[name]

    return PackageIndex(fetch, api="simple")
