"""Published tables of recorded real runs: golden files for each format, and the commands."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from harness.cli.app import main
from harness.results import formats
from harness.results import table as tables
from harness.results.records import Run
from harness.results.rundir import RunDir
from harness.results.views import Report
from tests.golden_files import assert_golden

RUNS = Path(__file__).resolve().parent / "data" / "runs"
QUICK = RUNS / "quick"  # recorded before run.json had `axes` and images.json base image IDs
RECORDED = RUNS / "recorded"  # tests/data/publishing.yaml, run for real
EDITED = RUNS / "edited"  # a copy of RECORDED with changes (see tests/data/runs/README.md)
SCHEMA = Path(tables.__file__).resolve().parents[1] / "schemas" / "table.schema.json"


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_recorded_run_golden(fmt: str) -> None:
    text = tables.render(RunDir(path=RECORDED), fmt)
    assert_golden(f"recorded-table.{formats.extension(fmt)}", text)


def test_run_recorded_before_provenance_was_kept_still_renders() -> None:
    assert_golden("quick-table.md", tables.render(RunDir(path=QUICK), "md"))


def test_edited_run_shows_the_reproduced_claim_in_bold() -> None:
    text = tables.render(RunDir(path=EDITED), "md")
    assert "reproduced in 1 of 5 cells" in text
    assert "**AttributeError E" in text
    assert "`3.11/tf-2.15/invalid`" in text


@pytest.mark.parametrize("run", [QUICK, RECORDED, EDITED], ids=lambda p: p.name)
def test_json_follows_its_published_schema(run: Path) -> None:
    document = json.loads(tables.render(RunDir(path=run), "json"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert document["schema_version"] == 1
    cells = {c["id"] for c in document["cells"]}
    placed = [
        i for b in document["view"]["blocks"] for row in b["cells"] for ids in row for i in ids
    ]
    assert sorted(placed) == sorted(cells)


def test_csv_has_one_line_per_cell_each_with_its_provenance() -> None:
    rows = list(csv.DictReader(io.StringIO(tables.render(RunDir(path=RECORDED), "csv"))))
    outcomes = list(RunDir(path=RECORDED).outcomes())
    assert sorted(r["cell_id"] for r in rows) == sorted(o.cell_id for o in outcomes)
    first = rows[0]
    assert first["harness_version"] == "0.1.0"
    assert first["engine_version"] == "20.10.24+dfsg1"
    assert first["base_image_id"].startswith("sha256:fd5f0b135a5e")
    assert first["matrix_sha256"].startswith("3f9931e36c9c")
    multi_line = next(r for r in rows if r["status"] == "build_failed")
    assert "No matching distribution found for tf-keras==2.0.0" in multi_line["message"]


def test_html_is_one_self_contained_page() -> None:
    page = tables.render(RunDir(path=RECORDED), "html")
    assert "<script src" not in page
    assert "<link" not in page
    assert "url(" not in page
    assert page.count('class="detail"') == 32
    assert "in &lt;module&gt;" in page  # frames are escaped, not markup
    assert (
        "docker run --rm --label io.keras-matrix.cell=py3.11/tf-2.15/unset/missing_tensorflow"
        in page
    )


def test_rows_and_cols_choose_the_layout() -> None:
    report = Report.build(Run.load(RunDir(path=RECORDED)), rows=["scenario"], cols=["backend"])
    assert report.grid.sections == ("python", "environment")
    text = formats.render(report, "md")
    assert "## python 3.11, environment tf-2.15" in text
    assert "| scenario                | unset      | invalid           |" in text


def test_table_command_rewrites_table_md_by_default(tmp_path: Path) -> None:
    shutil.copytree(RECORDED, tmp_path / "results" / "r1")
    main(["table", "r1", "--results", str(tmp_path / "results"), "--no-print"])
    written = (tmp_path / "results" / "r1" / "table.md").read_text(encoding="utf-8")
    assert written == tables.render(RunDir(path=RECORDED), "md")


def test_table_command_prints_markdown_unless_told_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(RECORDED, tmp_path / "r1")
    main(["table", str(tmp_path / "r1")])
    assert capsys.readouterr().out.startswith("# Keras / TensorFlow compatibility matrix")


def test_table_command_writes_other_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(RECORDED, tmp_path / "r1")
    main(["table", str(tmp_path / "r1"), "--format", "html"])
    assert (
        (tmp_path / "r1" / "table.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    )
    assert capsys.readouterr().out == ""
    main(
        [
            "table",
            str(tmp_path / "r1"),
            "-f",
            "csv",
            "--rows",
            "keras",
            "-o",
            str(tmp_path / "x.csv"),
        ]
    )
    assert (tmp_path / "x.csv").read_text(encoding="utf-8").startswith('"cell_id","python",')
    main(["table", str(tmp_path / "r1"), "-f", "json", "-o", "-"])
    assert json.loads(capsys.readouterr().out)["provenance"]["run_id"] == "20261121T052821Z"


def test_unknown_axis_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["table", str(RECORDED), "--rows", "enviroment", "-o", "-"])
    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert "--rows 'enviroment': not an axis" in message
    assert "Perhaps you meant 'environment'?" in message


def test_publish_writes_every_format_to_one_place(tmp_path: Path) -> None:
    main(["publish", str(RECORDED), "--out", str(tmp_path / "published")])
    written = sorted(p.name for p in (tmp_path / "published").iterdir())
    tables_written = [f"table.{formats.extension(f)}" for f in formats.FORMATS]
    # The run's records beside its tables: the published directory reads as a run.
    assert written == sorted([*tables_written, "cells.jsonl", "images.json", "run.json"])
    assert (tmp_path / "published" / "cells.jsonl").read_bytes() == (
        RECORDED / "cells.jsonl"
    ).read_bytes()
    for fmt in formats.FORMATS:
        path = tmp_path / "published" / f"table.{formats.extension(fmt)}"
        assert path.read_text(encoding="utf-8") == tables.render(RunDir(path=RECORDED), fmt)


def test_publish_defaults_to_the_latest_run(chdir_tmp: Path) -> None:
    shutil.copytree(RECORDED, chdir_tmp / "results" / "20261121T052821Z")
    (chdir_tmp / "results" / "latest").symlink_to("20261121T052821Z")
    main(["publish"])
    assert (chdir_tmp / "results" / "published" / "table.html").is_file()


def test_the_engines_storage_driver_is_named_where_the_run_recorded_it(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(RECORDED, run)
    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
    (run / "run.json").write_text(
        json.dumps(meta | {"engine_storage_driver": "fuse-overlayfs"}), encoding="utf-8"
    )
    named = "20.10.24+dfsg1 (storage driver fuse-overlayfs)"
    assert f"- Docker engine: {named}." in tables.render(RunDir(path=run), "md")
    assert f"<dd>{named}</dd>" in tables.render(RunDir(path=run), "html")
    document = json.loads(tables.render(RunDir(path=run), "json"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert document["provenance"]["engine_storage_driver"] == "fuse-overlayfs"
    rows = csv.DictReader(io.StringIO(tables.render(RunDir(path=run), "csv")))
    assert {row["engine_storage_driver"] for row in rows} == {"fuse-overlayfs"}
