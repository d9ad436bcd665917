"""
title: A known error, after an import from the installed package
source: tests/data/evidence
description: Imports six (the environment's one install) and raises an error naming its version and Python's.
claim:
  summary: "LookupError naming six and the Python version"
  pattern: "^LookupError: six "
"""

import sys

import six

raise LookupError(
    "six %s on Python %d.%d" % (six.__version__, sys.version_info[0], sys.version_info[1])
)
