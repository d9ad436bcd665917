"""Shapes the surveys of real reports left open: an import written in prose while describing a
change, a proposal or a library (not run); a fix's `pip install` in a write-up's solution part
or a later answer; exception messages over several lines; a compatibility warning printed
before the real error."""

from __future__ import annotations

import pytest

from harness.repro.bug_report import prose_runs
from harness.repro.bug_report.parse import extract

# 1. An import span is the reporter's run only where its sentence says so.


@pytest.mark.parametrize(
    "prose",
    [
        "With TF 2.16 `import keras` will raise an error, so I changed our imports to "
        "`from tensorflow import keras`.",
        "The notebook still imports keras from tensorflow; we should use it directly, ie "
        "`import keras`.",
        "My package does `import keras` internally, and users on Keras 3 report problems.",
    ],
)
def test_an_import_described_not_run_is_no_code(prose: str) -> None:
    found = extract(f"# Keras import in our package\n\n{prose}\n")
    assert found.code is None
    assert "not as something the reporter ran" in found.no_code


@pytest.mark.parametrize(
    "prose",
    [
        "Just running `import keras` raises `ImportError: cannot import name 'x' from 'y'`.",
        "When I run `from tensorflow import keras` I get ImportError: cannot import name 'x'",
        "`import keras` alone fails with ImportError: cannot import name 'x' from 'y'",
        "The import statement:\n`import keras`\n\nImportError: cannot import name 'x' from 'y'",
    ],
)
def test_an_import_the_sentence_runs_is_the_code(prose: str) -> None:
    found = extract(f"# import fails\n\n{prose}\n")
    assert found.code is not None and "import keras" in found.code.text


def test_a_modal_after_the_span_is_a_prediction_not_a_run() -> None:
    prose = "In TF 2.16 `import keras` will raise an error."
    start = prose.index("`")
    assert not prose_runs.said_run(prose, start, prose.index("`", start + 1) + 1)
