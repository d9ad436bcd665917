"""The default matrix planned for 2, 4 and 8 shards: how even the shards are, and how many
images are built in all, against the targets (slowest shard <= 1.25 x the ideal, builds
<= 1.1 x the distinct images).

    python -m bench.shard_balance [MATRIX] [--results DIR]

Costs come from the newest whole run under --results when there is one (the same history
`harness plan --shards` reads), else from the defaults.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.config.cells import expand
from harness.config.matrix import load_matrix
from harness.execute.sharding import plan_shards, read_history

SLOWEST_TARGET = 1.25
BUILDS_TARGET = 1.1


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.shard_balance")
    parser.add_argument("matrix", nargs="?", default="matrix.yaml", type=Path)
    parser.add_argument("--results", default=Path("results"), type=Path)
    args = parser.parse_args()
    cells = expand(load_matrix(args.matrix)).cells
    history = read_history(args.results)
    distinct = len({cell.image_key for cell in cells})
    print(f"{args.matrix}: {len(cells)} cells in {distinct} images")
    for count in (2, 4, 8):
        plan = plan_shards(cells, count, history)
        slowest_ok = plan.imbalance <= SLOWEST_TARGET
        builds_ok = plan.builds <= BUILDS_TARGET * distinct
        print(
            f"  {count} shards: slowest {plan.imbalance:.2f} x ideal "
            f"({'met' if slowest_ok else 'missed'}, <= {SLOWEST_TARGET}); "
            f"{plan.builds} builds = {plan.builds / distinct:.2f} x images "
            f"({'met' if builds_ok else 'missed'}, <= {BUILDS_TARGET})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
