"""A fresh `make matrix` of MATRIX estimated from the costs of a published run, scaled by a
matrix whose fresh run was timed.

    python -m bench.matrix_cost MATRIX --against OLD_MATRIX --measured-s 1292

Work is seconds of builds and cells: each image's build time and each cell's duration plus
the container's overhead, as the published run recorded them; an image or cell it did not
record costs the mean of those of its kind (TensorFlow with Keras 2 or Keras 3, a second
install over TensorFlow, Keras alone, Keras with JAX), the same backend and scenario. The
estimate is the measured time of OLD_MATRIX times the ratio of the two matrices' work: builds
and cells overlap on the cores in ways a sum does not model, and the ratio cancels that out.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from statistics import mean

from harness.config.cells import Cell, expand
from harness.config.matrix import Matrix, load_matrix
from harness.results.rundir import RunDir

# An empty container's share of each cell (docs/performance.md, `make bench`).
OVERHEAD_S = 0.94
_TF = re.compile(r"tensorflow(?:-cpu)?==2\.(\d+)")


def kind(matrix: Matrix, python: str, environment: str) -> str:
    """What an image installs, as far as its costs go."""
    steps = [" ".join(step.args) for step in matrix.environments[environment].steps_for(python)]
    found = _TF.search(steps[0])
    if found is None:
        return "keras-jax" if "jax" in steps[0] else "keras"
    if len(steps) > 1:
        return "tf-then"
    return "tf-keras2" if int(found.group(1)) <= 15 else "tf-keras3"  # tf.keras 2.x to 2.15


class Costs:
    """Build and cell seconds of one recorded run, with means by kind for the rest."""

    def __init__(self, run: RunDir, matrix: Matrix) -> None:
        self.build: dict[tuple[str, str], float] = {}
        builds_by_kind: dict[str, list[float]] = defaultdict(list)
        for record in run.read_json("images.json"):
            if record["status"] == "built":
                key = (record["python"], record["environment"])
                self.build[key] = float(record["seconds"])
                builds_by_kind[self._build_kind(matrix, *key)].append(float(record["seconds"]))
        self.build_mean = {k: mean(v) for k, v in builds_by_kind.items()}
        self.cell: dict[str, float] = {}
        self.unbuilt: set[str] = set()  # cells whose image failed: no container ever ran
        by_kind: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        for outcome in run.outcomes():
            if outcome.status == "build_failed":
                self.unbuilt.add(outcome.cell_id)
                continue
            if outcome.duration_s is None:
                continue
            self.cell[outcome.cell_id] = outcome.duration_s
            cell_kind = kind(matrix, outcome.python, outcome.environment)
            by_kind[(cell_kind, outcome.backend, outcome.scenario)].append(outcome.duration_s)
        self.cell_mean = {k: mean(v) for k, v in by_kind.items()}
        kinds: dict[str, list[float]] = defaultdict(list)
        for (cell_kind, _, _), durations in by_kind.items():
            kinds[cell_kind] += durations
        self.kind_mean = {k: mean(v) for k, v in kinds.items()}

    @staticmethod
    def _build_kind(matrix: Matrix, python: str, environment: str) -> str:
        # TensorFlow images cost the same to build whichever Keras they bring.
        return kind(matrix, python, environment).replace("-keras2", "").replace("-keras3", "")

    def work(self, matrix: Matrix, cells: Sequence[Cell]) -> tuple[float, float]:
        """(build seconds, cell seconds) of a fresh run of `cells`."""
        images = {(cell.python, cell.environment) for cell in cells}
        builds = sum(
            self.build.get(key) or self.build_mean[self._build_kind(matrix, *key)] for key in images
        )
        seconds = 0.0
        for cell in cells:
            if cell.id in self.unbuilt:
                continue
            known = self.cell.get(cell.id)
            if known is None:
                group = (kind(matrix, cell.python, cell.environment), cell.backend, cell.scenario)
                known = self.cell_mean.get(group) or self.kind_mean[group[0]]
            seconds += known + OVERHEAD_S
        return builds, seconds


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.matrix_cost")
    parser.add_argument("matrix", type=Path)
    parser.add_argument("--against", type=Path, required=True, help="a matrix timed fresh")
    parser.add_argument("--measured-s", type=float, required=True, help="its fresh run, seconds")
    parser.add_argument("--published", type=Path, default=Path("results/published"))
    args = parser.parse_args()
    old, new = load_matrix(args.against), load_matrix(args.matrix)
    # The published run is of the matrix it was measured with: kinds come from that one.
    costs = Costs(RunDir(path=args.published), old)
    totals = []
    for name, matrix in ((args.against, old), (args.matrix, new)):
        cells = expand(matrix).cells
        builds, seconds = costs.work(matrix, cells)
        totals.append(builds + seconds)
        images = len({cell.image_key for cell in cells})
        print(
            f"{name}: {len(cells)} cells in {images} images; work {builds / 60:.1f} min of "
            f"builds + {seconds / 60:.1f} min of cells"
        )
    ratio = totals[1] / totals[0]
    print(
        f"{args.matrix}: {ratio:.2f} x the work of {args.against}; a fresh make matrix "
        f"{args.measured_s / 60 * ratio:.1f} min, against {args.measured_s / 60:.1f} min measured"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
