"""The end of a run whose environments could not be made for reasons of this host's, not
pip's: their cells are not results, and a resume runs them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.build.images import ImageRecord
from harness.config.cells import Cell
from harness.errors import HostResourceError, NetworkError


def cells_not_run(images: Iterable[ImageRecord], cells: Sequence[Cell], run_id: str) -> None:
    """Raise, naming the cells left and how to go on, if a build ran out of disk space or could
    not reach the package index; return if none did."""
    records = list(images)
    for status in ("host_failed", "unreachable"):
        left = [r for r in records if r.status == status]
        if not left:
            continue
        keys = {(r.python, r.environment) for r in left}
        skipped = sum(cell.image_key in keys for cell in cells)
        first = left[0]
        if status == "host_failed":
            raise HostResourceError(
                f"{skipped} cells not run: py{first.python}/{first.environment}: "
                f"{first.error}; free space, then continue with `harness run --resume {run_id}`"
            )
        raise NetworkError(
            f"{skipped} cells not run: the package index was unreachable while building "
            f"py{first.python}/{first.environment}; "
            f"continue with `harness run --resume {run_id}` once the network is back"
        )
