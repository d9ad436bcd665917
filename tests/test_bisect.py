"""The release search, over a fake observer: boundaries, skips, no change."""

from __future__ import annotations

import pytest
from packaging.version import Version

from harness.errors import ConfigurationError
from harness.repro.bisection import Observation, candidates, parse_range, search
from tests.pypi_fake import fake_index

VERSIONS = [Version(v) for v in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7")]


def observer(first_changed: str, broken: tuple[str, ...] = ()) -> tuple[list[Version], object]:
    asked: list[Version] = []

    def observe(version: Version) -> Observation:
        asked.append(version)
        if str(version) in broken:
            return Observation(
                version=version, key=None, skipped="could not be installed: no wheel"
            )
        return Observation(
            version=version, key="ok" if version < Version(first_changed) else "error: E"
        )

    return asked, observe


@pytest.mark.parametrize("first", ["1.1", "1.4", "1.7"])
def test_finds_the_first_changed_release_in_logarithmic_steps(first: str) -> None:
    asked, observe = observer(first)
    result = search(VERSIONS, observe)  # type: ignore[arg-type]
    assert result.after is not None
    assert result.before is not None
    assert str(result.after.version) == first
    assert result.before.version == VERSIONS[VERSIONS.index(Version(first)) - 1]
    assert len(asked) <= 5


def test_unbuildable_releases_are_skipped_and_reported() -> None:
    _, observe = observer("1.4", broken=("1.3", "1.0"))
    result = search(VERSIONS, observe)  # type: ignore[arg-type]
    assert result.before is not None
    assert result.after is not None
    # 1.3 is skipped, so the boundary is between 1.2 and 1.4
    assert (str(result.before.version), str(result.after.version)) == ("1.2", "1.4")
    assert [str(v) for v, _ in result.skipped] == ["1.0", "1.3"]


def test_same_outcome_at_both_ends_is_no_change() -> None:
    _, observe = observer("9.9")
    result = search(VERSIONS, observe)  # type: ignore[arg-type]
    assert not result.changed


def test_ranges() -> None:
    assert parse_range("3.0.0..3.12.0") == (Version("3.0.0"), Version("3.12.0"))
    for bad in ("3.0.0", "3.12..3.0", "x..y"):
        with pytest.raises(ConfigurationError, match="range"):
            parse_range(bad)


def test_candidates_skip_releases_a_python_cannot_install() -> None:
    usable, skipped = candidates(
        fake_index(), "keras", Version("3.10.0"), Version("3.13.0"), python="3.10"
    )
    assert [str(v) for v in usable] == ["3.10.0", "3.11.0", "3.11.3", "3.12.0"]
    assert [(str(v), why) for v, why in skipped] == [("3.13.0", "requires Python >=3.11")]
    tf, tf_skipped = candidates(
        fake_index(), "tensorflow", Version("2.15"), Version("2.17"), python="3.11"
    )
    assert [str(v) for v in tf] == ["2.15.1", "2.16.1", "2.16.2"]
    assert tf_skipped == [(Version("2.17.0"), "no wheel for Python 3.11 on Linux x86_64")]


def test_the_search_as_json_names_the_boundary_and_every_release_tried() -> None:
    _, observe = observer("1.4", broken=("1.3",))
    data = search(VERSIONS, observe).to_json()  # type: ignore[arg-type]
    assert data["changed"] is True
    assert (data["before"]["version"], data["after"]["version"]) == ("1.2", "1.4")
    tried = {entry["version"]: entry["skipped"] for entry in data["tried"]}
    assert tried["1.3"] == "could not be installed: no wheel"
    assert [entry["version"] for entry in data["tried"]] == sorted(tried, key=Version)
    assert data["skipped"] == [{"version": "1.3", "why": "could not be installed: no wheel"}]
