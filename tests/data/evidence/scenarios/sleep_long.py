"""
title: Sleeps far beyond any limit
source: tests/data/evidence
description: Sleeps ten minutes; only a kill ends it.
claim:
  summary: "never ends by itself"
  pattern: "^$"
"""

import time

time.sleep(600)
