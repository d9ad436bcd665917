"""The in-container driver, run here with the host's Python: what it records of a scenario."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from harness import driver
from harness.repro.bug_report.aliases import PACKAGING_TOOLS, PINNED_PACKAGES


def run_driver(tmp_path: Path, source: str, *extra: str) -> dict[str, Any]:
    scenario = tmp_path / "scenario.py"
    scenario.write_text(textwrap.dedent(source), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, driver.__file__, "run", str(scenario), *extra],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith(driver.MARKER)
    record: dict[str, Any] = json.loads(line[len(driver.MARKER) :])
    return record


def test_ok(tmp_path: Path) -> None:
    record = run_driver(tmp_path, "print('hello')\n")
    assert record["status"] == "ok"
    assert record["exception"] is None
    assert record["stdout_tail"] == "hello\n"
    assert record["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert "tensorflow" in record["versions"]


def test_scenario_sees_the_modules_of_a_plain_python_run(tmp_path: Path) -> None:
    # The modules a plain `python SCENARIO` has loaded when its first line runs, plus runpy's
    # own (runpy runs the scenario as __main__), and none of what the driver's parent uses.
    source = "import sys\nprint(' '.join(sorted(sys.modules)))\n"
    plain_script = tmp_path / "plain.py"
    plain_script.write_text(source, encoding="utf-8")
    plain = set(_stdout([sys.executable, str(plain_script)], tmp_path).split())
    via_runpy = f"import runpy; runpy.run_path({str(plain_script)!r}, run_name='__main__')"
    with_runpy = set(_stdout([sys.executable, "-c", via_runpy], tmp_path).split())
    record = run_driver(tmp_path, source)
    assert record["status"] == "ok"
    seen = set(record["stdout_tail"].split())
    assert plain <= seen
    assert seen - plain <= with_runpy - plain
    assert not {"argparse", "json", "threading", "subprocess", "traceback"} & seen


def _stdout(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=cwd)
    return done.stdout


def test_versions_are_what_importlib_metadata_finds(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"

    def dist(site: Path, directory: str, version: str, name: str = "x") -> None:
        (site / directory).mkdir(parents=True)
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nVersion: 0\n"
        file = "PKG-INFO" if directory.endswith(".egg-info") else "METADATA"
        (site / directory / file).write_text(metadata, encoding="utf-8")

    dist(first, "Keras-3.12.0.dist-info", "3.12.0")  # case and separators are normalized
    dist(first, "tf_keras-2.15.1.dist-info", "2.15.1")
    dist(first, "jax.egg-info", "0.4.30")
    dist(first, "jaxlib_extra-1.0.dist-info", "1.0")  # a longer name is another project
    dist(second, "keras-2.15.0.dist-info", "2.15.0")  # shadowed by the first path entry
    dist(second, "numpy-1.26.4.dist-info", "1.26.4")
    scenario = tmp_path / "scenario.py"
    scenario.write_text("", encoding="utf-8")
    environ = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{first}:{second}"}
    done = subprocess.run(
        [sys.executable, "-S", driver.__file__, "run", str(scenario)],
        capture_output=True,
        text=True,
        check=True,
        env=environ,
    )
    versions = json.loads(done.stdout.strip().splitlines()[-1][len(driver.MARKER) :])["versions"]
    expected = {
        "keras": "3.12.0",
        "tf-keras": "2.15.1",
        "jax": "0.4.30",
        "numpy": "1.26.4",
        "jaxlib": None,
        "tensorflow": None,
    }
    assert {name: versions[name] for name in expected} == expected
    # The same answers as importlib.metadata over the same path.
    for name in driver.PACKAGES:
        found = next(iter(metadata.distributions(name=name, path=[str(first), str(second)])), None)
        assert versions[name] == (found.version if found else None), name


def test_error_at_call_time(tmp_path: Path) -> None:
    record = run_driver(
        tmp_path,
        """\
        import json

        def build():
            return json.loads("{")

        build()
    """,
    )
    assert record["status"] == "error"
    error = record["exception"]
    assert error["type"] == "json.decoder.JSONDecodeError"
    assert error["message"].startswith("Expecting property name enclosed in double quotes")
    assert error["phase"] == "call"
    # The innermost scenario frame: the scenario's own line that called into the library.
    assert error["scenario_line"]["line"] == 4
    assert error["scenario_line"]["code"] == 'return json.loads("{")'
    assert error["raised_at"]["file"].endswith("json/decoder.py")
    assert "driver.py" not in error["traceback"]
    assert error["traceback"].startswith("Traceback (most recent call last):")


def test_error_at_import_time(tmp_path: Path) -> None:
    record = run_driver(tmp_path, "import os\nimport no_such_module_here\n")
    error = record["exception"]
    assert (error["type"], error["message"]) == (
        "ModuleNotFoundError",
        "No module named 'no_such_module_here'",
    )
    assert error["phase"] == "import"
    assert error["scenario_line"]["line"] == 2


def test_chained_cause(tmp_path: Path) -> None:
    record = run_driver(
        tmp_path,
        """\
        try:
            {}["k"]
        except KeyError as exc:
            raise ValueError("wrapped") from exc
    """,
    )
    assert record["exception"]["chain"] == [{"type": "KeyError", "message": "'k'"}]


def test_nonzero_exit_without_exception_is_a_crash(tmp_path: Path) -> None:
    record = run_driver(tmp_path, "import os\nos._exit(3)\n")
    assert record["status"] == "crashed"
    assert record["reason"] == "exited with code 3 and no Python exception"


def test_killed_by_signal(tmp_path: Path) -> None:
    record = run_driver(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert record["status"] == "crashed"
    assert record["reason"] == "killed by SIGSEGV"


def test_sys_exit_zero_is_ok(tmp_path: Path) -> None:
    assert run_driver(tmp_path, "import sys\nsys.exit(0)\n")["status"] == "ok"


def test_timeout_kills_the_scenario(tmp_path: Path) -> None:
    record = run_driver(tmp_path, "import time\ntime.sleep(30)\n", "--timeout", "1")
    assert record["status"] == "timeout"
    assert record["duration_s"] < 10


def test_keras_json_is_installed_in_home(tmp_path: Path, monkeypatch: Any) -> None:
    config = tmp_path / "keras.json"
    config.write_text('{"backend": "theano"}', encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    record = run_driver(
        tmp_path,
        """\
        import os
        print(open(os.path.expanduser("~/.keras/keras.json")).read())
    """,
        "--keras-json",
        str(config),
    )
    assert record["stdout_tail"].strip() == '{"backend": "theano"}'


def test_an_exception_that_escaped_is_an_error_even_if_the_process_exits_0(
    tmp_path: Path,
) -> None:
    record = run_driver(
        tmp_path, "import atexit, os\natexit.register(os._exit, 0)\nraise KeyError('k')\n"
    )
    assert (record["status"], record["exit_code"]) == ("error", 0)
    assert record["exception"]["type"] == "KeyError"


def test_a_forged_exception_record_is_reported_as_tampering(tmp_path: Path) -> None:
    # The scenario shares its process with the child's record pipe: writing to it is evidence.
    source = """
        import os
        for fd in map(int, os.listdir('/proc/self/fd')):
            try:
                os.write(fd, b'{"type": "Forged", "message": "x"}') if fd > 2 else None
            except OSError:
                pass
        raise ValueError('real')
    """
    record = run_driver(tmp_path, source)
    assert record["status"] == "crashed"
    assert record["reason"] == (
        "record tampered: the exception channel held something other than one record"
    )


def test_display_is_the_last_line_as_python_prints_it(tmp_path: Path) -> None:
    source = """
        class Thing:
            register_call_context_function = None
        Thing().register_load_context_function
    """
    record = run_driver(tmp_path, source)
    exception = record["exception"]
    message = "'Thing' object has no attribute 'register_load_context_function'"
    assert exception["message"] == message
    printed = (
        subprocess.run(
            [sys.executable, tmp_path / "scenario.py"], capture_output=True, text=True, check=False
        )
        .stderr.rstrip("\n")
        .splitlines()[-1]
    )
    assert exception["display"] == printed
    assert exception["display"].endswith(". Did you mean: 'register_call_context_function'?")


def test_display_keeps_exception_notes(tmp_path: Path) -> None:
    source = """
        error = ValueError('bad value')
        if hasattr(error, 'add_note'):
            error.add_note('a note the user saw')
        raise error
    """
    exception = run_driver(tmp_path, source)["exception"]
    if sys.version_info >= (3, 11):
        assert exception["display"] == "ValueError: bad value\na note the user saw"
    else:
        assert exception["display"] == "ValueError: bad value"


def test_outside_a_container_the_guard_kills_only_the_scenarios_session(tmp_path: Path) -> None:
    guard = run_driver(tmp_path, "print('hi')\n")["guard"]
    assert guard == {"undumpable": True, "pid1": False, "leftovers_killed": 0}


def test_every_package_a_cell_records_is_one_a_report_can_pin() -> None:
    # The driver keeps its own list (it runs alone in the container); a report's pin of a
    # package the tables show must be kept, or a reproduction could not set that version.
    assert set(driver.PACKAGES) <= set(PINNED_PACKAGES)
    assert not set(PINNED_PACKAGES) & set(PACKAGING_TOOLS)
    # Reports' names are canonicalized before they are looked up in these lists.
    for name in (*driver.PACKAGES, *PINNED_PACKAGES, *PACKAGING_TOOLS):
        assert str(canonicalize_name(name)) == name, name
    assert len(set(driver.PACKAGES)) == len(driver.PACKAGES)
    assert len(set(PINNED_PACKAGES)) == len(PINNED_PACKAGES)
