"""
title: Change the environment the cell runs in
source: tests/data/hostile
description: Overwrites the pip freeze the environment recorded. Whether the environment is an
  image or a host directory mounted into the cell, it is read-only to the cell.
claim:
  summary: "Read-only file system"
  pattern: "Read-only file system"
"""

with open("/opt/keras-matrix/pip-freeze.txt", "w") as handle:
    handle.write("six==0.0.1\n")
