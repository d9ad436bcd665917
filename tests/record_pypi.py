"""Record PyPI's JSON for the packages the report corpus names, trimmed to what the harness reads.

Run by hand (`python -m tests.record_pypi`) when the corpus needs another package,
`python -m tests.record_pypi --simple` for the Simple API pages tracked environments are
locked from, and `python -m tests.record_pypi --requires tensorflow==2.4.1 ...` for releases'
Requires-Dist; the tests read only the recorded files and never the network.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from harness.pypi import (
    PYPI_JSON,
    PYPI_RELEASE_JSON,
    PYPI_SIMPLE,
    SIMPLE_JSON,
    PackageIndex,
    linux_file,
)
from harness.wheel_metadata import HttpsFiles, wheel_requires

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
    "tf-nightly",
    "keras-applications",
    "transformers",
    "cntk",
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


def _wheel_requires(name: str, version: str) -> list[str] | None:
    """Requires-Dist from the METADATA of a Linux x86_64 wheel of the release (for an index
    that does not serve the release's JSON); None for a release with no wheel (an old
    sdist's metadata, which PyPI's JSON gives as null)."""
    release = PackageIndex.https(None).release(name, version)
    wheels = release.wheel_urls() if release is not None else ()
    if not wheels:
        return None
    return list(wheel_requires(wheels[-1], HttpsFiles(None)))


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
