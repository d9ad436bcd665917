"""A notebook pasted as its JSON (an `.ipynb` opened in an editor, or one cell of it): its
code cells' `source` is the code, and an error output's `traceback` (IPython's coloured lines)
with its `ename: evalue` the traceback, as the notebook showed them.

A whole notebook, a cell, a list of cells and a fenced block holding a cut piece of one
(`"source": ["import keras\\n", ...]` then `"outputs": [{"ename": ...}]`) are all read; the
JSON is replaced by the same in Markdown: a ```python block per cell, a ``` block per error.
"""

from __future__ import annotations

import json
import re
from typing import Any

_KEYS = re.compile(r"\"(?:cell_type|source|ename|evalue|traceback|output_type)\"\s*:")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n`]*$", re.MULTILINE)
# A piece of a cell: each array or string value, in the order the notebook has them.
_VALUE = re.compile(r"\"(?P<key>source|traceback|ename|evalue)\"\s*:\s*(?=[\[\"])")
_ANSI = re.compile(r"\x1b\[[0-9;]{0,40}[A-Za-z]")
_DECODER = json.JSONDecoder()


def as_markdown(text: str) -> tuple[str, bool]:
    """`text` with a notebook's JSON in it read as Markdown, and whether there was any."""
    if not _KEYS.search(text):
        return text, False
    whole = _parsed(text.strip())
    if whole is not None and (rendered := _render(whole)):
        return rendered, True
    fences = list(_FENCE.finditer(text))
    found = False
    out: list[str] = []
    last = 0
    for opening, closing in zip(fences[::2], fences[1::2], strict=False):
        body = text[opening.end() + 1 : closing.start()]
        if not _KEYS.search(body):
            continue
        parsed = _parsed(body.strip())
        rendered = _render(parsed) if parsed is not None else _render_pieces(body)
        if not rendered:
            continue
        out.extend([text[last : opening.start()], rendered])
        last = closing.end()
        found = True
    out.append(text[last:])
    return ("".join(out), True) if found else (text, False)


def _parsed(text: str) -> Any:
    for candidate in (text, "{" + text.rstrip(",") + "}"):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def _render(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("cells"), list):
        value = value["cells"]
    cells = value if isinstance(value, list) else [value]
    parts: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type", "code") != "code":
            continue
        if not {"cell_type", "outputs", "ename", "traceback"} & set(cell):
            continue  # JSON of something else that has a "source"
        source = _joined(cell.get("source"))
        if source.strip():
            parts.append(f"```python\n{source.rstrip()}\n```\n")
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else [cell]:
            if isinstance(output, dict) and ("ename" in output or "traceback" in output):
                parts.append(
                    _error(output.get("traceback"), output.get("ename"), output.get("evalue"))
                )
    return "\n".join(part for part in parts if part)


def _render_pieces(body: str) -> str:
    """A cut piece of a notebook: its values read one by one."""
    parts: list[str] = []
    error: dict[str, Any] = {}
    for match in _VALUE.finditer(body):
        try:
            value, _ = _DECODER.raw_decode(body, match.end())
        except (ValueError, RecursionError):
            continue
        key = match["key"]
        if key == "source":
            if error:
                parts.append(
                    _error(error.get("traceback"), error.get("ename"), error.get("evalue"))
                )
                error = {}
            source = _joined(value)
            if source.strip():
                parts.append(f"```python\n{source.rstrip()}\n```\n")
        else:
            error[key] = value
    if error:
        parts.append(_error(error.get("traceback"), error.get("ename"), error.get("evalue")))
    return "\n".join(part for part in parts if part)


def _error(traceback: Any, ename: Any, evalue: Any) -> str:
    shown = traceback if isinstance(traceback, list) else []
    lines = [_ANSI.sub("", str(line)).rstrip("\n") for line in shown if line is not None]
    exception = f"{ename}: {evalue}" if isinstance(ename, str) and ename else ""
    if exception:
        # IPython's last line is `ename: evalue` coloured: the message as raised is `evalue`.
        if lines and lines[-1].startswith(f"{ename}:"):
            lines.pop()
        lines.append(exception)
    text = "\n".join(lines).strip("\n")
    return f"```\n{text}\n```\n" if text else ""


def _joined(source: Any) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return ""
