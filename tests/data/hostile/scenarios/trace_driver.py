"""
title: Tracing the driver and writing its memory
source: tests/data/hostile
description: >
  Tries PTRACE_ATTACH on the driver (PID 1), then opens /proc/1/mem for writing.
claim:
  summary: "PermissionError on /proc/1/mem"
  pattern: "^PermissionError"
"""

import ctypes
import errno

PTRACE_ATTACH = 16
libc = ctypes.CDLL(None, use_errno=True)
result = libc.ptrace(PTRACE_ATTACH, 1, None, None)
print("ptrace:", "attached" if result == 0 else errno.errorcode[ctypes.get_errno()], flush=True)
with open("/proc/1/mem", "r+b") as memory:
    memory.seek(0x400000)
    memory.write(b"\x00")
