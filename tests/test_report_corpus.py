"""The report corpus (tests/data/reports/*.md with a `.expected.yaml` sidecar), scored field by
field against what `harness repro --dry-run --json` would print. PyPI answers come from the
recordings in tests/data/pypi; nothing here touches the network."""

from __future__ import annotations

import datetime
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.repro.request import Flags, as_json, read_source, resolve
from tests.pypi_fake import recorded_index, recording_of

REPORTS = Path(__file__).parent / "data" / "reports"
SIDECARS = sorted(REPORTS.glob("*.expected.yaml"))
FIELDS = ("python", "steps", "env", "keras_json", "code", "claim", "as_of")


def report_of(sidecar: Path) -> Path:
    return sidecar.with_name(sidecar.name.removesuffix(".expected.yaml") + ".md")


def extraction_of(
    sidecar: Path, asked: list[str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    given = expected.get("given_as_of")
    report = report_of(sidecar)
    extraction, _ = read_source(report)
    request = resolve(
        report,
        extraction,
        Flags(),
        recorded_index(asked),
        as_of=datetime.date.fromisoformat(str(given)) if given else None,
    )
    return expected, as_json(request)


def mismatches(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    wrong = []
    for field in FIELDS:
        want = expected.get(field)
        got = found[field]
        if field == "code":
            # "^text": the code starts with it (nothing the report did not run comes first).
            ok = all(
                got.startswith(part[1:]) if part.startswith("^") else part in got
                for part in want or ()
            )
        elif field == "as_of":
            ok = (str(want) if want else None) == got
        else:
            ok = want == got
        if not ok:
            wrong.append(f"{field}: expected {want!r}, got {got!r}")
    return wrong


def test_the_corpus_is_large_enough_and_every_report_has_its_sidecar() -> None:
    assert len(SIDECARS) >= 30
    for sidecar in SIDECARS:
        assert report_of(sidecar).is_file(), sidecar
        expected = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        assert set(expected) <= {*FIELDS, "given_as_of"}, sidecar
        assert {"python", "steps", "code", "claim"} <= set(expected), sidecar


def test_the_whole_corpus_is_read_as_expected() -> None:
    failures: list[str] = []
    scored = 0
    for sidecar in SIDECARS:
        expected, found = extraction_of(sidecar)
        wrong = mismatches(expected, found)
        scored += len(FIELDS)
        failures += [f"{report_of(sidecar).name}: {w}" for w in wrong]
    score = 1 - len(failures) / scored
    assert not failures, f"score {score:.1%}:\n" + "\n".join(failures)


def test_extraction_asks_only_the_recordings_and_never_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was asked")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    asked: list[str] = []
    for sidecar in SIDECARS:
        extraction_of(sidecar, asked)
    assert asked, "no PyPI answer was needed at all"
    assert {name for name in asked if not recording_of(name).is_file()} == set()
    # Each command asks PyPI once per package at most (the index caches its answers).
    per_report: list[str] = []
    extraction_of(SIDECARS[0], per_report)
    assert len(per_report) == len(set(per_report))


def test_the_json_has_exactly_the_documented_keys() -> None:
    _, found = extraction_of(REPORTS / "k3_no_tf_python_c.expected.yaml")
    assert list(found) == [
        "python",
        "steps",
        "env",
        "keras_json",
        "code",
        "claim",
        "as_of",
        "assumptions",
    ]


def test_json_without_dry_run_is_refused_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "repro", str(REPORTS / "pip_list.md"), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: --json prints the extraction: use it with --dry-run\n"
