"""`harness diff` on recorded runs: what changed, how it reads, and the exit code CI watches."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli.app import main
from harness.results.diff import diff_runs, render_markdown, render_text
from harness.results.records import Run
from harness.results.rundir import RunDir
from tests.golden_files import assert_golden

RUNS = Path(__file__).resolve().parent / "data" / "runs"
RECORDED, EDITED = RUNS / "recorded", RUNS / "edited"


def load(path: Path) -> Run:
    return Run.load(RunDir(path=path))


def test_each_kind_of_change_is_found() -> None:
    found = diff_runs(load(RECORDED), load(EDITED))
    kinds = {change.cell_id: change.kind for change in found.changes}
    assert kinds == {
        "py3.11/tf-2.15/invalid/missing_tensorflow": "newly_failing",
        "py3.11/tf-2.15/unset/version_mismatch": "fixed",
        "py3.11/keras3-only/invalid/missing_tensorflow": "different_error",
        "py3.11/tf-2.15/invalid/history_before_fit": "different_message",
        "py3.11/keras3-only/jax/missing_tensorflow": "added",
        "py3.11/tf-2.15_then_keras-3/unset/history_interrupted_fit": "removed",
    }
    assert found.versions == (
        ("py3.11/keras3-only/unset/history_before_fit", "numpy 2.4.6 → 2.4.7"),
    )
    assert found.unchanged == 27
    assert found.exit_code == 1
    message = next(c for c in found.changes if c.kind == "different_message")
    assert message.detail.endswith("; the article's claim is now reproduced")


def test_reverse_diff_swaps_fixed_and_newly_failing() -> None:
    kinds = {c.cell_id: c.kind for c in diff_runs(load(EDITED), load(RECORDED)).changes}
    assert kinds["py3.11/tf-2.15/invalid/missing_tensorflow"] == "fixed"
    assert kinds["py3.11/tf-2.15/unset/version_mismatch"] == "newly_failing"
    assert kinds["py3.11/keras3-only/jax/missing_tensorflow"] == "removed"


def test_a_run_against_itself_has_no_change() -> None:
    found = diff_runs(load(RECORDED), load(RECORDED))
    assert (found.changes, found.versions, found.exit_code) == ((), (), 0)
    assert "No cell changed its outcome (32 cells compared)." in render_text(found)


def test_text_and_markdown_golden() -> None:
    found = diff_runs(load(RECORDED), load(EDITED))
    assert_golden("diff-recorded-edited.txt", render_text(found))
    assert_golden("diff-recorded-edited.md", render_markdown(found))


@pytest.mark.parametrize(
    ("runs", "code"),
    [((RECORDED, EDITED), 1), ((RECORDED, RECORDED), 0), ((RECORDED, RUNS / "missing"), 6)],
    ids=["changed", "unchanged", "missing-run"],
)
def test_exit_code_says_whether_anything_changed(runs: tuple[Path, Path], code: int) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["diff", str(runs[0]), str(runs[1])])
    assert stopped.value.code == code


def test_markdown_report_is_printed_and_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["diff", str(RECORDED), str(EDITED), "--format", "md", "-o", str(tmp_path / "d.md")])
    printed = capsys.readouterr().out
    assert printed.startswith("# Changes between two runs")
    assert (tmp_path / "d.md").read_text(encoding="utf-8") == printed


def test_bad_usage_is_exit_code_2() -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["diff", str(RECORDED)])
    assert stopped.value.code == 2
