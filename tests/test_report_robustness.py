"""`harness repro` on any text: a dry-run listing, or one line on stderr with the harness's
exit code, never a traceback; and never time that grows faster than the report.

The reports are composed from fragments (tests/report_fragments.py) and from the hostile
shapes that once crashed the reader or made a regex backtrack. PyPI is the recording in
tests/data/pypi: no network."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from harness.cli import repro_bisect as repro_cli
from harness.cli.app import main
from harness.errors import ConfigurationError, HarnessError
from harness.repro.bug_report.parse import extract
from harness.repro.request import Flags, Request, read_source, resolve
from tests.growth import grows_linearly
from tests.pypi_fake import recorded_index
from tests.report_fragments import report

CODE = "\n```python\nimport keras\nkeras.layers.Dense(1)\n```\n"
# Fixed examples, no example database: the same reports on every machine and every run.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def resolved(text: str, tmp_path: Path) -> Request:
    path = tmp_path / "report.md"
    path.write_text(text, encoding="utf-8", newline="")
    extraction, _ = read_source(path)
    return resolve(path, extraction, Flags(), recorded_index())


def refusal(text: str, directory: Path) -> HarnessError | None:
    """The harness's own error for a report, or None when it resolves; anything else raises."""
    try:
        resolved(text, directory)
    except HarnessError as exc:
        return exc
    return None


@PROPERTY
@given(text=report())
def test_any_report_resolves_or_refuses_in_one_line(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    refused = refusal(text, tmp_path_factory.mktemp("r"))
    assert refused is None or "\n" not in str(refused)


# --- Shapes that crashed the reader or the resolution -------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "pip install keras==3.0.0rc1rc2",  # two pre-release parts
        "pip install keras===arbitrary",  # pip's arbitrary equality, no release PyPI has
        "pip install kera==s",
        "pip install keras==+",
        "pip install keras==٣.٣.٣",  # Arabic-Indic digits are \d to a str regex
        "TensorFlow version: ٢.١٦",
        "tensorflow==" + "9" * 5000,  # past int()'s 4300 digits: ValueError, not InvalidVersion
        "TensorFlow version: 2." + "1" * 5000,
        "tensorflow 2.17.0-dev" + "9" * 5000,
    ],
)
def test_a_version_pip_cannot_read_is_one_line_naming_the_report(line: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        resolved(line + CODE, tmp_path)
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'report.md'}: ")
    assert "is not a version pip reads" in message
    assert len(message) < 300  # a 5000-digit version is cut, not echoed


@pytest.mark.parametrize(
    "code",
    [
        "x = " + "a." * 100_000 + "b",  # RecursionError in the compiler
        "x = " + "-" * 100_000 + "1",  # MemoryError in the parser
        "print(" + "(" * 1000 + ")" * 1000 + ")",  # too many nested parentheses
    ],
)
def test_code_nested_past_the_parser_is_no_code_not_a_crash(code: str, tmp_path: Path) -> None:
    text = f"TensorFlow version: 2.16.1\n\n```python\n{code}\n```\n"
    with pytest.raises(ConfigurationError, match="no code to run"):
        resolved(text, tmp_path)


def test_code_the_compiler_takes_is_kept_though_too_deep_to_unparse(tmp_path: Path) -> None:
    # 600 attributes deep: compile() takes it, ast.unparse (which readers call) recurses too deep.
    code = "import keras\nx = " + "a." * 600 + "b"
    request = resolved(f"TensorFlow version: 2.16.1\n\n```python\n{code}\n```\n", tmp_path)
    assert request.code == code + "\n"


def test_a_json_block_nested_past_the_decoder_is_not_keras_json(tmp_path: Path) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    for shown in (f"keras.json\n```json\n{nested}\n```", f"$ cat ~/.keras/keras.json\n{{{nested}"):
        request = resolved(shown + CODE, tmp_path)
        assert request.keras_json is None


# --- Time ---------------------------------------------------------------------------------

Shape = Callable[[int], str]


def _log(n: int) -> str:
    return "\n".join(
        f"2024-03-0{i % 9 + 1} 12:00:{i % 60:02d}.5: I tensorflow/core/platform/"
        f"cpu_feature_guard.cc:{i}] This TensorFlow binary is optimized to use available CPU"
        for i in range(n)
    )


def _traceback(n: int) -> str:
    frames = (
        f'  File "/usr/lib/python3.11/site-packages/keras/src/layers/l{i}.py", line {i}, in '
        f"call\n    x = self.layer{i}(x)"
        for i in range(n)
    )
    return "Traceback (most recent call last):\n" + "\n".join(frames) + "\nValueError: shape"


# Each shape at n and 4n characters (or lines) of the same kind. Linear reading takes about 4
# times as long; a regex that backtracks over a run takes 16 times or more. The bound is a
# ratio, so a slow or busy machine does not fail it; 8 leaves room for noise.
SHAPES: dict[str, tuple[Shape, int]] = {
    "a pasted log": (_log, 400),
    "a long traceback": (_traceback, 250),
    "a line of one word": (lambda n: "x" * n, 20_000),
    "a line of spaces": (lambda n: " " * n + "x", 2_000),
    "a line of tabs": (lambda n: "\t" * n + "x", 2_000),
    "blank lines": (lambda n: "\n" * n + "x", 8_000),
    "lines of spaces": (lambda n: " \n" * n + "x", 2_000),
    "a line of words": (lambda n: "tensorflow keras " * (n // 17), 20_000),
    "a line of dots": (lambda n: "1." * (n // 2), 4_000),
    "an attribute chain": (lambda n: "x = " + "a." * (n // 2) + "b", 4_000),
    "spaces after a working version": (lambda n: "works with keras 2.2.2" + " " * n, 2_000),
    "a line of quotes": (lambda n: "> " * (n // 2) + "x", 4_000),
    "a line of CJK": (lambda n: "版" * n, 20_000),
    "names glued to CJK": (lambda n: "用tensorflow版本" * (n // 14), 20_000),
    "dash-joined words before an import verb": (lambda n: "a-" * (n // 2) + "をインポート", 8_000),
    "full-width labels": (lambda n: "报错：" * (n // 3) + "ValueError: x", 8_000),
    "a line of entities": (lambda n: "&lt;" * (n // 4), 8_000),
    "a scraped page's tags": (lambda n: "<p>x</p><br><code>" * (n // 18), 4_000),
    "a line of curly quotes": (lambda n: "x = “a” + ‘b’ " * (n // 14), 4_000),
    "typographed options": (lambda n: "pip install" + " –x" * (n // 3), 4_000),
    "pip installs in one line": (lambda n: "pip install x " * (n // 14), 8_000),
    "uninstall lines": (
        lambda n: "pip uninstall -y keras\n" * (n // 23) + "pip install keras",
        8_000,
    ),
}


@pytest.mark.parametrize("name", SHAPES)
def test_reading_time_grows_with_the_report_not_faster(name: str) -> None:
    shape, n = SHAPES[name]
    small, large = shape(n), shape(4 * n)
    linear, said = grows_linearly(lambda: extract(small), lambda: extract(large), rounds=3)
    assert linear, f"{name}: {said}"


# --- The command line ---------------------------------------------------------------------


def dry_run(text: str, directory: Path) -> tuple[int, str]:
    """`harness repro FILE --dry-run` in this process: its exit code and all it printed."""
    path = directory / "report.md"
    path.write_text(text, encoding="utf-8", newline="")
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            main(["repro", str(path), "--dry-run"])
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
    out, err = stdout.getvalue(), stderr.getvalue()
    assert "Traceback" not in out + err
    if code:
        # A refusal, never a crash (70) nor "cells changed" (1): one line on stderr.
        assert code not in (1, 70), err
        assert out == "" and err.startswith("error: ") and err.count("\n") == 1, err
    return code, out + err


@pytest.mark.parametrize(
    "text",
    [
        "pip install keras==3.0.0rc1rc2" + CODE,
        "```python\nx = " + "a." * 5000 + "b\n```\nTensorFlow version: 2.16.1",
        "<details><summary>log</summary>\r\n\r\n```\r\n\x1b[31mValueError\x1b[0m: 模型 🔥\r\n",
        "```",
        "\ufeff> > > ``` ~~~\r" + CODE,
    ],
)
def test_the_command_line_prints_no_traceback(
    text: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(repro_cli, "_index", recorded_index)
    dry_run(text, tmp_path)


@settings(PROPERTY, max_examples=8)
@given(text=report())
def test_the_command_line_on_composed_reports(
    text: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(repro_cli, "_index", recorded_index)
        dry_run(text, tmp_path_factory.mktemp("r"))
