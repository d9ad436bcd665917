"""Shard plans: deterministic, balanced, grouped by image, limited to 256; `--shard auto`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config.cells import Cell, expand
from harness.config.matrix import load_matrix
from harness.errors import ConfigurationError
from harness.execute.sharding import (
    History,
    parse_shard,
    plan_shards,
    read_history,
    shard_from_environment,
)
from harness.results.rundir import CellWriter, RunDir
from harness.results.runmeta import RunMeta
from tests.builders import harness, outcome

ROOT = Path(__file__).resolve().parent.parent


def cells(images: int, per_image: int) -> list[Cell]:
    return [
        Cell(python="3.11", environment=f"env{i:02d}", backend="b", scenario=f"s{j:02d}")
        for i in range(images)
        for j in range(per_image)
    ]


def test_every_cell_is_in_exactly_one_shard_and_images_are_not_split() -> None:
    chosen = cells(12, 5)
    plan = plan_shards(chosen, 4, History.empty())
    ids = [cell.id for shard in plan.shards for cell in shard.cells]
    assert sorted(ids) == sorted(cell.id for cell in chosen)
    assert plan.builds == 12  # no group costs more than a quarter: none is cut
    assert plan.imbalance == pytest.approx(1.0)


def test_the_same_input_gives_the_same_plan_and_hash() -> None:
    chosen = cells(7, 3)
    first = plan_shards(chosen, 3, History.empty())
    again = plan_shards(list(chosen), 3, History.empty())
    assert first == again
    assert json.dumps(first.include()) == json.dumps(again.include())
    assert plan_shards(chosen, 2, History.empty()).hash != first.hash


def test_the_command_prints_byte_identical_output(tmp_path: Path) -> None:
    args = (
        "plan",
        str(ROOT / "matrix.yaml"),
        "--shards",
        "4",
        "--json",
        "--results",
        str(tmp_path),
    )
    first, second = harness(*args), harness(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    include = json.loads(first.stdout)["include"]
    assert [entry["shard"] for entry in include] == ["1/4", "2/4", "3/4", "4/4"]
    assert "cell" not in first.stdout.replace('"cells"', "")  # counts, never cell ids
    assert len(first.stdout) < 1_000_000


def test_history_balances_by_recorded_durations() -> None:
    chosen = cells(4, 2)
    slow = {c.id: 100.0 for c in chosen if c.environment == "env00"}
    history = History(build_s={}, cell_s=slow | {c.id: 1.0 for c in chosen if c.id not in slow})
    plan = plan_shards(chosen, 2, history)
    heavy = next(s for s in plan.shards if ("3.11", "env00") in s.images)
    assert heavy.images == (("3.11", "env00"),)  # the slow image has a shard to itself


def test_only_a_group_costlier_than_a_share_is_cut() -> None:
    chosen = cells(1, 10) + cells(3, 1)[1:]
    history = History(build_s={}, cell_s={c.id: 50.0 for c in chosen})
    plan = plan_shards(chosen, 3, history)
    big = [s for s in plan.shards if ("3.11", "env00") in s.images]
    assert len(big) > 1  # env00 alone is most of the matrix
    assert all(
        len([s for s in plan.shards if (("3.11", f"env{i:02d}")) in s.images]) == 1 for i in (1, 2)
    )
    assert plan.imbalance <= 1.25


def test_the_default_matrix_balances_within_a_quarter_for_2_4_8_shards() -> None:
    matrix = expand(load_matrix(ROOT / "matrix.yaml")).cells
    distinct = len({c.image_key for c in matrix})
    for count in (2, 4, 8):
        plan = plan_shards(matrix, count, History.empty())
        assert plan.imbalance <= 1.25, (count, plan.imbalance)
        assert plan.builds <= 1.1 * distinct


def test_more_than_256_shards_is_refused_in_one_line() -> None:
    result = harness("plan", str(ROOT / "matrix.yaml"), "--shards", "257")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --shards 257: must be between 1 and 256 (GitHub's matrix limit)"
    ]
    with pytest.raises(ConfigurationError):
        plan_shards(cells(1, 1), 0, History.empty())


def test_more_shards_than_cells_leaves_empty_shards_out_of_the_include() -> None:
    plan = plan_shards(cells(1, 2), 5, History.empty())
    assert [e["shard"] for e in plan.include()["include"]] == ["1/5", "2/5"]


def test_shard_runs_are_not_history_but_whole_runs_are(tmp_path: Path) -> None:
    for name, shard, seconds in (("20260101T000000Z", "", 7.0), ("20260102T000000Z", "1/2", 99.0)):
        run = RunDir.create(tmp_path, name)
        run.write_meta(RunMeta(run_id=name, provenance={"shard": shard} if shard else {}))
        writer = CellWriter(run.cells_path)
        writer.write(outcome(duration_s=seconds))
        writer.close()
        run.write_json(
            "images.json",
            [{"python": "3.11", "environment": "e", "status": "built", "seconds": seconds}],
        )
    history = read_history(tmp_path)
    assert history.cell_s == {"py3.11/e/b/s": 7.0}
    assert history.build_s == {("3.11", "e"): 7.0}


@pytest.mark.parametrize(
    ("env", "shards", "expected"),
    [
        ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}, None, (2, 3)),
        ({"JOB_COMPLETION_INDEX": "0"}, 4, (1, 4)),
        ({"JOB_COMPLETION_INDEX": "3"}, 4, (4, 4)),
    ],
)
def test_shard_auto_reads_gitlab_and_kubernetes(
    env: dict[str, str], shards: int | None, expected: tuple[int, int]
) -> None:
    assert shard_from_environment(env, shards) == expected


@pytest.mark.parametrize(
    ("env", "shards", "words"),
    [
        ({}, None, "neither CI_NODE_INDEX"),
        ({"JOB_COMPLETION_INDEX": "1"}, None, "pass --shards N"),
        ({"JOB_COMPLETION_INDEX": "4"}, 4, "between 1 and 4"),
        ({"JOB_COMPLETION_INDEX": "x"}, 4, "not a number"),
        ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "999"}, None, "256"),
    ],
)
def test_shard_auto_refuses_what_it_cannot_use(
    env: dict[str, str], shards: int | None, words: str
) -> None:
    with pytest.raises(ConfigurationError, match=words):
        shard_from_environment(env, shards)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_malformed_shard_is_refused(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_shard(text)


def test_run_refuses_a_plan_hash_that_does_not_match(tmp_path: Path) -> None:
    result = harness(
        "run",
        str(ROOT / "matrix-quick.yaml"),
        "--shard",
        "1/2",
        "--plan-hash",
        "000000000000",
        "--results",
        str(tmp_path),
    )
    assert result.returncode == 2
    assert "--plan-hash 000000000000: the plan recomputed here is" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
