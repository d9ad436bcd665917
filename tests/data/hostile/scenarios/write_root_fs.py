"""
title: Write to the root filesystem
source: tests/data/hostile
description: Writes to /var/tmp, world-writable in the image; the root filesystem is read-only.
claim:
  summary: "Read-only file system"
  pattern: "Read-only file system"
"""

with open("/var/tmp/planted", "w") as handle:
    handle.write("persisted")
