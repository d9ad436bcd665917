"""Record PyPI's JSON for the packages the report corpus names, trimmed to what the harness reads.

Run by hand (`python -m tests.record_pypi`) when the corpus needs another package,
`python -m tests.record_pypi --simple` for the Simple API pages tracked environments are
locked from, and `python -m tests.record_pypi --requires tensorflow==2.4.1 ...` for releases'
Requires-Dist; the tests read only the recorded files and never the network.
"""

from __future__ import annotations

import io
import json
import sys
import urllib.error
import urllib.request
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from harness.pypi import PYPI_JSON, PYPI_RELEASE_JSON, PYPI_SIMPLE, SIMPLE_JSON, linux_file

RECORDED = Path(__file__).parent / "data" / "pypi"
PACKAGES = (
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "tf-keras",
    "tensorflow-probability",
    "torch",
    "jax",
    "jaxlib",
    "keras-nlp",
    "keras-hub",
    "keras-core",
    "keras-cv",
    "numpy",
    "scikit-learn",
    "opencv-python",
    "pillow",
    "pandas",
    "tensorflow-hub",
    "tensorflow-datasets",
    "tensorflow-text",
    "keras-tuner",
    "theano",
    "tensorflow-gpu",
)
KEPT = ("filename", "requires_python", "upload_time_iso_8601", "yanked")
# The packages matrix-tracked.yaml and the lock tests track, from the Simple API.
SIMPLE_PACKAGES = ("tensorflow-cpu", "keras", "six")
SIMPLE_KEPT = ("filename", "requires-python", "upload-time", "yanked")


def trimmed(data: dict[str, object]) -> dict[str, object]:
    """Linux x86_64 files only, one per interpreter/ABI pair (the manylinux variants of one
    wheel tell the harness nothing more)."""
    releases = data.get("releases")
    assert isinstance(releases, dict)
    out: dict[str, list[dict[str, object]]] = {}
    for version, files in releases.items():
        kept: dict[str, dict[str, object]] = {}
        for file in files:
            name = str(file.get("filename", ""))
            if not linux_file(name) or (
                name.endswith(".whl") and not name.endswith(("x86_64.whl", "-any.whl"))
            ):
                continue
            parts = name[: -len(".whl")].split("-") if name.endswith(".whl") else ["sdist"]
            kept.setdefault("-".join(parts[-3:-1]), {key: file.get(key) for key in KEPT})
        out[version] = list(kept.values())
    return {"releases": out}


def trimmed_simple(data: dict[str, object]) -> dict[str, object]:
    """As `trimmed`, for a PEP 691 page: its versions, and per version one Linux x86_64 file
    per interpreter/ABI pair (and the sdist)."""
    files = data.get("files")
    assert isinstance(files, list)
    kept: dict[tuple[str, str], dict[str, object]] = {}
    for file in files:
        name = str(file.get("filename", ""))
        if not linux_file(name) or (
            name.endswith(".whl") and not name.endswith(("x86_64.whl", "-any.whl"))
        ):
            continue
        parts = name[: -len(".whl")].split("-") if name.endswith(".whl") else [name, "sdist", ""]
        version = parts[1] if name.endswith(".whl") else name
        kept.setdefault((version, "-".join(parts[-3:-1])), {k: file.get(k) for k in SIMPLE_KEPT})
    return {"versions": data.get("versions"), "files": list(kept.values())}


def record_simple(names: list[str]) -> None:
    for name in names or SIMPLE_PACKAGES:
        request = urllib.request.Request(  # noqa: S310 - fixed https URL
            PYPI_SIMPLE.format(name=name), headers={"Accept": SIMPLE_JSON}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - fixed https URL
            data = json.load(response)
        path = RECORDED / "simple" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            json.dumps(trimmed_simple(data), separators=(",", ":")) + "\n", encoding="utf-8"
        )
        print(f"{path}: {path.stat().st_size} bytes")


class _RemoteFile(io.RawIOBase):
    """A file on an HTTP server read with Range requests, so that zipfile can read one member
    of a wheel (its METADATA) without downloading the whole wheel."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pos = 0
        head = urllib.request.Request(url, method="HEAD")  # noqa: S310 - fixed https URL
        with urllib.request.urlopen(head, timeout=60) as response:  # noqa: S310
            self._size = int(response.headers["Content-Length"])

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = base + offset
        return self._pos

    def read(self, size: int = -1) -> bytes:
        end = self._size if size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        request = urllib.request.Request(  # noqa: S310 - fixed https URL
            self._url, headers={"Range": f"bytes={self._pos}-{end - 1}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            data: bytes = response.read()
        self._pos += len(data)
        return data


def _wheel_requires(name: str, version: str) -> list[str] | None:
    """Requires-Dist from the METADATA of a Linux x86_64 wheel of the release (for an index
    that does not serve the release's JSON); None for a release with no wheel (an old
    sdist's metadata, which PyPI's JSON gives as null)."""
    request = urllib.request.Request(  # noqa: S310 - fixed https URL
        PYPI_SIMPLE.format(name=name), headers={"Accept": SIMPLE_JSON}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        files = json.load(response)["files"]
    prefix = f"{name.replace('-', '_')}-{version}-".lower()
    wheels = [
        f["url"]
        for f in files
        if f["filename"].lower().startswith(prefix)
        and f["filename"].endswith(("x86_64.whl", "-any.whl"))
    ]
    if not wheels:
        return None
    with zipfile.ZipFile(_RemoteFile(wheels[-1])) as wheel:
        member = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        headers = HeaderParser().parsestr(wheel.read(member).decode("utf-8"))
    return headers.get_all("Requires-Dist") or []


def record_requires(specs: list[str]) -> None:
    """Each `name==version`'s Requires-Dist, as PyPI's JSON for the release gives it."""
    for spec in specs:
        name, _, version = spec.partition("==")
        url = PYPI_RELEASE_JSON.format(name=name, version=version)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https URL
                requires = json.load(response)["info"]["requires_dist"]
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
            requires = _wheel_requires(name, version)
        path = RECORDED / "requires" / f"{name}-{version}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"info": {"requires_dist": requires}}) + "\n", encoding="utf-8")
        print(f"{path}: {len(requires or ())} requirements")


def main(names: list[str]) -> None:
    if names[:1] == ["--simple"]:
        record_simple(names[1:])
        return
    if names[:1] == ["--requires"]:
        record_requires(names[1:])
        return
    for name in names or PACKAGES:
        with urllib.request.urlopen(PYPI_JSON.format(name=name), timeout=60) as response:  # noqa: S310 - fixed https URL
            data = json.load(response)
        path = RECORDED / f"{name}.json"
        path.write_text(json.dumps(trimmed(data), separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
