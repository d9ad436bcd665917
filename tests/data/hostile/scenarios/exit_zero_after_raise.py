"""
title: An exception that escapes, then exit status 0
source: tests/data/hostile
description: An atexit handler ends the process with os._exit(0) after an exception escaped.
claim:
  summary: "ValueError: raised, then exit 0"
  pattern: "^ValueError: raised, then exit 0"
"""

import atexit
import os

atexit.register(os._exit, 0)
raise ValueError("raised, then exit 0")
