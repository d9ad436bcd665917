"""
title: Fork bomb
source: tests/data/hostile
description: Forks without end; the pids limit stops it.
claim:
  summary: "fork fails once the pids limit is reached"
  pattern: "BlockingIOError"
"""

import os

while True:
    os.fork()
