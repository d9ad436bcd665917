"""
title: Slow
source: tests/data/hostile
description: Takes a few seconds, then succeeds.
claim:
  summary: "succeeds"
  pattern: "never raises"
"""

import os
import time

time.sleep(4)
print("done", os.environ.get("CELL_NAME"))
