"""Text a cell produced, in every format: shown exactly, never read as markup or a formula.

The Markdown helpers are checked against a real CommonMark renderer for any text (hypothesis);
then a run whose cells hold a hostile message, type, frame, output and versions is rendered in
all four formats, and so are `repro`'s report, `diff --format md` and `bisect`'s table.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from harness.repro.bisection import Observation, Result, side_by_side
from harness.repro.reproduce import REPORTED, Variant, claim_of, markdown
from harness.repro.request import Request
from harness.repro.session import Setting, Setup, build_matrix
from harness.results import formats
from harness.results.diff import diff_runs, render_markdown
from harness.results.formats.csvdoc import neutralised
from harness.results.markdown_escape import code_block, code_span, escape_text
from harness.results.outcome import RaisedError, signature_of
from harness.results.records import Run
from harness.results.runmeta import RunMeta
from harness.results.views import Report
from tests.hostile_rendering import (
    FILE,
    FUNCTION,
    MESSAGE,
    TRACEBACK,
    TYPE,
    TYPE_NAME,
    assert_csv_neutral,
    assert_markdown_inert,
    code_texts,
    csv_original,
    hostile_outcomes,
    hostile_report,
    one_line,
    outcome_of,
    plain_texts,
    strong_texts,
    tokens,
)

ROOT = Path(__file__).resolve().parent.parent
# Anything but NUL (which CommonMark replaces) and lone surrogates (not text).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
# No deadline: on a shared machine a slow parse is load, not a failure of these properties.
PROPERTY = settings(max_examples=300, deadline=None)


def _table_cell(markdown: str) -> list[str]:
    """Token types and contents of the one body cell of a one-column GFM table."""
    found = list(tokens(f"| head |\n|---|\n| {markdown} |\n"))
    start = next(i for i, t in enumerate(found) if t.type == "td_open")
    inline = found[start + 1]
    return [f"{t.type}:{t.content}" for t in inline.children or ()]


@PROPERTY
@given(TEXT)
def test_escaped_text_reads_back_exactly_as_plain_text(text: str) -> None:
    expected = one_line(text)
    in_table = _table_cell(escape_text(text))
    assert all(c.startswith("text:") for c in in_table), in_table
    assert "".join(c.removeprefix("text:") for c in in_table) == expected
    # After the harness's own words on a line, as in a list item.
    found = list(tokens(f"- note: «{escape_text(text)}»\n"))
    inline = next(t for t in found if t.type == "inline").children or ()
    assert {t.type for t in inline} == {"text"}
    assert "".join(t.content for t in inline) == f"note: «{expected}»"


@PROPERTY
@given(TEXT)
def test_a_code_span_holds_the_text_exactly_in_a_table_and_out(text: str) -> None:
    expected = [f"code_inline:{one_line(text)}"] if one_line(text) else []
    assert _table_cell(code_span(text, in_table=True)) == expected
    inline = next(t for t in tokens(f"Seen: {code_span(text, in_table=False)}") if t.children)
    assert [f"{t.type}:{t.content}" for t in inline.children or () if t.type != "text"] == expected


@PROPERTY
@given(TEXT)
def test_a_code_block_cannot_be_closed_by_its_text(text: str) -> None:
    block = code_block(text, "text")
    found = [t for t in tokens(block + "\n\n<script>after</script>\n") if t.type == "fence"]
    assert len(found) == 1
    # CommonMark reads any line ending as "\n", and the block ends with one.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    assert found[0].content == lines + "\n"
    assert found[0].info == "text"


def test_the_helpers_keep_ordinary_text_readable() -> None:
    assert escape_text("ModuleNotFoundError E1") == "ModuleNotFoundError E1"
    assert escape_text("unable to import invalid_backend") == "unable to import invalid_backend"
    assert escape_text("Dense.__init__() <b>") == r"Dense.\_\_init\_\_() &lt;b&gt;"
    assert code_span("No module named 'x'", in_table=True) == "`No module named 'x'`"
    assert code_span("a`b | c", in_table=True) == r"``a`b \| c``"
    assert code_span("`x`", in_table=False) == "`` `x` ``"


# --- a run whose cells hold the hostile text --------------------------------------------------


def test_the_markdown_table_shows_the_hostile_text_and_no_markup() -> None:
    text = formats.render(hostile_report(), "md")
    assert_markdown_inert(text)
    codes = code_texts(text)
    # The legend shows the message, clipped, as one code span; the signature, all of it.
    assert one_line(MESSAGE)[:159] + "…" in codes
    assert f"{TYPE}: {MESSAGE}\n" in codes
    assert f"{FILE}:2 in {FUNCTION}" in codes
    assert strong_texts(text) == ["Bold"]  # the table's own, not the message's **bold**
    cells = plain_texts(text)
    assert f"{TYPE_NAME} E1" in cells  # the grid
    assert f"E1: {TYPE_NAME} (1 cell, fails at call)" in cells  # the signature's heading
    assert "six <b>1.16.0</b>" in cells  # a version, shown as it was recorded


def test_the_repro_report_shows_the_hostile_text_and_only_its_own_tags(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text("raise SystemExit('```')\n", encoding="utf-8")
    request = Request(
        python="3.11",
        steps=("six==1.16.0",),
        env={"KERAS_BACKEND": "`<img src=x onerror=alert(5)>|"},
        keras_json={"backend": "``</details><script>alert(6)</script>"},
        code=snippet.read_text(encoding="utf-8") + "```\n<script>alert(7)</script>\n",
        code_origin="test",
        extracted=(),
        assumed=(),
        reported_error=None,
        source=tmp_path / "report.md",
    )
    setups = (Setup(name="six-1.16.0", steps=("six==1.16.0",)), Setup(name="six", steps=("six",)))
    matrix = build_matrix(
        source=request.source,
        snippet=snippet,
        python="3.11",
        setups=setups,
        settings=(Setting(name=REPORTED, env=request.env),),
        claim=claim_of(request),
        template_dir=ROOT / "dockerfiles",
    )
    raised = hostile_outcomes()[0]
    outcomes = [replace(raised, environment=s.name, backend=REPORTED) for s in setups]
    variants = [Variant(setup=s, label=f"{s.name} `<b>`") for s in setups]
    text = markdown(request, matrix, outcomes, variants, run_dir=tmp_path / "run", note=None)
    own = {"<details><summary>Traceback</summary>", "</details>", "<sub>", "</sub>"}
    own |= {"<details><summary>Reproduce anywhere</summary>"}
    rendered = assert_markdown_inert(text, own_html=own)
    codes = code_texts(text)
    # The outcome: a message over several lines by its first, the rest in the traceback.
    assert f"{TYPE}: {MESSAGE.splitlines()[0]}" in codes
    assert TRACEBACK in codes
    assert request.code in codes
    assert f"{TYPE_NAME}: {one_line(MESSAGE)[:80]}" in codes  # the neighbours' table
    assert "KERAS_BACKEND=`<img src=x onerror=alert(5)>|" in codes
    assert rendered.count("<details>") == 2


def test_diff_and_bisect_markdown_show_the_hostile_text_and_no_markup() -> None:
    before = Run.of([outcome_of("raises", "ok")], RunMeta(run_id="a"))
    after = Run.of(hostile_outcomes()[:1], RunMeta(run_id="b"))
    text = render_markdown(diff_runs(before, after))
    assert_markdown_inert(text)
    assert strong_texts(text) == []
    raised = hostile_outcomes()[0]
    ok = outcome_of("raises", "ok")
    result = Result(
        before=Observation(version=Version("1.0"), key="ok", outcome=ok),
        after=Observation(version=Version("1.1"), key="e", outcome=raised),
        observations=(),
        skipped=(),
    )
    table = side_by_side("six", result)
    assert_markdown_inert(table)
    assert f"{TYPE}: {one_line(MESSAGE)}"[:200] in code_texts(table)


def test_csv_turns_every_formula_into_text_and_keeps_numbers() -> None:
    report = hostile_report()
    rows = assert_csv_neutral(formats.render(report, "csv"))
    messages = {row["scenario"]: row["message"] for row in rows}
    assert messages["raises"] == "'" + MESSAGE
    assert messages["leading0"] == "'+1+1"
    assert messages["leading3"] == "'\t=1+1"
    assert messages["leading5"] == "''=1+1"  # already quoted: one more, so it reads back
    assert messages["leading7"] == "-11"
    assert messages["leading8"] == "-0.5"
    originals = {o.scenario: (o.error.message if o.error else o.reason) for o in report.outcomes}
    assert {s: csv_original(m) for s, m in messages.items()} == originals
    assert neutralised("1.0") == "1.0"
    assert neutralised("-1e5") == "-1e5"
    assert neutralised("-inf") == "'-inf"


def test_json_keeps_the_exact_text() -> None:
    document = json.loads(formats.render(hostile_report(), "json"))
    cell = next(c for c in document["cells"] if c["scenario"] == "raises")
    assert cell["error"]["type"] == TYPE
    assert cell["error"]["message"] == MESSAGE
    assert cell["error"]["traceback"] == TRACEBACK
    assert cell["error"]["raised_at"] == {
        "file": FILE,
        "line": 2,
        "function": FUNCTION,
        "code": None,
    }
    assert (cell["stdout_tail"], cell["pip_conflicts"]) == (MESSAGE + "\n", [MESSAGE])
    assert next(c for c in document["cells"] if c["scenario"] == "crashes")["reason"] == MESSAGE
    assert document["signatures"][0]["message"] == MESSAGE


def test_html_escapes_every_text_from_a_cell() -> None:
    page = formats.render(hostile_report(), "html")
    assert page.count("<script") == 1  # the page's own
    assert "<img" not in page
    assert "<svg" not in page
    assert "&lt;script&gt;window.pwned=&#39;script&#39;" in page


def test_a_lone_surrogate_in_a_message_is_recorded_as_a_replacement_character() -> None:
    # `raise ValueError("\\udc80")`: the driver's JSON carries it; no file or hash could.
    record = {
        "type": "ValueError",
        "message": "bad \udc80",
        "traceback": "x \udc80",
        "chain": [{"type": "KeyError", "message": "\ud800"}],
    }
    error = RaisedError.parse(record)
    assert error is not None
    assert (error.message, error.traceback) == ("bad \ufffd", "x \ufffd")
    assert error.chain == ({"type": "KeyError", "message": "\ufffd"},)
    outcome = outcome_of(
        "s", "error", error=error, signature=signature_of(error.type, error.message)
    )
    report = Report.build(Run.of([outcome], RunMeta(run_id="?")))
    for name in formats.FORMATS:
        text = formats.render(report, name)
        text.encode("utf-8")  # every format can be written
        if name in ("md", "html", "json", "csv", "junit"):  # those that show messages
            assert "bad \ufffd" in text


def test_the_ci_summary_shows_the_hostile_text_and_no_markup() -> None:
    # The summary goes into $GITHUB_STEP_SUMMARY, which GitHub renders as Markdown.
    text = formats.render(hostile_report(), "summary")
    assert_markdown_inert(text)


def test_a_note_that_is_also_an_assumption_is_listed_once(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import six\n", encoding="utf-8")
    moved = "Python 3.11 instead of 3.12: no Debian suite ships Python 3.12"
    request = Request(
        python="3.11",
        steps=("six==1.16.0",),
        env={},
        keras_json=None,
        code="import six\n",
        code_origin="test",
        extracted=(),
        assumed=(moved,),
        reported_error=None,
        source=tmp_path / "report.md",
    )
    setups = (Setup(name="six-1.16.0", steps=("six==1.16.0",)),)
    matrix = build_matrix(
        source=request.source,
        snippet=snippet,
        python="3.11",
        setups=setups,
        settings=(Setting(name=REPORTED, env=request.env),),
        claim=claim_of(request),
        template_dir=ROOT / "dockerfiles",
    )
    outcomes = [replace(hostile_outcomes()[0], environment="six-1.16.0", backend=REPORTED)]
    variants = [Variant(setup=setups[0], label="six-1.16.0")]
    text = markdown(request, matrix, outcomes, variants, run_dir=tmp_path / "run", note=moved)
    assert text.count(moved) == 1
    assert f"- assumed: {moved}" in text
