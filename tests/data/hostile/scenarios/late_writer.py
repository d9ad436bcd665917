"""
title: A grandchild that outlives the scenario
source: tests/data/hostile
description: >
  Leaves a detached grandchild (new session) that writes to /tmp, $HOME and the scenario's
  stderr a second after the scenario has ended successfully.
claim:
  summary: "nothing raised"
  pattern: "never raises"
"""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(1.0)
        for directory in ("/tmp", os.path.expanduser("~")):
            with open(os.path.join(directory, "late"), "w") as late:
                late.write("written after the scenario ended\n")
        os.write(2, b"LATE WRITE after the scenario ended\n")
        os._exit(0)
    os._exit(0)
os.wait()
print("scenario done")
