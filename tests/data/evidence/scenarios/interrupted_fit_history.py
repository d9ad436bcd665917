"""
title: What model.history is after the interrupted fit()
source: "seeds/003_f6a249e9d52edad1.txt, Example 3: Handling Interruptions"
description: >
  Runs the published history_interrupted_fit scenario unchanged, then reports the type of
  model.history and its .history, which the published tables show only as printed text.
claim:
  summary: "the history is None after an interrupted fit, so reading it raises AttributeError on 'NoneType'"
  pattern: "AttributeError: 'NoneType' object has no attribute"
"""

import json
import os
import runpy

published = os.path.join(os.path.dirname(os.path.abspath(__file__)), "history_interrupted_fit.py")
scope = runpy.run_path(published, run_name="__main__")
history = scope["model"].history
kind = type(history)
print(
    "HISTORY-PROBE "
    + json.dumps(
        {
            "type": kind.__module__ + "." + kind.__qualname__,
            "history": history.history,
        }
    )
)
