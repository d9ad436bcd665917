"""Rendered Dockerfiles, compared with golden files; tags follow content."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness.build.bases import debian_base, registry_base
from harness.build.dockerfile import ImageSpec, render
from harness.build.images import lanes
from harness.cli.app import main
from harness.config.matrix import Matrix, load_matrix
from harness.errors import BaseImageError, ConfigurationError
from tests.golden_files import assert_golden

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = '"""\ntitle: t\ndescription: d\nsource: s\nclaim: {summary: x, pattern: x}\n"""\n'


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return load_matrix(ROOT / "matrix.yaml")


@pytest.mark.parametrize(
    ("python", "environment", "kind", "ca"),
    [
        ("3.11", "tf-2.15_then_keras-3", "debian", True),
        ("3.9", "tf-2.15_then_keras-3", "debian", False),
        ("3.9", "keras-3.10", "registry", False),
        ("3.13", "keras3-jax", "registry", True),
    ],
)
def test_rendered_dockerfile(
    matrix: Matrix, python: str, environment: str, kind: str, ca: bool
) -> None:
    if kind == "debian":
        base = replace(debian_base(python), image_id=f"sha256:{'d' * 64}")
    else:
        digest = f"python@sha256:{'a' * 64}"
        base = replace(registry_base(python), image_id=f"sha256:{'b' * 64}", repo_digest=digest)
    spec = render(
        matrix,
        python,
        environment,
        base=base,
        template_dir=None,
        ca_bundle=b"CERT" if ca else None,
    )
    assert_golden(
        f"py{python}-{environment}-{kind}{'-ca' if ca else ''}.Dockerfile", spec.dockerfile
    )
    assert spec.tag.startswith(f"keras-matrix-env:py{python}-{environment}-")


def test_tag_changes_with_content_only(matrix: Matrix) -> None:
    def tag(ca: bytes | None, python: str = "3.11") -> str:
        return render(
            matrix,
            python,
            "tf-2.15",
            base=debian_base(python),
            template_dir=None,
            ca_bundle=ca,
        ).tag

    assert tag(None) == tag(None)
    assert tag(b"a") != tag(b"b")
    assert tag(None) != tag(None, "3.9")


def test_python_tied_steps(matrix: Matrix) -> None:
    py39 = render(
        matrix,
        "3.9",
        "tf-2.15_then_keras-3",
        base=debian_base("3.9"),
        template_dir=None,
        ca_bundle=None,
    )
    assert py39.steps == ("tensorflow-cpu==2.15.1", "keras==3.10.0")


def test_context_holds_what_the_dockerfile_copies(matrix: Matrix, tmp_path: Path) -> None:
    spec = render(
        matrix,
        "3.11",
        "tf-2.15",
        base=debian_base("3.11"),
        template_dir=None,
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
            template_dir=None,
            ca_bundle=None,
        )

    specs = [
        spec("3.11", "tf-2.15_then_keras-3"),
        spec("3.11", "keras-3.10"),
        spec("3.11", "tf-2.15"),
        spec("3.9", "tf-2.15"),
    ]
    grouped = [[(s.python, s.environment) for s in lane] for lane in lanes(specs)]
    # The shorter install first, so that the layered one reuses its layers; other Pythons and
    # other first steps share no layer and build alongside.
    assert sorted(grouped) == [
        [("3.11", "keras-3.10")],
        [("3.11", "tf-2.15"), ("3.11", "tf-2.15_then_keras-3")],
        [("3.9", "tf-2.15")],
    ]


def test_the_tag_covers_the_base_images_id(matrix: Matrix) -> None:
    def tag(image_id: str | None) -> str:
        base = replace(debian_base("3.11"), image_id=image_id)
        return render(matrix, "3.11", "tf-2.15", base=base, template_dir=None, ca_bundle=None).tag

    assert tag("sha256:1") == tag("sha256:1")
    assert tag("sha256:1") != tag("sha256:2")


def test_a_registry_base_without_a_digest_says_so(matrix: Matrix) -> None:
    base = replace(registry_base("3.11"), image_id="sha256:local")
    text = render(matrix, "3.11", "tf-2.15", base=base, template_dir=None, ca_bundle=None)
    assert "FROM python:3.11-slim\n" in text.dockerfile
    assert "it has no registry digest, so FROM names the moving tag" in text.dockerfile


def test_each_step_is_pinned_on_its_own_and_every_pin_is_in_the_tag(
    matrix: Matrix, tmp_path: Path
) -> None:
    base = debian_base("3.11")

    def spec(*constraints: bytes | None) -> ImageSpec:
        return render(
            matrix,
            "3.11",
            "tf-2.15_then_keras-3",
            base=base,
            template_dir=None,
            ca_bundle=None,
            constraints=constraints,
        )

    pinned = spec(b"keras==2.15.0\n", b"keras==3.12.0\n")
    assert_golden("py3.11-tf-2.15_then_keras-3-debian-pinned.Dockerfile", pinned.dockerfile)
    assert "COPY constraints/ /etc/keras-matrix/constraints/\n" in pinned.dockerfile
    runs = [
        line
        for line in pinned.dockerfile.splitlines()
        if line.startswith("RUN ") and " pip install " in line
    ]
    assert runs[0].startswith(
        "RUN PIP_CONSTRAINT=/etc/keras-matrix/constraints/1.txt timeout --kill-after=10 3600 "
        "pip install tensorflow-cpu==2.15.1 2>&1"
    )
    assert runs[1].startswith(
        "RUN PIP_CONSTRAINT=/etc/keras-matrix/constraints/2.txt timeout --kill-after=10 3600 "
        "pip install keras==3.12.0 2>&1"
    )
    assert "PIP_CONSTRAINT" not in pinned.dockerfile.split("\nRUN PIP_CONSTRAINT", 1)[0]
    # A step with no pins is installed as it is unpinned, and its file is not in the context.
    half = spec(None, b"keras==3.12.0\n")
    assert "RUN timeout --kill-after=10 3600 pip install tensorflow-cpu" in half.dockerfile
    context = half.write_context(pinned.write_context(tmp_path / "ctx"))
    assert sorted(p.name for p in (context / "constraints").iterdir()) == ["2.txt"]
    assert (context / "constraints" / "2.txt").read_bytes() == b"keras==3.12.0\n"
    # Every step's pins are in the tag; no pins at all is the unpinned image.
    tags = {
        pinned.tag,
        half.tag,
        spec(b"keras==2.15.0\n", b"keras==3.11.0\n").tag,
        spec(b"keras==2.14.0\n", b"keras==3.12.0\n").tag,
        spec().tag,
    }
    assert len(tags) == 5
    assert spec(None, None) == spec()
    assert "constraints" not in spec().dockerfile.split("FROM", 1)[1]
    assert not (spec().write_context(context) / "constraints").exists()
    with pytest.raises(ValueError, match="2 install steps, 1 constraints"):
        spec(b"keras==3.12.0\n")


def test_every_install_step_runs_under_the_build_timeout(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "s.py").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        'python: ["3.11"]\nbuild_timeout: 42\nenvironments: {e: {steps: [six==1.16.0, '
        "'a==1 b==2']}}\nbackends: {plain: {}}\nscenarios: [s]\n",
        encoding="utf-8",
    )
    matrix = load_matrix(tmp_path / "m.yaml")
    spec = render(matrix, "3.11", "e", base=debian_base("3.11"), template_dir=None, ca_bundle=None)
    assert spec.dockerfile.count("RUN timeout --kill-after=10 42 pip install ") == 2
    assert spec.build_timeout == 42


def test_a_matrixs_own_template_replaces_the_packaged_one(matrix: Matrix, tmp_path: Path) -> None:
    (tmp_path / "environment.Dockerfile.j2").write_text(
        "FROM {{ base_image }}\n{% for step in steps %}RUN pip install {{ step }}\n{% endfor %}",
        encoding="utf-8",
    )
    spec = render(
        matrix, "3.11", "tf-2.15", base=debian_base("3.11"), template_dir=tmp_path, ca_bundle=None
    )
    # Rendered as written: the harness adds no instruction of its own.
    assert spec.dockerfile == (
        "FROM keras-matrix-base:bookworm\nRUN pip install tensorflow-cpu==2.15.1\n"
    )


def test_no_instruction_follows_the_last_install(matrix: Matrix) -> None:
    """Every instruction after the installs would be a commit of the whole installed tree."""
    for environment in ("tf-2.15", "tf-2.15_then_keras-3"):
        spec = render(
            matrix, "3.11", environment, base=debian_base("3.11"), template_dir=None, ca_bundle=None
        )
        instructions = [
            line.split(" ", 1)[0]
            for line in spec.dockerfile.splitlines()
            if line and not line.startswith((" ", "#"))
        ]
        assert instructions[-1] == "RUN"
        assert "pip freeze" in spec.dockerfile.rstrip().splitlines()[-1]
        # The labels come right after FROM and name nothing the base's environments differ in.
        assert instructions[:2] == ["FROM", "LABEL"]
        assert "USER" not in instructions


def test_a_broken_template_is_one_line_naming_its_file(matrix: Matrix, tmp_path: Path) -> None:
    (tmp_path / "environment.Dockerfile.j2").write_text(
        "FROM {{ base_image }}\nRUN {{ no_such_variable }}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match=r"environment\.Dockerfile\.j2: UndefinedError"):
        render(
            matrix,
            "3.11",
            "tf-2.15",
            base=debian_base("3.11"),
            template_dir=tmp_path,
            ca_bundle=None,
        )
    (tmp_path / "environment.Dockerfile.j2").write_text("{% for %}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"environment\.Dockerfile\.j2:1: TemplateSyntax"):
        render(
            matrix,
            "3.11",
            "tf-2.15",
            base=debian_base("3.11"),
            template_dir=tmp_path,
            ca_bundle=None,
        )


def _own_project(where: Path, extra: str = "") -> Path:
    """A matrix in a user's own directory: no dockerfiles/ beside it."""
    (where / "scenarios").mkdir()
    (where / "scenarios" / "s.py").write_text(SCENARIO, encoding="utf-8")
    path = where / "matrix.yaml"
    path.write_text(
        'python: ["3.11"]\nbase: debian\nenvironments: {tiny: {steps: [six==1.16.0]}}\n'
        f"backends: {{plain: {{}}}}\nscenarios: [s]\n{extra}",
        encoding="utf-8",
    )
    return path


def test_harness_dockerfile_in_a_project_without_dockerfiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _own_project(tmp_path)
    assert load_matrix(path).template_dir is None
    main(["dockerfile", str(path), "3.11", "tiny"])
    out = capsys.readouterr().out
    assert out.startswith("# tag: keras-matrix-env:py3.11-tiny-")
    assert "RUN timeout --kill-after=10 3600 pip install six==1.16.0" in out


def test_a_template_dir_named_but_missing_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _own_project(tmp_path, "template_dir: templtes\n")
    with pytest.raises(SystemExit) as stopped:
        main(["dockerfile", str(path), "3.11", "tiny"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:6: template_dir: no directory {tmp_path / 'templtes'}")
    assert len(err.splitlines()) == 1
