"""
title: Fill the tmpfs
source: tests/data/hostile
description: Writes to /tmp until it is full; the tmpfs size stops it.
claim:
  summary: "No space left on device"
  pattern: "No space left on device"
"""

with open("/tmp/filler", "wb") as handle:
    while True:
        handle.write(b"\0" * (1024 * 1024))
        handle.flush()
