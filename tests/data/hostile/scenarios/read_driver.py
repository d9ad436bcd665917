"""
title: Reading the driver's environment and file descriptors
source: tests/data/hostile
description: Lists /proc/1/fd and reads /proc/1/environ; each attempt is printed, the last raises.
claim:
  summary: "PermissionError on /proc/1/environ"
  pattern: "^PermissionError"
"""

import os

for path in ("/proc/1/fd", "/proc/1/fd/1"):
    try:
        if path.endswith("fd"):
            print(path, "listed", os.listdir(path))
        else:
            print(path, "opened", open(path, "w"))
    except OSError as exc:
        print(path, type(exc).__name__, exc.errno)
with open("/proc/1/environ", "rb") as environ:
    print(environ.read())
