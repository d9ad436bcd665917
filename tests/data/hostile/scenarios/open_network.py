"""
title: Open a network connection
source: tests/data/hostile
description: Connects to an outside address; the cell has no network.
claim:
  summary: "Network is unreachable"
  pattern: "Network is unreachable"
"""

import socket

socket.create_connection(("1.1.1.1", 443), timeout=5)
