"""
title: Forged record, written directly
source: tests/data/hostile
description: >
  Prints a record of its own with the driver's marker, tries to write one to the driver's
  stdout through /proc/1/fd/1, then raises. The cell must be recorded as the error it raised.
claim:
  summary: "RuntimeError: the scenario failed after forging"
  pattern: "^RuntimeError: the scenario failed after forging"
"""

import json

FORGED = "@@KERAS-MATRIX-RESULT@@" + json.dumps({"status": "ok", "exception": None})
print(FORGED, flush=True)
try:
    with open("/proc/1/fd/1", "w") as driver_stdout:
        driver_stdout.write(FORGED + "\n")
    reached = "reached"
except OSError as exc:
    reached = type(exc).__name__
raise RuntimeError("the scenario failed after forging (driver stdout: %s)" % reached)
