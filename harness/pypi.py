"""Releases of a package on PyPI, and which of them a given Python can install."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from harness.errors import PackageIndexError
from harness.tls import https_context
from harness.wheel_metadata import HttpsFiles, RemoteFiles, wheel_requires

PYPI_JSON = "https://pypi.org/pypi/{name}/json"
# One release's JSON: its `info.requires_dist` is that release's Requires-Dist (the project
# JSON above gives only the newest release's).
PYPI_RELEASE_JSON = "https://pypi.org/pypi/{name}/{version}/json"
# The Simple API as JSON (PEP 691, with PEP 700's versions and upload times): the project JSON
# above marks its `releases` key deprecated and points here.
PYPI_SIMPLE = "https://pypi.org/simple/{name}/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# Wheels a Linux x86_64 container can install (the only platform the harness builds).
_LINUX_PLATFORMS = ("any", "linux_x86_64", "manylinux")

Fetch = Callable[[str], bytes]


@dataclass(frozen=True, kw_only=True)
class Release:
    """One release of a package on PyPI: its files, whether it is yanked, and when it appeared."""

    version: Version
    # Each installable file's Requires-Python (None: no limit) and wheel Python tags (None: sdist).
    files: tuple[tuple[str | None, frozenset[str] | None], ...]
    yanked: bool
    # The day its first file was uploaded: a report written before it cannot mean it.
    uploaded: date | None = None
    # Each installable file's name, in the order of `files` (its full wheel tags are in it).
    file_names: tuple[str, ...] = ()
    # Each installable file's URL, in the same order ('' where the index gave none).
    file_urls: tuple[str, ...] = ()

    def wheel_urls(self) -> tuple[str, ...]:
        """URLs of the release's Linux x86_64 and pure-Python wheels."""
        return tuple(
            url
            for name, url in zip(self.file_names, self.file_urls, strict=False)
            if url and name.endswith(("x86_64.whl", "-any.whl"))
        )

    def wheel_url_for(self, python: str | None) -> str | None:
        """The URL of the Linux x86_64 or pure-Python wheel pip would pick on CPython `python`
        ('3.11'): its own cpXY build first, then an abi3 build for an older CPython (the
        newest), then a py3 wheel; else, or with no Python, the first wheel. None if there is
        none. Wheels of one release may declare different requirements (each is built on its
        own Python), so the one for the request's Python is the one to read."""
        urls = self.wheel_urls()
        if not urls or python is None:
            return urls[0] if urls else None
        ranked: list[tuple[tuple[int, int], str]] = []
        for name, url in zip(self.file_names, self.file_urls, strict=False):
            if url in urls:
                rank = _wheel_rank(name, python)
                if rank is not None:
                    ranked.append((rank, url))
        return max(ranked, key=lambda pair: pair[0])[1] if ranked else urls[0]

    def out_by(self, day: date | None) -> bool:
        """Whether the release had appeared by `day` (True when either date is unknown)."""
        return day is None or self.uploaded is None or self.uploaded <= day

    def installable_on(self, python: str) -> bool:
        """True if some file of this release would install under `python` on Linux x86_64."""
        if self.yanked:
            return False
        cp = "cp" + python.replace(".", "")
        for requires, tags in self.files:
            if requires is not None and not admits(requires, python):
                continue
            if tags is None or tags & {cp, "py3", "abi3"}:
                return True
        return False

    def why_not(self, python: str) -> str:
        """Why the release cannot install under `python` on Linux x86_64, in a few words."""
        if self.yanked:
            return "yanked"
        if not self.files:
            return "no files for Linux x86_64"
        limits = sorted({r for r, _ in self.files if r is not None})
        if limits and not any(admits(r, python) for r in limits):
            return f"requires Python {' or '.join(limits)}"
        return f"no wheel for Python {python} on Linux x86_64"


def _wheel_rank(filename: str, python: str) -> tuple[int, int] | None:
    """How well a wheel fits CPython `python` ('3.11'), higher better: (2, 0) its own cpXY
    build, (1, Y) an abi3 build for CPython 3.Y <= the target, (0, 0) a py3 wheel; None for a
    wheel that does not install there."""
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    wanted = "cp" + python.replace(".", "")
    minor = int(python.split(".")[1])
    best: tuple[int, int] | None = None
    for tag in tags:
        if tag.platform != "any" and "x86_64" not in tag.platform:
            continue
        rank: tuple[int, int] | None = None
        if tag.interpreter == wanted and tag.abi != "abi3":
            rank = (2, 0)
        elif tag.abi == "abi3" and tag.interpreter.startswith("cp3"):
            built_for = int(tag.interpreter[3:] or 0)
            rank = (1, built_for) if built_for <= minor else None
        elif tag.interpreter in ("py3", "py2.py3") or tag.interpreter == f"py3{minor}":
            rank = (0, 0)
        if rank is not None and (best is None or rank > best):
            best = rank
    return best


def admits(requires: str, python: str) -> bool:
    """True if a file's Requires-Python admits CPython `python` ('3.11')."""
    try:
        # A bare '3.11' must satisfy '>=3.11.2'-style limits the way pip sees a 3.11.x interpreter.
        return SpecifierSet(requires).contains(f"{python}.99", prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores malformed Requires-Python too


def https_fetch(ca_bundle: Path | None, *, accept: str = "application/json") -> Fetch:
    """A fetcher over HTTPS that trusts `ca_bundle` (the host's pip CA) when given."""
    context = https_context(ca_bundle)

    def fetch(url: str) -> bytes:
        request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - fixed https URL
        with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310
            body: bytes = response.read()
            return body

    return fetch


class PackageIndex:
    """PyPI's JSON API, asked at most once per package: the project JSON (`api="json"`), or
    the Simple API as JSON (`api="simple"`, whose fetch must accept SIMPLE_JSON). `files`
    reads wheels' METADATA where a release has no JSON (None: not read)."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        api: Literal["json", "simple"] = "json",
        files: RemoteFiles | None = None,
    ) -> None:
        self._fetch = fetch
        self._api = api
        self._files = files
        self._cache: dict[str, tuple[Release, ...]] = {}
        self._requires: dict[tuple[str, str], tuple[str, ...]] = {}
        # Read from a wheel's METADATA, by the wheel's URL: one release's wheels may differ.
        self._wheel_requires: dict[str, tuple[str, ...]] = {}

    @classmethod
    def simple(cls, ca_bundle: Path | None) -> PackageIndex:
        """PyPI's Simple API over HTTPS: the index's non-deprecated way to list files."""
        return cls(
            https_fetch(ca_bundle, accept=SIMPLE_JSON), api="simple", files=HttpsFiles(ca_bundle)
        )

    @classmethod
    def https(cls, ca_bundle: Path | None) -> PackageIndex:
        """PyPI's project JSON over HTTPS, wheels' METADATA read where a release has no JSON."""
        return cls(https_fetch(ca_bundle), files=HttpsFiles(ca_bundle))

    def releases(self, name: str) -> tuple[Release, ...]:
        """Every release of `name`, oldest first, pre-releases included."""
        key = canonicalize_name(name)
        if key not in self._cache:
            self._cache[key] = tuple(sorted(self._load(key), key=lambda r: r.version))
        return self._cache[key]

    def requirements(
        self, name: str, version: str, *, python: str | None = None
    ) -> tuple[str, ...]:
        """The Requires-Dist lines of release `version` of `name` (extras and markers
        included, as written), from PyPI's JSON for it, else from the METADATA of the wheel
        pip would install on CPython `python` (any wheel when None)."""
        key = (str(canonicalize_name(name)), version)
        if key not in self._requires:
            url = PYPI_RELEASE_JSON.format(name=key[0], version=version)
            data = self._json(url, missing=None)
            if data is None:  # some mirrors serve no per-release JSON
                return self._wheel_requirements(name, version, python)
            info = data.get("info") if isinstance(data, dict) else None
            found = (info or {}).get("requires_dist") or ()
            self._requires[key] = tuple(str(line) for line in found)
        return self._requires[key]

    def _wheel_requirements(self, name: str, version: str, python: str | None) -> tuple[str, ...]:
        release = self.release(name, version)
        if release is None:
            raise PackageIndexError(f"PyPI has no release {version} of {name!r}")
        unread = f"the requirements of {name} {version} could not be read (no JSON for the release"
        wheel = release.wheel_url_for(python)
        if self._files is None or wheel is None:
            raise PackageIndexError(f"{unread} and no wheel's METADATA)")
        if wheel in self._wheel_requires:
            return self._wheel_requires[wheel]
        try:
            self._wheel_requires[wheel] = wheel_requires(wheel, self._files)
            return self._wheel_requires[wheel]
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise PackageIndexError(f"{unread}; its wheel's METADATA: {reason})") from None

    def _json(self, url: str, *, missing: str | None) -> Any:
        """The JSON at `url`; on 404, PackageIndexError(`missing`), or None if `missing` is."""
        try:
            return json.loads(self._fetch(url))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                if missing is None:
                    return None
                raise PackageIndexError(missing) from None
            raise PackageIndexError(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise PackageIndexError(
                f"cannot reach PyPI ({url}): {getattr(exc, 'reason', exc)}"
            ) from None
        except ValueError:
            raise PackageIndexError(f"{url}: not JSON") from None

    def _load(self, name: str) -> Iterable[Release]:
        url = (PYPI_SIMPLE if self._api == "simple" else PYPI_JSON).format(name=name)
        data = self._json(url, missing=f"PyPI has no package {name!r}")
        if self._api == "simple":
            yield from simple_releases(data, base=url)
            return
        for text, files in (data.get("releases") or {}).items():
            try:
                version = Version(text)
            except InvalidVersion:
                continue  # ancient non-PEP 440 versions cannot be pinned reliably anyway
            usable = [f for f in files if linux_file(str(f.get("filename", "")))]
            yield Release(
                version=version,
                files=tuple(
                    (f.get("requires_python") or None, _wheel_tags(str(f["filename"])))
                    for f in usable
                ),
                yanked=bool(files) and all(f.get("yanked") for f in files),
                uploaded=_first_upload(files),
                file_names=tuple(str(f["filename"]) for f in usable),
                file_urls=tuple(_absolute(url, f.get("url")) for f in usable),
            )

    def versions(
        self,
        name: str,
        *,
        python: str | None = None,
        pre: bool = False,
        as_of: date | None = None,
    ) -> list[Version]:
        """Releases installable on `python` (any Python if None), out by `as_of` (if given)."""
        return [
            r.version
            for r in self.releases(name)
            if (pre or not r.version.is_prerelease)
            and (python is None or r.installable_on(python))
            and r.out_by(as_of)
        ]

    def release(self, name: str, version: str) -> Release | None:
        """The release `version` of package `name`, if PyPI has it."""
        wanted = Version(version)
        return next((r for r in self.releases(name) if r.version == wanted), None)


def fits(version: Version, prefix: str, within: str = "") -> bool:
    """Whether `version` starts with `prefix` ('2.16' -> 2.16.x; '' for any), is in the range
    `within` ('<2.17'; '' for any) and is a real release, not a name held on PyPI."""
    wanted = Version(prefix).release if prefix else ()
    return (
        version.release[: len(wanted)] == wanted
        and not placeholder(version)
        and version in SpecifierSet(within)
    )


def placeholder(version: Version) -> bool:
    """0.0.0: a name held on PyPI before the first real release (keras-core, keras-nlp)."""
    return not any(version.release)


def _first_upload(files: list[Any]) -> date | None:
    days = []
    for file in files:
        stamp = (
            file.get("upload_time_iso_8601") or file.get("upload_time") or file.get("upload-time")
        )
        if isinstance(stamp, str) and stamp:
            try:
                days.append(datetime.fromisoformat(stamp.replace("Z", "+00:00")).date())
            except ValueError:
                continue
    return min(days) if days else None


def linux_file(filename: str) -> bool:
    """Whether a file of a release can install on Linux x86_64 (an sdist, or a Linux wheel)."""
    if filename.endswith((".tar.gz", ".zip")):
        return True
    if not filename.endswith(".whl"):
        return False
    return any(p in filename for p in _LINUX_PLATFORMS)


def _wheel_tags(filename: str) -> frozenset[str] | None:
    if not filename.endswith(".whl"):
        return None
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return frozenset()
    found: set[str] = set()
    for tag in tags:
        if tag.platform != "any" and "x86_64" not in tag.platform:
            continue
        found.add(tag.interpreter if tag.abi != "abi3" else "abi3")
        if tag.interpreter.startswith("py3") or tag.interpreter == "py2.py3":
            found.add("py3")
    return frozenset(found)


def simple_releases(data: Any, *, base: str = "") -> Iterable[Release]:
    """Releases from a PEP 691 JSON page: files grouped by the version in their names, every
    version PEP 700's `versions` lists (a release with no file has no Python)."""
    by_version: dict[Version, list[Any]] = {}
    for text in data.get("versions") or ():
        with contextlib.suppress(InvalidVersion):
            by_version.setdefault(Version(str(text)), [])
    for file in data.get("files") or ():
        version = _file_version(str(file.get("filename", "")))
        if version is not None:
            by_version.setdefault(version, []).append(file)
    for version, files in by_version.items():
        usable = [f for f in files if linux_file(str(f["filename"]))]
        yield Release(
            version=version,
            files=tuple(
                (f.get("requires-python") or None, _wheel_tags(str(f["filename"]))) for f in usable
            ),
            # `yanked` is false, true, or the reason (a non-empty string).
            yanked=bool(files) and all(f.get("yanked") for f in files),
            uploaded=_first_upload(files),
            file_names=tuple(str(f["filename"]) for f in usable),
            file_urls=tuple(_absolute(base, f.get("url")) for f in usable),
        )


def _absolute(base: str, url: object) -> str:
    """A file's URL as the index gave it, resolved against the page's URL (a mirror may give
    '../../packages/...'); '' where it gave none."""
    return urljoin(base, url) if isinstance(url, str) and url else ""


def _file_version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None  # eggs and installers: nothing pip would install here
