"""
title: Signalling the driver
source: tests/data/hostile
description: >
  Sends SIGSTOP, SIGINT, SIGTERM and SIGKILL to the driver (PID 1, same uid), then raises.
  The record must be unaffected: the error it raised.
claim:
  summary: "RuntimeError: still running after signalling the driver"
  pattern: "^RuntimeError: still running after signalling the driver"
"""

import os
import signal
import time

for number in (signal.SIGSTOP, signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
    os.kill(1, number)
    print("sent", number.name, flush=True)
time.sleep(0.5)
raise RuntimeError("still running after signalling the driver")
