"""How long reading each corpus report takes, PyPI answered from the recordings.

    .venv/bin/python -m bench.extract_reports

Prints the slowest report and the mean; a report must read in well under a second.
"""

from __future__ import annotations

import time

from tests.test_report_corpus import SIDECARS, extraction_of


def main() -> None:
    timings = []
    for sidecar in SIDECARS:
        start = time.perf_counter()
        extraction_of(sidecar)  # a fresh index per report, as one command would have
        timings.append((time.perf_counter() - start, sidecar.name))
    timings.sort()
    mean = sum(t for t, _ in timings) / len(timings)
    slowest, name = timings[-1]
    print(
        f"{len(timings)} reports: mean {mean * 1000:.0f} ms, "
        f"slowest {slowest * 1000:.0f} ms ({name})"
    )


if __name__ == "__main__":
    main()
