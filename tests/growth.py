"""Whether a reader's time grows with its input and not faster, measured so that a busy
machine does not fail it: the small and the large input are timed in turn (a burst of load
falls on both), each the best of several runs, and a ratio past the bound is measured again
before it counts. A regex that backtracks over a run fails every time (16 times or more at 4x
the input); noise does not fail three times over."""

from __future__ import annotations

import time
from collections.abc import Callable

# Linear reading takes about 4 times as long at 4x the input; 8 leaves room for noise.
BOUND = 8.0
# Below a few milliseconds the ratio is timer noise.
FLOOR_S = 0.005


def grows_linearly(
    small: Callable[[], object], large: Callable[[], object], *, rounds: int = 5, tries: int = 3
) -> tuple[bool, str]:
    """Whether `large` (4x the input of `small`) takes under BOUND times as long; the figures."""
    said = ""
    for _ in range(tries):
        best_small = best_large = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            small()
            best_small = min(best_small, time.perf_counter() - start)
            start = time.perf_counter()
            large()
            best_large = min(best_large, time.perf_counter() - start)
        said = f"{best_small:.4f}s at n, {best_large:.4f}s at 4n"
        if best_large < FLOOR_S or best_large / best_small < BOUND:
            return True, said
    return False, said
