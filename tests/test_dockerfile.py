"""Rendered Dockerfiles, compared with golden files; tags follow content."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.bases import debian_base, registry_base
from harness.dockerfile import HARNESS_LABEL, ImageSpec, render
from harness.errors import BaseImageError
from harness.images import lanes
from harness.matrix import Matrix, load_matrix
from tests.golden_files import assert_golden

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return load_matrix(ROOT / "matrix.yaml")


@pytest.mark.parametrize(
    ("python", "environment", "kind", "ca"),
    [
        ("3.11", "tf-2.15_then_keras-3", "debian", True),
        ("3.9", "tf-2.15_then_keras-3", "debian", False),
        ("3.9", "keras3-only", "registry", False),
        ("3.13", "keras3-jax", "registry", True),
    ],
)
def test_rendered_dockerfile(
    matrix: Matrix, python: str, environment: str, kind: str, ca: bool
) -> None:
    base = debian_base(python) if kind == "debian" else registry_base(python)
    spec = render(
        matrix,
        python,
        environment,
        base=base,
        template_dir=ROOT / "dockerfiles",
        ca_bundle=b"CERT" if ca else None,
    )
    assert_golden(
        f"py{python}-{environment}-{kind}{'-ca' if ca else ''}.Dockerfile", spec.dockerfile
    )
    assert spec.tag.startswith(f"keras-matrix-env:py{python}-{environment}-")
    assert spec.labels[HARNESS_LABEL]


def test_tag_changes_with_content_only(matrix: Matrix) -> None:
    def tag(ca: bytes | None, python: str = "3.11") -> str:
        return render(
            matrix,
            python,
            "tf-2.15",
            base=debian_base(python),
            template_dir=ROOT / "dockerfiles",
            ca_bundle=ca,
        ).tag

    assert tag(None) == tag(None)
    assert tag(b"a") != tag(b"b")
    assert tag(None) != tag(None, "3.9")


def test_python_tied_steps(matrix: Matrix) -> None:
    py39 = render(
        matrix,
        "3.9",
        "keras3-only",
        base=debian_base("3.9"),
        template_dir=ROOT / "dockerfiles",
        ca_bundle=None,
    )
    assert py39.steps == ("keras==3.10.0",)


def test_context_holds_what_the_dockerfile_copies(matrix: Matrix, tmp_path: Path) -> None:
    spec = render(
        matrix,
        "3.11",
        "tf-2.15",
        base=debian_base("3.11"),
        template_dir=ROOT / "dockerfiles",
        ca_bundle=b"CERT",
    )
    context = spec.write_context(tmp_path / "ctx")
    assert (context / "ca-bundle.crt").read_bytes() == b"CERT"
    assert (context / "Dockerfile").read_text(encoding="utf-8") == spec.dockerfile


def test_no_debian_suite_for_python_3_10() -> None:
    with pytest.raises(BaseImageError, match=r"no Debian suite ships Python 3\.10"):
        debian_base("3.10")


def test_images_sharing_their_first_step_build_in_one_lane(matrix: Matrix) -> None:
    def spec(python: str, environment: str) -> ImageSpec:
        return render(
            matrix,
            python,
            environment,
            base=debian_base(python),
            template_dir=ROOT / "dockerfiles",
            ca_bundle=None,
        )

    specs = [
        spec("3.11", "tf-2.15_then_keras-3"),
        spec("3.11", "keras3-only"),
        spec("3.11", "tf-2.15"),
        spec("3.9", "tf-2.15"),
    ]
    grouped = [[(s.python, s.environment) for s in lane] for lane in lanes(specs)]
    # The shorter install first, so that the layered one reuses its layers; other Pythons and
    # other first steps share no layer and build alongside.
    assert sorted(grouped) == [
        [("3.11", "keras3-only")],
        [("3.11", "tf-2.15"), ("3.11", "tf-2.15_then_keras-3")],
        [("3.9", "tf-2.15")],
    ]
