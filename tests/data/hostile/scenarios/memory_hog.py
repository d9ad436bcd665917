"""
title: Memory hog
source: tests/data/hostile
description: Allocates without end; the memory limit (no swap) stops it.
claim:
  summary: "the cell is OOM-killed"
  pattern: "MemoryError"
"""

chunks = []
while True:
    chunks.append(bytearray(8 * 1024 * 1024))
