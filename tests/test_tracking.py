"""Tracked ranges resolved from PyPI answers: which releases, which Pythons, what is skipped."""

from __future__ import annotations

from datetime import date

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from harness.config.tracking import (
    TrackRequest,
    check_template,
    python_limit,
    resolve,
    supported_tags,
    wheel_pythons,
)
from tests.pypi_fake import File, recorded_index, recorded_simple_index, simple_index, simple_page

MANYLINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"


def pythons_of(*files: File) -> tuple[str, ...]:
    index = simple_index({"pkg": simple_page(*files)})
    (release,) = index.releases("pkg")
    return wheel_pythons(release)


def test_the_recorded_tensorflow_range_gives_one_environment_per_minor() -> None:
    group = resolve(
        "tf", TrackRequest(package="tensorflow-cpu", specifier=">=2.12"), recorded_simple_index()
    )
    names = [r.environment for r in group.releases]
    assert names[:3] == ["tf-2.12", "tf-2.13", "tf-2.14"]
    assert names == sorted(names, key=lambda n: Version(n.removeprefix("tf-")))
    first = group.releases[0]
    # 2.12.0 and 2.12.1 exist: the newest patch stands for the minor, with its upload day.
    assert (first.version, first.uploaded) == ("2.12.1", date(2023, 7, 5))
    # TensorFlow 2.12 shipped cp38-cp311 wheels, 2.16 added cp312, 2.21 dropped cp39.
    assert first.pythons == ("3.8", "3.9", "3.10", "3.11")
    by_name = {r.environment: r for r in group.releases}
    assert by_name["tf-2.16"].pythons == ("3.9", "3.10", "3.11", "3.12")
    assert "3.9" not in by_name["tf-2.21"].pythons


def test_the_simple_api_and_the_project_json_agree() -> None:
    request = TrackRequest(package="tensorflow-cpu", specifier=">=2.12")
    assert resolve("tf", request, recorded_simple_index()) == resolve(
        "tf", request, recorded_index()
    )


def test_every_release_and_a_name_template() -> None:
    request = TrackRequest(
        package="six", specifier=">=1.15,<1.17", every="release", name="six{version}"
    )
    group = resolve("s", request, recorded_simple_index())
    assert [(r.environment, r.version) for r in group.releases] == [
        ("six1.15.0", "1.15.0"),
        ("six1.16.0", "1.16.0"),
    ]


def test_python_filtering_reads_the_wheel_tags() -> None:
    # One wheel per CPython ABI: exactly those Pythons.
    assert pythons_of(
        File(filename=f"pkg-1.0-cp310-cp310-{MANYLINUX}.whl"),
        File(filename=f"pkg-1.0-cp312-cp312-{MANYLINUX}.whl"),
    ) == ("3.10", "3.12")
    # A stable-ABI wheel serves its Python and every later one.
    assert pythons_of(File(filename=f"pkg-1.0-cp39-abi3-{MANYLINUX}.whl"))[:2] == ("3.9", "3.10")
    assert "3.8" not in pythons_of(File(filename=f"pkg-1.0-cp39-abi3-{MANYLINUX}.whl"))
    # Legacy manylinux names count; a glibc newer than the oldest base's does not, nor do
    # musl, macOS or ARM wheels.
    assert pythons_of(File(filename="pkg-1.0-cp311-cp311-manylinux1_x86_64.whl")) == ("3.11",)
    assert pythons_of(File(filename="pkg-1.0-cp311-cp311-manylinux_2_34_x86_64.whl")) == ()
    assert pythons_of(File(filename="pkg-1.0-cp311-cp311-musllinux_1_2_x86_64.whl")) == ()
    assert pythons_of(File(filename="pkg-1.0-cp311-cp311-macosx_11_0_arm64.whl")) == ()
    assert pythons_of(File(filename="pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl")) == ()


def test_python_filtering_honours_requires_python_and_sdists() -> None:
    assert pythons_of(File(filename="pkg-1.0-py3-none-any.whl", requires=">=3.11,<3.13")) == (
        "3.11",
        "3.12",
    )
    # An sdist alone: pip would build it wherever Requires-Python lets it.
    assert pythons_of(File(filename="pkg-1.0.tar.gz", requires=">=3.13")) == ("3.13", "3.14")
    # Wheels and an sdist: only the wheels count (elsewhere pip would compile the package).
    assert pythons_of(
        File(filename=f"pkg-1.0-cp311-cp311-{MANYLINUX}.whl"), File(filename="pkg-1.0.tar.gz")
    ) == ("3.11",)
    # A wheel for a CPython newer than the list the harness knows adds that Python.
    assert pythons_of(File(filename=f"pkg-1.0-cp316-cp316-{MANYLINUX}.whl")) == ("3.16",)


def test_supported_tags_are_packagings() -> None:
    tags = {str(t) for t in supported_tags("3.11")}
    assert {"cp311-cp311-manylinux_2_17_x86_64", "cp39-abi3-manylinux2014_x86_64"} <= tags
    assert {"py3-none-any", "cp311-none-any"} <= tags
    assert "cp312-cp312-manylinux_2_17_x86_64" not in tags


def page_with_yanked_and_pre() -> bytes:
    wheel = "py3-none-any.whl"
    return simple_page(
        File(filename=f"pkg-1.0.0-{wheel}", uploaded="2024-01-02T10:00:00Z"),
        File(filename=f"pkg-1.0.1-{wheel}", yanked="broken metadata"),
        File(filename=f"pkg-1.1.0-{wheel}", yanked=True),
        File(filename=f"pkg-1.2.0rc1-{wheel}"),
        File(filename=f"pkg-1.2.0-{wheel}", uploaded="2024-05-06T10:00:00Z"),
        File(filename=f"pkg-1.3.0rc2-{wheel}"),
    )


def test_yanked_releases_are_skipped_and_listed() -> None:
    index = simple_index({"pkg": page_with_yanked_and_pre()})
    group = resolve("p", TrackRequest(package="pkg", specifier=">=1.0"), index)
    # 1.0.1 was yanked: 1.0.0 stands for 1.0; 1.1 had only a yanked release: no 1.1.
    assert [(r.environment, r.version) for r in group.releases] == [
        ("p-1.0", "1.0.0"),
        ("p-1.2", "1.2.0"),
    ]
    assert group.skipped == (("1.0.1", "yanked"), ("1.1.0", "yanked"))
    assert group.releases[1].uploaded == date(2024, 5, 6)


def test_pre_releases_only_on_request() -> None:
    index = simple_index({"pkg": page_with_yanked_and_pre()})
    final = resolve("p", TrackRequest(package="pkg", specifier=">=1.2"), index)
    assert [r.version for r in final.releases] == ["1.2.0"]
    pre = resolve("p", TrackRequest(package="pkg", specifier=">=1.2", pre=True), index)
    # 1.2's newest is the final release; 1.3 has only a candidate, which pre: true admits.
    assert [(r.environment, r.version) for r in pre.releases] == [
        ("p-1.2", "1.2.0"),
        ("p-1.3", "1.3.0rc2"),
    ]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{name}-{minor}", None),
        ("tf{version}", None),
        ("{name}-{minr}", "unknown field {minr} in '{name}-{minr}' (use {name}, {package}, "),
        ("{name}", "'{name}' names no version: add {minor} or {version}"),
        ("{minor!r}", "'{minor!r}': write fields plainly, as {minor}"),
        ("{name", "invalid name template '{name'"),
    ],
)
def test_name_templates(template: str, problem: str | None) -> None:
    found = check_template(template)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem), found
    if template == "{name}-{minr}":
        assert found is not None and found.endswith("did you mean {minor}?")


@pytest.mark.parametrize(
    "pythons", [("3.11",), ("3.9", "3.11"), ("3.8", "3.9", "3.10", "3.12", "3.14")]
)
def test_python_limit_admits_exactly_the_pythons(pythons: tuple[str, ...]) -> None:
    limit = SpecifierSet(python_limit(pythons))
    admitted = {f"3.{m}" for m in range(6, 20) if Version(f"3.{m}") in limit}
    assert admitted == set(pythons)
