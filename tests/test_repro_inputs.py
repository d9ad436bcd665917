"""Each way into `harness repro`: a file, standard input, a GitHub issue (by URL and by
OWNER/REPO#N, from recorded API responses over a local server), the flags alone, and the
ways each can fail. No test here touches the network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import repro_bisect as repro_cli
from harness.cli.app import cli
from harness.pypi import PackageIndex
from harness.repro.github import IssueReference, fetch_issue
from harness.repro.report_source import read_report
from harness.repro.request import Flags, resolve
from tests.github_fake import recorded_fetch, serve
from tests.pypi_fake import NO_REQUIREMENTS, fake_index, release_json

E2E = Path(__file__).parent / "data" / "reports" / "e2e"
ISSUE_URL = "https://github.com/acme-ml/keras-issues/issues/1207"


def harness(
    *args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [sys.executable, "-m", "harness", *args],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert (done.returncode, done.stdout) == (code, ""), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: connecting to it is refused


def test_a_file() -> None:
    report = E2E / "keras3_without_tensorflow_template.md"
    done = harness("repro", str(report), "--dry-run")
    assert done.returncode == 0, done.stderr
    # The terminal may wrap a long path anywhere; compare without whitespace.
    assert f"extractedfrom{report}:" in "".join(done.stderr.split())
    assert "step 1: pip install keras==3.12.0" in done.stderr


def test_standard_input() -> None:
    text = (E2E / "tf216_then_keras215.md").read_text(encoding="utf-8")
    done = harness("repro", "-", "--dry-run", stdin=text)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "extracted from standard input:" in said
    assert "code <- <stdin>:" in said
    assert "step 1: pip install tensorflow-cpu==2.16.2" in said
    assert "step 2: pip install keras==2.15.0" in said
    assert "<- AttributeError: module" in said and "claimed error" in said


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "error: <stdin>: empty; pipe a report in"),
        (b"Keras 3.12.0\n\xff\n", "error: <stdin>:2: cannot read: not UTF-8 text (byte 13)"),
        (b"With Keras 3.12.0 it is slow.\n", "error: <stdin>: no code to run"),
    ],
)
def test_standard_input_refused_in_one_line(data: bytes, words: str) -> None:
    assert one_line(harness("repro", "-", "--dry-run", stdin=data), 2).startswith(words)


@pytest.mark.parametrize("reference", [ISSUE_URL, "acme-ml/keras-issues#1207"])
def test_a_github_issue_from_recorded_responses(reference: str) -> None:
    with serve() as api:
        done = harness(
            "repro",
            reference,
            "--dry-run",
            env={**api.env(), "GITHUB_TOKEN": "ghp_recorded"},
        )
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert f"extracted from {ISSUE_URL}:" in said
    assert (
        "opened by mlopez-dev on 2025-11-04: title, body and 2 comment(s) of the author's own; "
        "1 comment(s) by others left out"
    ) in said
    assert "KERAS_BACKEND=pytorch <- report" in said
    assert "<- ValueError: Unable to import backend : pytorch" in said
    assert "step 1: pip install keras==3.12.0" in said
    assert "keras==3.13.0" not in said  # the maintainer's suggestion is not the report
    assert "KERAS_BACKEND=jax" not in said
    assert api.paths == [
        "/repos/acme-ml/keras-issues/issues/1207",
        "/repos/acme-ml/keras-issues/issues/1207/comments?per_page=100&page=1",
    ]
    assert {h["Authorization"] for h in api.headers} == {"Bearer ghp_recorded"}


def test_no_token_no_authorization_header() -> None:
    with serve() as api:
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
        done = subprocess.run(
            [sys.executable, "-m", "harness", "repro", "acme-ml/keras-issues#1207", "--dry-run"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env={**env, **api.env()},
        )
    assert done.returncode == 0, done.stderr
    assert all("Authorization" not in h for h in api.headers)


def test_github_unreachable_is_one_line_and_exit_8() -> None:
    port = closed_port()
    done = harness(
        "repro",
        ISSUE_URL,
        "--dry-run",
        env={"GITHUB_API_URL": f"http://127.0.0.1:{port}", "NO_PROXY": "127.0.0.1"},
    )
    line = one_line(done, 8)
    assert line.startswith(
        f"error: acme-ml/keras-issues#1207: cannot reach GitHub (http://127.0.0.1:{port}): "
    )


def test_an_unknown_issue_is_one_line_and_exit_2() -> None:
    with serve() as api:
        done = harness("repro", "acme-ml/keras-issues#9", "--dry-run", env=api.env())
    assert one_line(done, 2).startswith(
        "error: acme-ml/keras-issues#9: GitHub has no such issue or pull request (HTTP 404"
    )


def test_a_malformed_reference_is_one_line_and_exit_2() -> None:
    done = harness("repro", "https://github.com/acme-ml/keras-issues/issue/12", "--dry-run")
    assert one_line(done, 2).startswith(
        "error: https://github.com/acme-ml/keras-issues/issue/12: not an issue or pull request;"
    )


def test_a_file_wins_over_a_name_that_looks_like_a_reference(tmp_path: Path) -> None:
    report = tmp_path / "acme-ml" / "keras-issues#1207"
    report.parent.mkdir()
    report.write_text("keras==3.12.0\n```python\nimport keras\n```\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "harness", "repro", "acme-ml/keras-issues#1207", "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "GITHUB_API_URL": f"http://127.0.0.1:{closed_port()}"},
    )
    assert done.returncode == 0, done.stderr
    assert "extracted from acme-ml/keras-issues#1207:" in done.stderr


def test_the_flags_alone(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import keras\n", encoding="utf-8")
    done = harness(
        "repro",
        "--python",
        "3.11",
        "--pip",
        "tensorflow==2.16.1",
        "--pip",
        "keras==2.15.0",
        "--script",
        str(snippet),
        "--dry-run",
    )
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "extracted from the command line:" in said
    assert f"code <- {snippet}" in said
    assert "step 1: pip install tensorflow==2.16.1 step 2: pip install keras==2.15.0" in said


@pytest.mark.parametrize(
    ("flags", "missing"),
    [
        ((), "no --pip ARGS or --script FILE"),
        (("--pip", "keras==3.12.0"), "no --script FILE"),
        (("--script", "snippet.py", "--python", "3.11"), "no --pip ARGS"),
    ],
)
def test_no_report_and_not_enough_flags(flags: tuple[str, ...], missing: str) -> None:
    line = one_line(harness("repro", *flags, "--dry-run"), 2)
    assert line == (
        "error: no REPORT (a file, - for standard input, or a GitHub issue), "
        f"and {missing} to take its place\n"
    )


def test_a_missing_script_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "gone.py"
    line = one_line(harness("repro", "--pip", "keras==3.12.0", "--script", str(script)), 2)
    assert line == f"error: --script {script}: cannot read: No such file or directory\n"


def _index_with_upload_times() -> PackageIndex:
    """tensorflow and keras releases with the days PyPI received them."""
    uploads = {
        "tensorflow": {"2.16.1": "2024-03-08", "2.16.2": "2024-06-28", "2.17.0": "2024-07-11"},
        "keras": {"2.15.0": "2023-11-14", "3.1.1": "2024-03-15", "3.3.3": "2024-04-26"},
    }

    def fetch(url: str) -> bytes:
        if release_json(url):
            return NO_REQUIREMENTS
        name = url.rstrip("/").split("/")[-2]
        releases = {
            version: [
                {
                    "filename": f"{name}-{version}-py3-none-any.whl",
                    "requires_python": ">=3.9",
                    "yanked": False,
                    "upload_time_iso_8601": f"{day}T18:00:00.000000Z",
                }
            ]
            for version, day in uploads.get(name, {}).items()
        }
        return json.dumps({"releases": releases}).encode()

    return PackageIndex(fetch)


def test_the_issue_s_creation_date_resolves_partial_versions() -> None:
    # Opened 2024-04-10, naming "TF 2.16": 2.16.1 was current then; 2.16.2 came in June.
    source = read_report(
        "https://github.com/acme-ml/keras-issues/pull/1311",
        Flags(),
        fetch_issue=lambda reference: fetch_issue(reference, recorded_fetch()),
    )
    assert source.as_of == date(2024, 4, 10)
    assert source.label == "acme-ml/keras-issues#1311"
    request = resolve(
        source.path, source.extraction, Flags(), _index_with_upload_times(), as_of=source.as_of
    )
    assert request.pinned()["tensorflow"] == "2.16.1"
    assert (
        "tensorflow 2.16.1: the latest 2.16.x release on PyPI for Python 3.10 out by 2024-04-10 "
        "(the report says 2.16)"
    ) in request.assumed
    # The author's own comment counts; the maintainer's question does not.
    assert request.env == {"TF_USE_LEGACY_KERAS": "1"}
    # Without the issue's date, the report cannot predate the releases it names: "TF 2.16"
    # and "keras 2.15" are resolved as of the first TF 2.16 release, not today.
    undated = resolve(source.path, source.extraction, Flags(), _index_with_upload_times())
    assert undated.pinned()["tensorflow"] == "2.16.1"
    assert undated.as_of is None
    assert any(a.startswith("as of 2024-03-08: the report gives no date") for a in undated.assumed)


def test_cross_major_is_an_opt_in_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(repro_cli, "_index", fake_index)
    report = tmp_path / "r.md"
    report.write_text("Keras version: 3.10.0\n```python\nimport keras\n```\n", encoding="utf-8")
    within = CliRunner().invoke(cli, ["repro", str(report), "--neighbours", "--dry-run"])
    assert within.exit_code == 0, within.output
    assert "neighbour: keras 3.11.3 (next minor): pip install keras==3.11.3" in within.output
    assert "2.15.0" not in within.output
    crossing = CliRunner().invoke(
        cli, ["repro", str(report), "--neighbours", "--cross-major", "--dry-run"]
    )
    assert crossing.exit_code == 0, crossing.output
    assert "neighbour: keras 2.15.0 (previous major): pip install keras==2.15.0" in crossing.output
    assert "neighbour: keras 3.11.3 (next minor): pip install keras==3.11.3" in crossing.output


def test_the_issue_reference_type_names_it() -> None:
    assert str(IssueReference(owner="o", repo="r", number=3)) == "o/r#3"
