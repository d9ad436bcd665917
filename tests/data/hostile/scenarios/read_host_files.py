"""
title: Read the host's files
source: tests/data/hostile
description: Looks for the Docker socket and reads /etc/shadow; neither is reachable.
claim:
  summary: "Permission denied"
  pattern: "PermissionError"
"""

import os

for path in ("/var/run/docker.sock", "/run/docker.sock"):
    if os.path.exists(path):
        raise RuntimeError("the Docker socket is visible at " + path)
with open("/etc/shadow") as handle:
    handle.read()
