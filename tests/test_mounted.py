"""Mounted environments without an engine: how a Dockerfile is cut before its installs, when a
run mounts its environments, and how one is built, reused, refused, retried and extended.

The real thing (pip in real containers, cells on the mounts, outcomes equal to images') is in
tests/test_integration.py, which runs its matrix both ways."""

from __future__ import annotations

import io
import os
import shlex
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from harness.build.bases import debian_base
from harness.build.dockerfile import ImageSpec, render
from harness.build.dockerfile_cut import prefix_tag, split
from harness.build.environment_store import EnvironmentStore, mounts, use_mounts
from harness.build.images import BuildFailures, ImageRecord, build_images
from harness.build.mounted import STORE_MOUNT, MountedBuild, builder, make, present
from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.engine.api import RunResult, RunSpec
from harness.engine.commands import silent
from harness.errors import ConfigurationError
from harness.execute.pipeline import Options, run_matrix
from harness.execute.ui import Reporter

from .fakes import FakeEngine

ROOT = Path(__file__).resolve().parent.parent

MATRIX = f"""\
python: ["3.11"]
base: debian
scenario_dir: "{ROOT / "scenarios"}"
environments:
  a: {{steps: [six==1.16.0]}}
  a_then_b: {{steps: [six==1.16.0, "attrs==23.1.0 'idna==3.4'"]}}
  broken: {{steps: [six==9.9]}}
backends:
  unset: {{}}
scenarios: [missing_tensorflow]
"""


def specs(tmp_path: Path, template_dir: Path | None = None) -> dict[str, ImageSpec]:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX, encoding="utf-8")
    matrix = load_matrix(path)
    base = debian_base("3.11")
    return {
        name: render(matrix, "3.11", name, base=base, template_dir=template_dir, ca_bundle=b"CA\n")
        for name in ("a", "a_then_b", "broken")
    }


def test_the_packaged_template_is_cut_before_its_install_steps(tmp_path: Path) -> None:
    spec = specs(tmp_path)["a_then_b"]
    cut = split(spec)
    assert cut is not None
    assert cut.shell == ("/bin/bash", "-o", "pipefail", "-c")
    assert cut.args == {"PIP_INDEX_URL", "PIP_TRUSTED_HOST"}
    assert len(cut.installs) == 2
    assert cut.installs[0].startswith("timeout --kill-after=10 3600 pip install six==1.16.0 2>&1")
    # Continuation lines joined as the builder joins them (the backslash and newline dropped).
    assert (
        "pip install attrs==23.1.0 idna==3.4 2>&1 | tee /opt/keras-matrix/steps/2.log  && (pip"
        in (cut.installs[1])
    )
    assert shlex.split(cut.installs[1])[:7] == [
        "timeout",
        "--kill-after=10",
        "3600",
        "pip",
        "install",
        "attrs==23.1.0",
        "idna==3.4",
    ]
    assert "pip freeze --all > /opt/keras-matrix/pip-freeze.txt" in cut.installs[1]
    assert "\n" not in cut.installs[1]
    # The prefix is the Dockerfile up to the first install, every instruction before it kept.
    assert cut.prefix in spec.dockerfile and spec.dockerfile.startswith(cut.prefix)
    assert "pip install six" not in cut.prefix
    assert "WORKDIR /home/cell" in cut.prefix
    assert cut.instructions[0].startswith("FROM keras-matrix-base:bookworm")


def test_environments_of_one_base_share_their_prefix_image(tmp_path: Path) -> None:
    found = specs(tmp_path)
    tags = {prefix_tag(spec, cut) for spec in found.values() if (cut := split(spec)) is not None}
    assert len(tags) == 1
    (tag,) = tags
    assert tag.startswith("keras-matrix-env:py3.11-prefix-")
    # Another CA bundle is another prefix: it is copied into the image.
    other = specs(tmp_path)["a"]
    changed = ImageSpec(**{**other.__dict__, "ca_bundle": b"other\n"})
    cut = split(changed)
    assert cut is not None and prefix_tag(changed, cut) != tag


def test_a_template_with_more_after_its_installs_is_built_as_an_image(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    packaged = (ROOT / "harness" / "templates" / "environment.Dockerfile.j2").read_text()
    (templates / "environment.Dockerfile.j2").write_text(packaged + "USER cell\n")
    assert split(specs(tmp_path, templates)["a"]) is None
    (templates / "environment.Dockerfile.j2").write_text(
        packaged.replace("RUN (pip check || true)", 'RUN ["true"]').replace(
            "RUN {% if uploaded_prior_to", 'RUN ["timeout"] # {% if uploaded_prior_to'
        )
    )
    assert split(specs(tmp_path, templates)["a"]) is None


@pytest.mark.parametrize(
    ("mode", "driver", "binds", "expected"),
    [
        ("images", "fuse-overlayfs", True, False),
        ("auto", "overlay2", True, False),
        ("auto", "fuse-overlayfs", True, True),
        ("auto", "vfs", True, True),
        ("auto", "fuse-overlayfs", False, False),
        ("mounts", "overlay2", True, True),
    ],
)
def test_when_a_run_mounts_its_environments(
    mode: str, driver: str, binds: bool, expected: bool
) -> None:
    assert use_mounts(mode, driver=driver, binds=lambda: binds) is expected  # type: ignore[arg-type]


def test_mounts_asked_of_an_engine_that_cannot_bind_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="cannot bind-mount this machine's directories"):
        use_mounts("mounts", driver="overlay2", binds=lambda: False)


class InstallingEngine(FakeEngine):
    """Containers that do what the copy and the install steps would do to the mounted
    directories: the copy lays out a venv, each install writes a package and the freeze."""

    def __init__(self, *, network_failures: int = 0) -> None:
        super().__init__()
        self.commands: list[str] = []
        self.network_failures = network_failures
        # The build arguments the install containers get: those the Dockerfile declares.
        self.expected_env: dict[str, str] = {"PIP_INDEX_URL": "http://mirror/simple/"}

    def run(self, spec: RunSpec) -> RunResult:
        if spec.cell_id is not None:
            return super().run(spec)
        self.runs.append(spec)
        binds = {mount.target: mount.source for mount in spec.mounts}
        command = spec.command[-1]
        self.commands.append(command)
        if STORE_MOUNT in binds:
            return self._as_root(binds[STORE_MOUNT], command)
        assert spec.sandbox.user == "0:0" and spec.sandbox.network == "bridge"
        assert spec.env == self.expected_env
        venv, state = binds["/opt/venv"], binds["/opt/keras-matrix"]
        if self.network_failures:
            self.network_failures -= 1
            return _result(1, "ERROR: ... Failed to establish a new connection")
        if "six==9.9" in command:
            return _result(1, "ERROR: No matching distribution found for six==9.9")
        package = command.split("pip install ")[1].split(" 2>&1")[0]
        (venv / f"{package.split('==')[0]}.py").write_text(package)
        with (state / "pip-freeze.txt").open("a") as freeze:
            freeze.write(package + "\n")
        return _result(0, f"Successfully installed {package}")

    def _as_root(self, store: Path, script: str) -> RunResult:
        """The layout and removal scripts, done here on the host as root would there."""
        assert all(p.parent == store for p in store.iterdir())  # one mount: links can be made

        def host(word: str) -> Path:
            return store / word.removeprefix(STORE_MOUNT + "/")

        for command in script.split(" && "):
            words = command.split()
            if words[:2] == ["cp", "-a"] and words[2].startswith("/opt/"):
                target = host(words[3])
                (target / "bin" if words[2] == "/opt/venv" else target / "steps").mkdir(
                    parents=True
                )
                if words[2] == "/opt/venv":
                    (target / "bin" / "python").write_text("#!python\n")
            elif words[:2] == ["cp", "-al"]:
                shutil.copytree(host(words[2]), host(words[3]), copy_function=os.link)
            elif words[:2] == ["cp", "-a"]:
                shutil.copytree(host(words[2]), host(words[3]))
            elif words[:2] == ["rm", "-rf"]:
                shutil.rmtree(host(words[2]))
            else:
                raise AssertionError(f"unexpected script {script!r}")
        return _result(0, "")


def _result(code: int, output: str) -> RunResult:
    return RunResult(
        exit_code=code, stdout=output, stderr="", oom_killed=False, timed_out=False, duration_s=0.1
    )


def job(engine: FakeEngine, tmp_path: Path) -> MountedBuild:
    return MountedBuild(
        engine=engine,
        store=EnvironmentStore(root=tmp_path / "environments"),
        log_dir=tmp_path / "logs",
        context_dir=tmp_path / "contexts",
        on_line=lambda spec, line: None,
        build_args={"PIP_INDEX_URL": "http://mirror/simple/", "UNDECLARED": "x"},
        retry_delays=(),
        say=lambda text: None,
        sleep=lambda seconds: None,
    )


def test_an_environment_is_built_into_a_host_directory_then_reused(tmp_path: Path) -> None:
    engine = InstallingEngine()
    spec = specs(tmp_path)["a"]
    build = job(engine, tmp_path)

    record = make(build, spec, ())
    assert record is not None and record.status == "built", record
    assert record.tag.startswith("keras-matrix-env:py3.11-prefix-")
    assert engine.builds == [record.tag]  # the prefix, once: no image of the environment
    directory = Path(record.environment_dir or "")
    assert directory == build.store.directory(spec)
    assert (directory / "venv" / "six.py").read_text() == "six==1.16.0"
    assert (directory / "state" / "pip-freeze.txt").read_text() == "six==1.16.0\n"
    assert record.image_id is not None and record.image_id.startswith("sha256:")
    assert present(engine, build.store, spec)
    # Nothing half-made is left beside it.
    assert sorted(p.name for p in build.store.root.iterdir()) == [spec.digest]

    again = make(build, spec, ())
    assert again is not None and again.status == "reused"
    assert (again.image_id, again.environment_dir) == (record.image_id, record.environment_dir)
    assert len(engine.commands) == 2  # the copy and the one install, from the first build

    rebuilt = make(build, spec, (), rebuild=True)
    assert rebuilt is not None and rebuilt.status == "built"
    assert rebuilt.image_id != record.image_id  # a rebuilt environment is another environment


def test_a_removed_prefix_image_means_the_environment_is_built_again(tmp_path: Path) -> None:
    engine = InstallingEngine()
    spec = specs(tmp_path)["a"]
    build = job(engine, tmp_path)
    record = make(build, spec, ())
    assert record is not None
    del engine.images[record.tag]
    assert not present(engine, build.store, spec)
    again = make(build, spec, ())
    assert again is not None and again.status == "built"


def test_an_install_pip_refuses_is_a_failed_record_and_leaves_nothing(tmp_path: Path) -> None:
    engine = InstallingEngine()
    spec = specs(tmp_path)["broken"]
    failures = BuildFailures.under(tmp_path / "results")
    build = job(engine, tmp_path)

    record = make(build, spec, (), failures=failures)
    assert record is not None and record.status == "failed"
    assert record.error == "ERROR: No matching distribution found for six==9.9"
    assert not build.store.directory(spec).exists()
    assert [p.name for p in build.store.root.iterdir()] == []
    log = Path(record.log_path or "").read_text()
    assert "Step 1/1 : RUN timeout --kill-after=10 3600 pip install six==9.9" in log
    # Not tried again on the next run (`--rebuild` would).
    count = len(engine.commands)
    assert (again := make(build, spec, (), failures=failures)) is not None
    assert again.status == "failed" and len(engine.commands) == count


def test_an_unreachable_index_is_retried_then_reported_unreachable(tmp_path: Path) -> None:
    spec = specs(tmp_path)["a"]
    engine = InstallingEngine(network_failures=1)
    build = MountedBuild(**{**job(engine, tmp_path).__dict__, "retry_delays": (5.0,)})
    record = make(build, spec, ())
    assert record is not None and record.status == "built"

    engine = InstallingEngine(network_failures=5)
    build = job(engine, tmp_path / "other")
    record = make(build, spec, ())
    assert record is not None and record.status == "unreachable"
    assert "unreachable in 1 attempts" in (record.error or "")


def test_an_environment_that_extends_another_starts_from_its_hard_links(tmp_path: Path) -> None:
    engine = InstallingEngine()
    found = specs(tmp_path)
    build = job(engine, tmp_path)
    records = build_images(
        engine,
        [found["a_then_b"], found["a"]],
        log_dir=tmp_path / "logs",
        context_dir=tmp_path / "contexts",
        on_line=lambda spec, line: None,
        instead=builder(build, rebuild=False, failures=None),
    )
    parent, child = records[("3.11", "a")], records[("3.11", "a_then_b")]
    assert parent.status == child.status == "built"
    # The child ran only its own second step, over a copy of the parent's directory.
    installs = [c for c in engine.commands if "pip install" in c]
    assert len(installs) == 2 and "attrs==23.1.0" in installs[1]
    shared = Path(parent.environment_dir or "") / "venv" / "six.py"
    copied = Path(child.environment_dir or "") / "venv" / "six.py"
    assert shared.stat().st_ino == copied.stat().st_ino
    assert (Path(child.environment_dir or "") / "venv" / "attrs.py").exists()
    assert not (Path(parent.environment_dir or "") / "venv" / "attrs.py").exists()
    # The state directory is a real copy: the child's freeze grew, the parent's did not.
    assert (Path(parent.environment_dir or "") / "state" / "pip-freeze.txt").read_text() == (
        "six==1.16.0\n"
    )
    assert "attrs" in (Path(child.environment_dir or "") / "state" / "pip-freeze.txt").read_text()


@pytest.mark.parametrize(
    ("parent_pins", "installs"), [(b"six==1.16.0\n", 2), (b"six==1.15.0\n", 3)]
)
def test_a_pinned_environment_extends_only_one_pinned_alike(
    tmp_path: Path, parent_pins: bytes, installs: int
) -> None:
    engine = InstallingEngine()
    specs(tmp_path)  # writes the matrix
    matrix = load_matrix(tmp_path / "matrix.yaml")
    base = debian_base("3.11")
    parent = render(
        matrix, "3.11", "a", base=base, template_dir=None, ca_bundle=None, constraints=[parent_pins]
    )
    child = render(
        matrix,
        "3.11",
        "a_then_b",
        base=base,
        template_dir=None,
        ca_bundle=None,
        constraints=[b"six==1.16.0\n", b"attrs==23.1.0\nidna==3.4\nsix==1.16.0\n"],
    )
    records = build_images(
        engine,
        [child, parent],
        log_dir=tmp_path / "logs",
        context_dir=tmp_path / "contexts",
        on_line=lambda spec, line: None,
        instead=builder(job(engine, tmp_path), rebuild=False, failures=None),
    )
    assert {record.status for record in records.values()} == {"built"}
    # Each step runs under its own pins; the child starts from the parent's directory only
    # where the parent's step was pinned as the child's first step is.
    ran = [c for c in engine.commands if "pip install" in c]
    assert len(ran) == installs
    assert ran[-1].startswith("PIP_CONSTRAINT=/etc/keras-matrix/constraints/2.txt timeout ")
    assert ran[-2].startswith("PIP_CONSTRAINT=/etc/keras-matrix/constraints/1.txt timeout ")


def test_a_run_on_fuse_overlayfs_mounts_its_environments_into_its_cells(tmp_path: Path) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX.replace("  broken: {steps: [six==9.9]}\n", ""), encoding="utf-8")
    matrix = load_matrix(path)
    engine = InstallingEngine()
    engine.driver = "fuse-overlayfs"
    engine.images["keras-matrix-base:bookworm"] = "sha256:base"
    console = io.StringIO()
    options = Options(
        base="debian",
        template_dir=None,
        ca_bundle=None,
        mirror_port=None,
        environments_dir=tmp_path / "environments",
    )
    # No mirror here (mirror_port None): the install containers get no index to use.
    engine.expected_env = {}
    done = run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        options,
        results_root=tmp_path / "results",
        reporter=Reporter(Console(file=console, force_terminal=False, width=400)),
        echo=silent,
    )
    assert f"environments: mounted from {tmp_path / 'environments'}" in console.getvalue()
    images = {r["environment"]: r for r in done.read_json("images.json")}
    assert {r["status"] for r in images.values()} == {"built"}
    cells = [spec for spec in engine.runs if spec.cell_id is not None]
    assert len(cells) == 2
    for cell in cells:
        record = images[cell.cell_id.split("/")[1] if cell.cell_id else ""]
        assert cell.image == record["tag"]
        assert cell.sandbox.user == "1000:1000" and cell.sandbox.read_only
        environment = Path(record["environment_dir"])
        assert [(m.source, m.target, m.read_only) for m in cell.mounts[1:]] == [
            (environment / "venv", "/opt/venv", True),
            (environment / "state", "/opt/keras-matrix", True),
        ]
    # The freeze comes from the environment's directory.
    freeze = (done.path / images["a"]["freeze"]).read_text()
    assert freeze.endswith("six==1.16.0\n")
    # --environments images on the same engine builds images, as before.
    engine.builds.clear()
    images_only = replace(options, environments="images")
    again = run_matrix(
        engine,
        matrix,
        expand(matrix).cells,
        images_only,
        results_root=tmp_path / "results",
        reporter=Reporter(Console(file=io.StringIO(), force_terminal=False)),
        echo=silent,
    )
    records = again.read_json("images.json")
    assert all(r["environment_dir"] is None for r in records)
    assert sorted(engine.builds) == sorted(r["tag"] for r in records)


def test_cells_of_a_mounted_environment_mount_it_read_only(tmp_path: Path) -> None:
    found = mounts(tmp_path / "env")
    assert [(m.source, m.target, m.read_only) for m in found] == [
        (tmp_path / "env" / "venv", "/opt/venv", True),
        (tmp_path / "env" / "state", "/opt/keras-matrix", True),
    ]
    record = ImageRecord(python="3.11", environment="a", tag="t", base_image="b", status="built")
    assert record.environment_dir is None  # an image's record is unchanged


def test_clean_removes_every_mounted_environment(tmp_path: Path) -> None:
    engine = InstallingEngine()
    build = job(engine, tmp_path)
    assert build.store.clear() == (0, [])
    for spec in specs(tmp_path).values():
        make(build, spec, ())
    removed, kept = build.store.clear()
    assert (removed, kept) == (2, [])  # a and a_then_b; the broken one left nothing
    assert list(build.store.root.iterdir()) == []


def test_what_killed_builds_left_is_swept_after_a_day(tmp_path: Path) -> None:
    store = EnvironmentStore(root=tmp_path / "environments")
    store.sweep()  # no store yet: nothing to do
    old, young, kept = (store.root / name for name in ("a.partial-1", "b.removed-2", "c" * 64))
    for path in (old, young, kept):
        (path / "venv").mkdir(parents=True)
    day_ago = time.time() - 2 * 86400
    os.utime(old, (day_ago, day_ago))
    os.utime(kept, (day_ago, day_ago))
    store.sweep()
    assert sorted(p.name for p in store.root.iterdir()) == sorted([young.name, kept.name])
