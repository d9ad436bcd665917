"""
title: A message written to attack the tables
source: tests/data/hostile
description: Prints, and raises, text full of HTML, Markdown and CSV metacharacters, from an exception class, a frame and a file named to attack them too.
claim:
  summary: "the message is shown as text in every format"
  pattern: "never matches: (?!)"
"""

import sys
from typing import Any

# tests/hostile_rendering.py reads these four constants from this file (with ast): one text,
# both where it is raised in a container and where the tables are checked.
MESSAGE = (
    "=cmd|' /C calc'!A0 <script>window.pwned='script';alert(1)</script>"
    " <img src=x onerror=\"window.pwned='img';alert(2)\"> | **bold** __init__"
    " [link](javascript:window.pwned='link') ![image](javascript:alert(3))"
    " `tick` ``two`` &lt;b&gt; a;=1+1 b,@SUM(1) -2+3 $x$ ~~struck~~\n"
    "```\n"
    "</details><svg onload=\"window.pwned='svg'\"></svg>\n"
    "# heading\n"
    "second line \\ <!-- comment --> <https://example.invalid/x>"
)
# No dot in the class's name: the tables' short type is what follows the last one.
TYPE_NAME = "Pwn<img src=x onerror=\"pwned='type'\">"
FUNCTION = "<script>window.pwned='frame'</script>"
FILE = "<img src=x onerror=\"window.pwned='file'\">"

print(MESSAGE)
print(MESSAGE, file=sys.stderr)

Pwn = type(TYPE_NAME, (RuntimeError,), {})
namespace: dict[str, Any] = {"Pwn": Pwn, "MESSAGE": MESSAGE}
# A frame in a "file" of that name, in a function of that name: where the error was raised.
exec(compile("def boom():\n    raise Pwn(MESSAGE)\n", FILE, "exec"), namespace)
boom = namespace["boom"]
boom.__code__ = boom.__code__.replace(co_name=FUNCTION, co_qualname=FUNCTION)
boom()
