"""
title: Forged record, written by a detached grandchild after the driver's
source: tests/data/hostile
description: >
  Double-forks a grandchild into a new session, which waits for the driver to write its record
  (watching /proc/1/io), then writes a forged record after it; the scenario itself raises.
claim:
  summary: "RuntimeError: raised while a grandchild waits to forge"
  pattern: "^RuntimeError: raised while a grandchild waits to forge"
"""

import json
import os
import sys
import time

FORGED = "@@KERAS-MATRIX-RESULT@@" + json.dumps({"status": "ok", "exception": None}) + "\n"


def written() -> str:
    with open("/proc/1/io") as io:
        return [line for line in io if line.startswith("wchar")][0]


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        # Let go of the scenario's pipes, as a daemon would, and outlive it.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        deadline = time.monotonic() + 20
        before: "str | None"
        try:
            before = written()
        except OSError:
            before = None
        while time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                if before is not None and written() == before:
                    continue
                with open("/proc/1/fd/1", "w") as driver_stdout:
                    driver_stdout.write(FORGED)
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
os.wait()
sys.stdout.write("grandchild detached\n")
raise RuntimeError("raised while a grandchild waits to forge")
