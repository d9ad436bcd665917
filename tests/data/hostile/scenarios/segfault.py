"""
title: Segfault
source: tests/data/hostile
description: Reads address 0.
claim:
  summary: "killed by SIGSEGV"
  pattern: "never raises"
"""

import ctypes

ctypes.string_at(0)
