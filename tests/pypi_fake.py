"""A PackageIndex over canned PyPI JSON, for tests that must not touch the network."""

from __future__ import annotations

import datetime
import json
import urllib.error
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from packaging.version import Version

from harness.pypi import PYPI_SIMPLE, PackageIndex
from harness.repro.bug_report.parse import extract
from harness.repro.request import Flags, Request, resolve

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


# A release's JSON for fakes that know no Requires-Dist: it constrains nothing.
NO_REQUIREMENTS = json.dumps({"info": {"requires_dist": []}}).encode()


def release_json(url: str) -> bool:
    """Whether `url` asks for one release's JSON (https://pypi.org/pypi/NAME/VERSION/json)."""
    return len(url.rstrip("/").split("/")) == 7


def fake_index(**packages: dict[str, tuple[str, str]]) -> PackageIndex:
    known = {"keras": KERAS, "tensorflow": TENSORFLOW, **packages}
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        if release_json(url):
            return NO_REQUIREMENTS
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
    times and wheel tags, and releases' Requires-Dist (requires/NAME-VERSION.json), no
    network. Each package asked is appended to `asked` (a release as `name==version`)."""

    def fetch(url: str) -> bytes:
        parts = url.rstrip("/").split("/")
        name = f"{parts[-3]}=={parts[-2]}" if release_json(url) else parts[-2]
        path = recording_of(name)
        if asked is not None:
            asked.append(name)
        if not path.is_file():
            raise urllib.error.HTTPError(url, 404, "not recorded", Message(), None)
        return path.read_bytes()

    return PackageIndex(fetch)


def request_as_of(text: str, as_of: str) -> Request:
    """The request a report's text resolves to against the recordings, written on `as_of`."""
    return resolve(
        Path("r.md"),
        extract(text),
        Flags(),
        recorded_index(),
        as_of=datetime.date.fromisoformat(as_of),
    )


def recording_of(asked: str) -> Path:
    """Where the answer to `asked` (a package, or a release as `name==version`) is recorded."""
    name, _, version = asked.partition("==")
    return (
        RECORDED / "requires" / f"{name}-{version}.json" if version else RECORDED / f"{name}.json"
    )


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
