"""Splitting a matrix's cells into N shards that cost about the same, the same way everywhere.

A shard is what one CI job or one machine runs. Cells are grouped by image, so that each image
is built on one shard only; a group is cut into chunks only when it alone costs more than a
shard should (the total divided by N). Groups and chunks go, longest first, each to the
lightest shard. Costs are seconds: an image's build plus its cells' durations, as earlier runs
recorded them, and the average of what is known otherwise.

The plan depends only on the cells, N and the history it is given, and ties are broken by
name, so every job that recomputes it gets the same shards; its hash lets a job check that.
"""

from __future__ import annotations

import hashlib
import json
import math
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.config.cells import Cell
from harness.errors import ConfigurationError, ResultsError
from harness.results.rundir import CELLS, RunDir

# GitHub Actions refuses a matrix of more than 256 jobs.
MAX_SHARDS = 256
# What a build or a cell is expected to cost when no earlier run says anything.
DEFAULT_BUILD_S = 120.0
DEFAULT_CELL_S = 15.0


@dataclass(frozen=True, kw_only=True)
class History:
    """What earlier runs recorded: seconds per image build and per cell."""

    build_s: Mapping[tuple[str, str], float]
    cell_s: Mapping[str, float]

    @classmethod
    def empty(cls) -> History:
        """No earlier run: every cost is the default."""
        return cls(build_s={}, cell_s={})

    def build_cost(self, image: tuple[str, str]) -> float:
        """An image's expected build time: its own, else the average of those known."""
        return self.build_s.get(image, _mean(self.build_s.values(), DEFAULT_BUILD_S))

    def cell_cost(self, cell_id: str) -> float:
        """A cell's expected duration: its own, else the average of those known."""
        return self.cell_s.get(cell_id, _mean(self.cell_s.values(), DEFAULT_CELL_S))


def _mean(values: Iterable[float], default: float) -> float:
    known = list(values)
    return round(sum(known) / len(known), 3) if known else default


def read_history(results_root: Path) -> History:
    """Build and cell times from the runs under `results_root`, newest run winning.

    Shard runs are left out: a shard that ran before another on the same host must not change
    the plan the other recomputes. Whole and merged runs count.
    """
    build_s: dict[tuple[str, str], float] = {}
    cell_s: dict[str, float] = {}
    if not results_root.is_dir():
        return History.empty()
    runs = sorted(
        path
        for path in results_root.iterdir()
        if path.is_dir() and not path.is_symlink() and (path / CELLS).is_file()
    )
    for path in runs:  # oldest first, so that newer times overwrite older ones
        run = RunDir(path=path)
        try:
            if run.read_meta().provenance.get("shard"):
                continue
            images = run.read_json("images.json")
            for record in images if isinstance(images, list) else ():
                if isinstance(record, dict) and record.get("status") == "built":
                    key = (str(record.get("python")), str(record.get("environment")))
                    build_s[key] = float(record.get("seconds") or 0.0)
            for outcome in run.outcomes():
                if outcome.duration_s is not None and outcome.cached_from is None:
                    cell_s[outcome.cell_id] = outcome.duration_s
        except (ResultsError, OSError, ValueError, TypeError):
            continue  # an unreadable run says nothing about costs
    return History(build_s=build_s, cell_s=cell_s)


@dataclass(frozen=True, kw_only=True)
class Piece:
    """Cells of one image that go to one shard: a whole group, or a chunk of one."""

    image: tuple[str, str]
    cells: tuple[Cell, ...]
    cost_s: float


@dataclass(frozen=True, kw_only=True)
class Shard:
    """One shard of a plan: its 1-based index, its pieces and what they are expected to cost."""

    index: int
    total: int
    pieces: tuple[Piece, ...]

    @property
    def label(self) -> str:
        """`i/N`, as `--shard` takes it."""
        return f"{self.index}/{self.total}"

    @property
    def cells(self) -> tuple[Cell, ...]:
        """The shard's cells, image by image."""
        return tuple(cell for piece in self.pieces for cell in piece.cells)

    @property
    def cost_s(self) -> float:
        """Expected seconds: builds plus cells."""
        return round(sum(piece.cost_s for piece in self.pieces), 3)

    @property
    def images(self) -> tuple[tuple[str, str], ...]:
        """The images the shard builds."""
        return tuple(dict.fromkeys(piece.image for piece in self.pieces))


@dataclass(frozen=True, kw_only=True)
class ShardPlan:
    """N shards covering every cell once, and the hash that names this exact split."""

    shards: tuple[Shard, ...]
    hash: str

    @property
    def total_cost_s(self) -> float:
        """The cost of every shard together."""
        return round(sum(shard.cost_s for shard in self.shards), 3)

    @property
    def imbalance(self) -> float:
        """The slowest shard's cost over the ideal (total / N): 1.0 is perfect."""
        ideal = self.total_cost_s / len(self.shards)
        return max(shard.cost_s for shard in self.shards) / ideal if ideal else 1.0

    @property
    def builds(self) -> int:
        """Images built over all shards (an image cut into chunks is built once per chunk)."""
        return sum(len(shard.images) for shard in self.shards)

    def shard(self, index: int) -> Shard:
        """Shard `index` (1-based)."""
        return self.shards[index - 1]

    def include(self) -> dict[str, list[dict[str, object]]]:
        """The GitHub Actions matrix of the non-empty shards: small, and never lists cells."""
        return {
            "include": [
                {
                    "shard": shard.label,
                    "index": shard.index,
                    "plan_hash": self.hash,
                    "images": len(shard.images),
                    "cells": len(shard.cells),
                    "cost_s": round(shard.cost_s),
                }
                for shard in self.shards
                if shard.pieces
            ]
        }


def check_shard_count(count: int) -> None:
    """Refuse a shard count outside 1..256 (GitHub's limit on a job matrix)."""
    if not 1 <= count <= MAX_SHARDS:
        raise ConfigurationError(
            f"--shards {count}: must be between 1 and {MAX_SHARDS} (GitHub's matrix limit)"
        )


def plan_shards(cells: Sequence[Cell], count: int, history: History) -> ShardPlan:
    """Split `cells` into `count` shards balanced by expected cost (see the module's doc)."""
    check_shard_count(count)
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.image_key, []).append(cell)
    costs = {
        image: history.build_cost(image) + sum(history.cell_cost(c.id) for c in members)
        for image, members in groups.items()
    }
    ideal = sum(costs.values()) / count
    pieces: list[Piece] = []
    for image, members in groups.items():
        chunks = 1
        if costs[image] > ideal:
            chunks = min(count, len(members), math.ceil(costs[image] / ideal))
        pieces.extend(_chunks(image, members, chunks, history))
    loads = [0.0] * count
    assigned: list[list[Piece]] = [[] for _ in range(count)]
    # Longest first; equal costs in image and cell order, so that ties break the same way.
    for piece in sorted(pieces, key=lambda p: (-p.cost_s, p.image, p.cells[0].id)):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        assigned[lightest].append(piece)
        loads[lightest] += piece.cost_s
    shards = tuple(
        Shard(index=i + 1, total=count, pieces=tuple(members)) for i, members in enumerate(assigned)
    )
    return ShardPlan(shards=shards, hash=_hash(shards))


def _chunks(
    image: tuple[str, str], members: Sequence[Cell], chunks: int, history: History
) -> list[Piece]:
    """`members` cut into `chunks` runs of consecutive cells of about equal duration; each
    chunk also pays for the build."""
    build = history.build_cost(image)
    durations = [history.cell_cost(c.id) for c in members]
    target = sum(durations) / chunks
    pieces: list[Piece] = []
    current: list[Cell] = []
    spent = 0.0
    for position, (cell, seconds) in enumerate(zip(members, durations, strict=True)):
        current.append(cell)
        spent += seconds
        left = len(members) - position - 1
        chunks_left = chunks - len(pieces) - 1
        if chunks_left and (spent >= target or left == chunks_left):
            pieces.append(Piece(image=image, cells=tuple(current), cost_s=round(build + spent, 3)))
            current, spent = [], 0.0
    if current:
        pieces.append(Piece(image=image, cells=tuple(current), cost_s=round(build + spent, 3)))
    return pieces


def _hash(shards: Sequence[Shard]) -> str:
    """Twelve hex digits of the SHA-256 of which cell goes to which shard."""
    layout = [[cell.id for cell in shard.cells] for shard in shards]
    return hashlib.sha256(json.dumps(layout).encode()).hexdigest()[:12]


def parse_shard(text: str) -> tuple[int, int]:
    """`i/N` as (i, N), 1 ≤ i ≤ N ≤ 256; ConfigurationError otherwise."""
    index_text, sep, total_text = text.partition("/")
    if not (sep and index_text.isdigit() and total_text.isdigit()):
        raise ConfigurationError(f"--shard {text!r}: write i/N (1-based, e.g. 1/4) or auto")
    index, total = int(index_text), int(total_text)
    check_shard_count(total)
    if not 1 <= index <= total:
        raise ConfigurationError(f"--shard {text!r}: the index must be between 1 and {total}")
    return index, total


def shard_from_environment(env: Mapping[str, str], shards: int | None) -> tuple[int, int]:
    """`--shard auto`: the shard a CI system or a job controller says this job is.

    GitLab's `parallel:` sets CI_NODE_INDEX and CI_NODE_TOTAL (1-based). A Kubernetes Indexed
    Job sets JOB_COMPLETION_INDEX (0-based) only: the total is `--shards N` (or
    HARNESS_RUN_SHARDS), since Kubernetes does not export `completions`.
    """
    if "CI_NODE_INDEX" in env:
        total_text = env.get("CI_NODE_TOTAL") or (str(shards) if shards else "")
        return parse_shard(f"{env['CI_NODE_INDEX']}/{total_text}")
    if "JOB_COMPLETION_INDEX" in env:
        if shards is None:
            raise ConfigurationError(
                "--shard auto: JOB_COMPLETION_INDEX is set but no total; "
                "pass --shards N (the Job's completions)"
            )
        index = env["JOB_COMPLETION_INDEX"]
        if not index.isdigit():
            raise ConfigurationError(
                f"--shard auto: JOB_COMPLETION_INDEX={index!r} is not a number"
            )
        return parse_shard(f"{int(index) + 1}/{shards}")
    raise ConfigurationError(
        "--shard auto: neither CI_NODE_INDEX (GitLab parallel:) nor JOB_COMPLETION_INDEX "
        "(Kubernetes Indexed Job) is set; pass --shard i/N"
    )


def provenance(
    env: Mapping[str, str], *, engine: str, executor: str, plan: ShardPlan | None, index: int | None
) -> dict[str, str]:
    """What run.json records about where a run ran: host, engine, executor, CI attempt, shard."""
    found = {"host": socket.gethostname(), "engine": engine, "executor": executor}
    # GitHub counts re-runs of a workflow run; GitLab gives each retried job a new ID.
    for key, name in (
        ("attempt", "GITHUB_RUN_ATTEMPT"),
        ("ci_run", "GITHUB_RUN_ID"),
        ("ci_run", "CI_PIPELINE_ID"),
        ("ci_job", "CI_JOB_ID"),
    ):
        if env.get(name) and key not in found:
            found[key] = env[name]
    if plan is not None and index is not None:
        found["shard"] = plan.shard(index).label
        found["plan_hash"] = plan.hash
        found["shards_with_cells"] = ",".join(str(s.index) for s in plan.shards if s.pieces)
    return found
