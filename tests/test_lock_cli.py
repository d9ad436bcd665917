"""`harness lock` and runs of a tracked matrix, with recorded PyPI answers: the lock file,
upgrades, staleness, and that nothing asks the network once a lock exists."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.cli import lock as lock_cli
from harness.cli.app import main
from harness.config.matrix import load_matrix
from harness.errors import ConfigurationError
from harness.pypi import PackageIndex
from tests.golden_files import assert_golden
from tests.pypi_fake import File, recorded_simple_index, simple_index, simple_page

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = '''"""
title: Import six
description: Prints six's version.
source: tests
claim: {summary: nothing raises, pattern: "^$"}
"""
import six
print(six.__version__)
'''
MATRIX = """\
python: ["3.11", "3.13"]
environments:
  plain:
    steps: [six==1.16.0]
  six:
    track: {six: ">=1.15"}
    then: [python-dateutil==2.9.0]
backends: {unset: {}, other: {env: {X: "1"}}}
scenarios: [imports]
exclude:
  - {environment: six, backend: other}
"""


def project(where: Path, text: str = MATRIX) -> Path:
    (where / "scenarios").mkdir(parents=True, exist_ok=True)
    (where / "scenarios" / "imports.py").write_text(SCENARIO, encoding="utf-8")
    path = where / "matrix.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def serve(monkeypatch: pytest.MonkeyPatch, index: PackageIndex) -> None:
    monkeypatch.setattr(lock_cli, "make_index", lambda ca_bundle: index)


def exit_code(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_the_lock_of_the_tracked_matrix_is_the_golden_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "matrix-tracked.yaml").read_text(encoding="utf-8")
    path = tmp_path / "matrix-tracked.yaml"
    path.write_text(f"scenario_dir: {ROOT / 'scenarios'}\n{text}", encoding="utf-8")
    asked: list[str] = []
    serve(monkeypatch, recorded_simple_index(asked))
    main(["lock", str(path)])
    written = (tmp_path / "matrix-tracked.yaml.lock").read_text(encoding="utf-8")
    assert_golden("matrix-tracked.yaml.lock", written)
    assert sorted(asked) == ["keras", "tensorflow-cpu"]
    out = capsys.readouterr().out
    assert "tf-2.12: new minor, tensorflow-cpu 2.12.1 (uploaded 2023-07-05), Pythons 3.8," in out
    # The same answers give the same bytes; without --upgrade nothing is asked at all.
    main(["lock", str(path), "--upgrade"])
    assert (tmp_path / "matrix-tracked.yaml.lock").read_text(encoding="utf-8") == written
    assert capsys.readouterr().out == "no change\n"
    asked.clear()
    main(["lock", str(path)])
    assert asked == []
    assert "is up to date (26 environments)" in capsys.readouterr().out


def test_a_run_of_a_locked_matrix_asks_no_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path)
    serve(monkeypatch, recorded_simple_index())
    main(["lock", str(path)])
    capsys.readouterr()

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a locked matrix must not ask the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(lock_cli, "make_index", no_network)
    monkeypatch.setattr(PackageIndex, "releases", no_network)
    main(["plan", str(path)])
    captured = capsys.readouterr()
    cells = captured.out.split()
    # six 1.15, 1.16, 1.17 under both Pythons, backend `unset` only (the exclude names the
    # tracked environment, so it covers every release of it); `plain` under both backends.
    assert len(cells) == 3 * 2 + 2 * 2
    assert "py3.13/six-1.17/unset/imports" in cells
    assert not any("/six-1." in c and "/other/" in c for c in cells)
    assert captured.err == "10 cells in 8 images\n"
    main(["dockerfile", str(path), "3.11", "six-1.16"])
    dockerfile = capsys.readouterr().out
    assert "pip install six==1.16.0 " in dockerfile
    assert "pip install python-dateutil==2.9.0 " in dockerfile
    matrix = load_matrix(path)
    assert matrix.environments["six-1.15"].description == "six==1.15.0, uploaded 2020-05-21"
    assert matrix.lock == tmp_path / "matrix.yaml.lock"


def test_a_tracked_matrix_without_a_lock_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path)
    assert exit_code(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {path}:6: environments.six.track: tracked, and there is no matrix.yaml.lock "
        f"to say which releases: run `harness lock {path}` first (runs use its pins, so that "
        "they can be repeated)\n"
    )


def test_unreachable_pypi_exits_8_and_the_lock_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path)
    serve(monkeypatch, recorded_simple_index())
    main(["lock", str(path)])
    before = (tmp_path / "matrix.yaml.lock").read_bytes()
    capsys.readouterr()

    def unreachable(url: str) -> bytes:
        raise urllib.error.URLError("Name or service not known")

    serve(monkeypatch, PackageIndex(unreachable, api="simple"))
    assert exit_code(["lock", str(path), "--upgrade"]) == 8
    err = capsys.readouterr().err
    assert err == (
        "error: cannot reach PyPI (https://pypi.org/simple/six/): Name or service not known\n"
    )
    assert (tmp_path / "matrix.yaml.lock").read_bytes() == before
    assert exit_code(["plan", str(path)]) == 0


def page(*versions: tuple[str, str]) -> bytes:
    """A made-up package: each (version, CPython tags) one wheel, uploaded on a known day."""
    return simple_page(
        *(
            File(
                filename=f"pkg-{version}-{tag}-{tag}-manylinux2014_x86_64.whl",
                uploaded="2025-02-03T04:05:06Z",
            )
            for version, tags in versions
            for tag in tags.split()
        )
    )


def test_upgrade_says_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(
        tmp_path,
        MATRIX.replace('six:\n    track: {six: ">=1.15"}', 'pkg:\n    track: {pkg: ">=1.0"}')
        .replace("environment: six", "environment: pkg")
        .replace('["3.11", "3.13"]', '["3.11", "3.12"]'),
    )
    serve(monkeypatch, simple_index({"pkg": page(("1.0.0", "cp311 cp312"), ("1.1.0", "cp311"))}))
    main(["lock", str(path)])
    capsys.readouterr()
    # Later: 1.0 got a patch that dropped 3.12, 1.1 gained 3.12, 1.2 came out, a 1.1.1 was
    # yanked.
    later = page(
        ("1.0.0", "cp311 cp312"),
        ("1.0.1", "cp311"),
        ("1.1.0", "cp311 cp312"),
        ("1.2.0", "cp312"),
    )
    yanked = simple_page(
        File(filename="pkg-1.1.1-cp311-cp311-manylinux2014_x86_64.whl", yanked="bad build")
    )
    serve(monkeypatch, simple_index({"pkg": _merge(later, yanked)}))
    main(["lock", str(path), "--upgrade"])
    assert capsys.readouterr().out.splitlines() == [
        "pkg-1.0: new patch pkg 1.0.0 -> 1.0.1 (uploaded 2025-02-03)",
        "pkg-1.0: dropped Pythons 3.12",
        "pkg-1.1: added Pythons 3.12",
        "pkg-1.2: new minor, pkg 1.2.0 (uploaded 2025-02-03), Pythons 3.12",
        "pkg: skipped pkg 1.1.1 (yanked)",
    ]
    # Said once: the next upgrade with the same answers has nothing to say.
    main(["lock", str(path), "--upgrade"])
    assert capsys.readouterr().out == "no change\n"
    main(["plan", str(path)])
    assert "py3.12/pkg-1.0/unset/imports" not in capsys.readouterr().out


def _merge(*pages: bytes) -> bytes:
    loaded = [json.loads(p) for p in pages]
    return json.dumps(
        {
            "versions": sorted({v for p in loaded for v in p["versions"]}),
            "files": [f for p in loaded for f in p["files"]],
        }
    ).encode()


def test_a_lock_older_than_the_matrix_is_said_and_narrowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path)
    serve(monkeypatch, recorded_simple_index())
    main(["lock", str(path)])
    path.write_text(MATRIX.replace('">=1.15"', '">=1.16"'), encoding="utf-8")
    capsys.readouterr()
    main(["plan", str(path)])
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == (
        "note: matrix.yaml.lock is older than matrix.yaml (tracked differently: six); its "
        f"releases are used, those now out of range left out; `harness lock {path}` updates it"
    )
    assert "six-1.15" not in captured.out
    assert "py3.11/six-1.16/unset/imports" in captured.out


def test_a_release_without_wheels_for_the_matrix_pythons_is_left_out_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(
        tmp_path,
        MATRIX.replace('six:\n    track: {six: ">=1.15"}', 'pkg:\n    track: {pkg: ">=1.0"}')
        .replace("environment: six", "environment: pkg")
        .replace('["3.11", "3.13"]', '["3.11"]'),
    )
    serve(monkeypatch, simple_index({"pkg": page(("1.0.0", "cp39 cp310"), ("1.1.0", "cp311"))}))
    main(["lock", str(path)])
    assert "note: pkg: pkg-1.0 left out: no wheel for the matrix's Pythons (3.11)" in (
        capsys.readouterr().err
    )
    main(["plan", str(path)])
    captured = capsys.readouterr()
    assert "pkg-1.0" not in captured.out
    assert "note: pkg: pkg-1.0 left out" in captured.err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '    track: {six: ">=1.15"}',
            '    trak: {six: ">=1.15"}',
            ":6: environments.six.trak: unknown key; did you mean 'track'?",
        ),
        (
            '    track: {six: ">=1.15"}',
            '    track: {six: ">=1.15", keras: ">=3"}',
            ":6: environments.six.track: track one package, as {tensorflow-cpu: '>=2.12'}; "
            "install others in `then`",
        ),
        (
            '    track: {six: ">=1.15"}',
            '    track: {six: "=>1.15"}',
            ":6: environments.six.track: invalid version specifier '=>1.15'",
        ),
        (
            '    track: {six: ">=1.15"}',
            '    track: {six: ">=1.15"}\n    name: "{name}-{minr}"',
            ":7: environments.six.name: unknown field {minr} in '{name}-{minr}'",
        ),
        (
            '    track: {six: ">=1.15"}',
            '    track: {six: ">=1.15"}\n    every: patch',
            ":7: environments.six.every: Input should be 'minor' or 'release'",
        ),
        (
            "    steps: [six==1.16.0]",
            "    steps: [six==1.16.0]\n    every: release",
            ":3: environments.plain: `every` goes with `track`, which is not given",
        ),
        (
            "    then: [python-dateutil==2.9.0]",
            "    then: [python-dateutil==2.9.0]\n    steps: [six]",
            ":5: environments.six: `track` takes no `steps`; give later installs as `then`",
        ),
    ],
)
def test_mistakes_in_tracked_environments_are_one_located_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in MATRIX
    path = project(tmp_path, MATRIX.replace(old, new))
    with pytest.raises(ConfigurationError) as caught:
        load_matrix(path)
    assert str(caught.value).startswith(f"{path}{message}"), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_lock_damaged_by_hand_is_one_located_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(tmp_path)
    serve(monkeypatch, recorded_simple_index())
    main(["lock", str(path)])
    lock = tmp_path / "matrix.yaml.lock"
    lock.write_text(lock.read_text().replace("every: minor", "every: sometimes"))
    capsys.readouterr()
    assert exit_code(["plan", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {lock}:8: tracked.six.every: Input should be 'minor' or 'release' "
        "(rewrite the file with `harness lock`)\n"
    )


@pytest.mark.parametrize("name", ["matrix.yaml", "matrix-tracked.yaml"])
def test_the_committed_lock_is_current(name: str) -> None:
    """The tracked matrices and their committed locks agree: plan uses them as they are."""
    matrix = load_matrix(ROOT / name)
    assert matrix.notes == ()
    assert matrix.lock == ROOT / f"{name}.lock"
    assert "tf-2.12" in matrix.environments and "keras-3.0" in matrix.environments


def test_locking_a_matrix_that_tracks_nothing_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project(
        tmp_path,
        MATRIX.split("  six:", maxsplit=1)[0] + "backends: {unset: {}}\nscenarios: [imports]\n",
    )
    assert exit_code(["lock", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}: no environment is tracked (an environment with `track:`), so there "
        "is nothing to lock\n"
    )
    assert not (tmp_path / "matrix.yaml.lock").exists()
