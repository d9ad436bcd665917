"""Requires-Dist from a wheel's METADATA when the index serves no JSON for the release."""

from __future__ import annotations

import io
import json
import os
import urllib.error
import zipfile
from collections.abc import Mapping
from email.message import Message

import pytest

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.constraints import constraint_on, fitted
from harness.wheel_metadata import wheel_requires

METADATA = (
    "Metadata-Version: 2.1\nName: tool\nVersion: 1.0\n"
    "Requires-Dist: numpy~=1.19.2\nRequires-Dist: six (>=1.15)\n\nA long description.\n"
)
# Served at this (relative, as some mirrors give it) URL; the index resolves it.
WHEEL_URL = "https://pypi.org/packages/ab/cd/tool-1.0-cp38-cp38-manylinux2010_x86_64.whl"


def _wheel() -> bytes:
    """A wheel whose METADATA sits behind 300 kB of incompressible library, so that reading
    the whole file would show in the bytes served."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("tool/_lib.so", os.urandom(300_000))
        wheel.writestr("tool/__init__.py", "")
        wheel.writestr("tool-1.0.dist-info/METADATA", METADATA, zipfile.ZIP_DEFLATED)
        wheel.writestr("tool-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return buffer.getvalue()


def _missing(url: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(url, 404, "Not Found", Message(), None)


class FakeFiles:
    """Files served from memory, Range requests honoured, every byte sent counted."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.sent = 0
        self.asked: list[str] = []

    def _file(self, url: str) -> bytes:
        self.asked.append(url)
        if url not in self.files:
            raise _missing(url)
        return self.files[url]

    def get(self, url: str) -> bytes:
        body = self._file(url)
        self.sent += len(body)
        return body

    def tail(self, url: str, length: int) -> tuple[bytes, int]:
        body = self._file(url)
        self.sent += min(length, len(body))
        return body[-length:], len(body)

    def get_range(self, url: str, start: int, stop: int) -> bytes:
        body = self._file(url)[start:stop]
        self.sent += len(body)
        return body


def _index(files: FakeFiles | None, filenames: dict[str, str]) -> PackageIndex:
    """An index whose project JSON lists `filenames` (name -> url) for tool 1.0 and which
    answers 404 for every release's own JSON, as this machine's PyPI does."""
    project = {
        "releases": {
            "1.0": [
                {"filename": name, "url": url, "upload_time_iso_8601": "2021-01-01T00:00:00Z"}
                for name, url in filenames.items()
            ]
        }
    }

    def fetch(url: str) -> bytes:
        if url == "https://pypi.org/pypi/tool/json":
            return json.dumps(project).encode()
        raise _missing(url)

    return PackageIndex(fetch, files=files)


WHEELS = {
    "tool-1.0-cp38-cp38-macosx_10_9_x86_64.whl": "../../packages/ab/cd/mac.whl",
    "tool-1.0-cp38-cp38-manylinux2010_x86_64.whl": (
        "../../packages/ab/cd/tool-1.0-cp38-cp38-manylinux2010_x86_64.whl"
    ),
}


def test_release_without_json_reads_the_wheels_metadata_by_ranges() -> None:
    wheel = _wheel()
    files = FakeFiles({WHEEL_URL: wheel})

    found = _index(files, WHEELS).requirements("tool", "1.0")

    assert found == ("numpy~=1.19.2", "six (>=1.15)")
    # PEP 658 first (absent here), then the Linux wheel by its resolved URL; not the Mac one.
    assert files.asked[0] == WHEEL_URL + ".metadata"
    assert set(files.asked[1:]) == {WHEEL_URL}
    assert files.sent < len(wheel) // 3


def test_pep_658_metadata_is_read_without_touching_the_wheel() -> None:
    files = FakeFiles({WHEEL_URL + ".metadata": METADATA.encode()})

    assert wheel_requires(WHEEL_URL, files) == ("numpy~=1.19.2", "six (>=1.15)")
    assert files.asked == [WHEEL_URL + ".metadata"]


def test_release_with_no_wheel_says_its_requirements_could_not_be_read() -> None:
    index = _index(FakeFiles({}), {"tool-1.0.tar.gz": "../../packages/ab/cd/tool-1.0.tar.gz"})

    with pytest.raises(PackageIndexError) as raised:
        index.requirements("tool", "1.0")

    assert str(raised.value) == (
        "the requirements of tool 1.0 could not be read"
        " (no JSON for the release and no wheel's METADATA)"
    )


def test_unreadable_wheel_says_why() -> None:
    files = FakeFiles({WHEEL_URL: b"not a zip at all"})

    with pytest.raises(PackageIndexError, match=r"tool 1\.0 could not be read .*not a zip file"):
        _index(files, WHEELS).requirements("tool", "1.0")


def test_release_the_index_lacks_is_still_called_missing() -> None:
    with pytest.raises(PackageIndexError, match=r"^PyPI has no release 2\.0 of 'tool'$"):
        _index(FakeFiles({}), WHEELS).requirements("tool", "2.0")


def test_open_package_left_unchecked_says_the_true_reason() -> None:
    index = _index(None, WHEELS)  # no way to read wheels: the index must not claim more

    version, assumption = fitted(
        "numpy", "", "1.20.1", {"tool": "1.0"}, index, python="3.8", as_of=None
    )

    assert version == "1.20.1"
    assert assumption == (
        "numpy 1.20.1 not checked against the other packages' requirements: the requirements"
        " of tool 1.0 could not be read (no JSON for the release and no wheel's METADATA)"
    )


def _wheel_with(requires: tuple[str, ...]) -> bytes:
    """A small wheel whose METADATA declares `requires`."""
    lines = "".join(f"Requires-Dist: {line}\n" for line in requires)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("tool/__init__.py", "")
        wheel.writestr("tool-1.0.dist-info/METADATA", f"Name: tool\nVersion: 1.0\n{lines}\n")
    return buffer.getvalue()


# One release, built on each Python against another NumPy: requirements differ by wheel, not
# by marker (as with packages whose build pins the NumPy it compiled against).
BY_PYTHON: dict[str, tuple[str, ...]] = {
    "tool-1.0-cp38-cp38-manylinux2010_x86_64.whl": ("numpy>=1.17.3",),
    "tool-1.0-cp311-cp311-manylinux_2_17_x86_64.whl": ("numpy>=1.23.2",),
    "tool-1.0-cp39-abi3-manylinux_2_17_x86_64.whl": ("numpy>=1.19.3",),
    "tool-1.0-py3-none-any.whl": ("numpy",),
}


def _by_python_index(wheels: Mapping[str, tuple[str, ...]]) -> tuple[PackageIndex, FakeFiles]:
    base = "https://pypi.org/packages/ab/cd/"
    files = FakeFiles({base + name: _wheel_with(requires) for name, requires in wheels.items()})
    return _index(files, {name: "../../packages/ab/cd/" + name for name in wheels}), files


@pytest.mark.parametrize(
    ("python", "wanted"),
    [
        ("3.8", "numpy>=1.17.3"),  # its own cp38 build
        ("3.11", "numpy>=1.23.2"),  # its own cp311 build, over the abi3 one
        ("3.10", "numpy>=1.19.3"),  # no cp310 build: the abi3 one built for 3.9
        ("3.7", "numpy"),  # abi3 for 3.9 does not install on 3.7: the pure-Python wheel
    ],
)
def test_the_wheel_read_is_the_one_for_the_requests_python(python: str, wanted: str) -> None:
    index, files = _by_python_index(BY_PYTHON)

    assert index.requirements("tool", "1.0", python=python) == (wanted,)
    assert {url.rsplit("/", 1)[1] for url in files.asked} <= {
        name + suffix for name in BY_PYTHON for suffix in ("", ".metadata")
    }


def test_each_python_reads_its_own_wheel_once() -> None:
    index, files = _by_python_index(BY_PYTHON)

    first = index.requirements("tool", "1.0", python="3.8")
    asked = len(files.asked)
    assert index.requirements("tool", "1.0", python="3.8") == first
    assert len(files.asked) == asked  # cached by wheel
    assert index.requirements("tool", "1.0", python="3.11") != first


def test_the_constraint_on_numpy_follows_the_wheel_for_the_python() -> None:
    index, _ = _by_python_index(BY_PYTHON)

    on_38 = constraint_on("numpy", {"tool": "1.0"}, index, "3.8")
    on_311 = constraint_on("numpy", {"tool": "1.0"}, index, "3.11")

    assert (str(on_38.specifier), str(on_311.specifier)) == (">=1.17.3", ">=1.23.2")


def test_no_wheel_for_the_python_falls_back_to_the_first_linux_wheel() -> None:
    only: dict[str, tuple[str, ...]] = {
        "tool-1.0-cp312-cp312-manylinux_2_17_x86_64.whl": ("numpy>=1.26",)
    }
    index, _ = _by_python_index(only)

    # The release does not install on 3.9, but its requirements are still the best known.
    assert index.requirements("tool", "1.0", python="3.9") == ("numpy>=1.26",)
