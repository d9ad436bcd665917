"""
title: Hang
source: tests/data/hostile
description: Sleeps past the time limit.
claim:
  summary: "killed at the time limit"
  pattern: "never raises"
"""

import time

time.sleep(3600)
