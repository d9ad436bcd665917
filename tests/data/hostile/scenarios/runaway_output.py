"""
title: Runaway output
source: tests/data/hostile
description: Prints without end; the output limit keeps its head and tail, the time limit ends it.
claim:
  summary: "killed at the time limit"
  pattern: "never raises"
"""

line = 0
while True:
    print("runaway line", line)
    line += 1
