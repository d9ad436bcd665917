"""A report's text as the reporter wrote it, before a renderer, a scraper or another markup
changed it: the one place `parse.extract` undoes them, each said among the assumptions.

- Windows line ends, non-breaking and zero-width spaces (a web page's `&nbsp;`, a chat's
  zero-width joiners), which Python rejects in code and nothing else tells from a space; an
  email's quoted-printable body (`=C2=A0`, lines broken with `=`).
- HTML: a page's source or a scraped question (`<pre><code>`, `<br>`, `<p>`, inline `<code>`)
  is Markdown again, a `<blockquote>` a `> ` quote, and its entities (`&lt;module&gt;`,
  `&#39;keras&#39;`) the characters they stand for, which Python printed: the claimed message
  must be the real one to be compared.
- A traceback's frame whose source line rendered Markdown joined to it, split again.
- Other markups' code blocks: BBCode's `[code]`, Jira's `{code}` / `{noformat}`,
  reStructuredText's `.. code-block::` and `::` literal blocks, a notebook's JSON
  (`notebook_json`), become fenced blocks.
- A typographer's quotes and dashes where Python or a shell needs ASCII (`typography`).
"""

from __future__ import annotations

import html.entities
import quopri
import re
from collections.abc import Callable

from harness.repro.bug_report import markdown_eaten, multiline_spans, notebook_json, typography

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INVISIBLE = str.maketrans(
    {"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u200b": "", "\u200c": "", "\u2060": ""}
)
_ZERO_WIDTH_JOINER = re.compile(r"\u200d|\ufeff")
# An email's quoted-printable source: lines broken with a closing `=`, bytes as `=C2=A0`.
_SOFT_BREAK = re.compile(r"=\n")
_QP_BYTE = re.compile(r"=(?:[89A-F][0-9A-F]|3D|20)")
# Entities with their semicolon only: `&para=2` in a URL is not `¶=2`.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,30});")
# What a renderer escapes: an entity among these says the text is HTML source.
_ESCAPED = re.compile(r"&(?:lt|gt|quot|amp|apos|nbsp|#3[49]|#x2[27]|#60|#62);", re.IGNORECASE)
_PRE_OPEN = re.compile(
    r"\n?<pre\b[^<>\n]{0,300}>[ \t]*(?:<code\b[^<>\n]{0,300}>)?[ \t]*\n?",
    re.IGNORECASE,
)
_PRE_CLOSE = re.compile(r"\n?(?:</code>[ \t]*)?</pre>[ \t]*\n?", re.IGNORECASE)
_LANGUAGE = re.compile(r"\b(?:lang|language)-(?P<name>[\w+-]{1,20})")
_INLINE_CODE = re.compile(r"<code\b[^<>\n]{0,300}>(?P<body>[^<\n]{0,2000})</code>", re.IGNORECASE)
_CODE_OPEN = re.compile(r"\n?<code\b[^<>\n]{0,300}>[ \t]*\n?", re.IGNORECASE)
_CODE_CLOSE = re.compile(r"\n?</code>[ \t]*\n?", re.IGNORECASE)
_BREAK = re.compile(r"<br\s{0,3}/?>", re.IGNORECASE)
_LINK = re.compile(
    r"<a\b[^<>\n]{0,300}?href=[\"'](?P<url>[^\"'<>\s]{1,2000})[\"'][^<>\n]{0,300}>"
    r"(?P<text>[^<\n]{0,500})</a>",
    re.IGNORECASE,
)
# Rendered Markdown joins a paste's lines: a frame's source line left on the frame's own line,
# after the spaces that indented it (`in <module>    import keras_preprocessing`).
_JOINED_FRAME = re.compile(
    r"^(?P<frame>[ \t]*File \"[^\"\n]{1,1000}\", line \d{1,7}, in [^\s]{1,200})"
    r" {2,}(?P<source>\S[^\n]*)$",
    re.MULTILINE,
)
_QUOTE_OPEN = re.compile(r"<blockquote\b[^<>\n]{0,300}>", re.IGNORECASE)
_QUOTE_CLOSE = "</blockquote>"
_BLOCK_END = re.compile(
    r"</(?:p|div|li|ul|ol|h[1-6]|blockquote|summary|details|tr|table|aside|article|section|dd|dt)>",
    re.IGNORECASE,
)
# Tags of a page's layout, never a name Python prints between angle brackets (`<module>`,
# `<stdin>`, `<listcomp>`, `<ipython-input-3-...>`): those are no HTML element.
_TAG = re.compile(
    r"</?(?:p|div|span|b|i|em|strong|a|ul|ol|li|blockquote|h[1-6]|details|summary|sup|sub|"
    r"kbd|tt|table|tr|td|th|tbody|thead|aside|article|section|img|hr|dl|dt|dd)"
    r"(?:\s[^<>\n]{0,500})?/?>",
    re.IGNORECASE,
)
_BBCODE_OPEN = re.compile(r"\n?\[code(?:=(?P<lang>[\w+-]{1,20}))?\][ \t]*\n?", re.IGNORECASE)
_BBCODE_CLOSE = re.compile(r"\n?\[/code\][ \t]*\n?", re.IGNORECASE)
_JIRA = re.compile(r"\n?\{(?:code(?::(?P<lang>[\w+-]{1,20})[^{}\n]{0,200})?|noformat)\}[ \t]*\n?")
_RST_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. (?:code-block|code|sourcecode|parsed-literal)::"
    r"[ \t]*(?P<lang>[\w+-]{0,20})[ \t]*$"
)
_RST_OPTION = re.compile(r"^[ \t]+:[\w-]{1,30}:")
_RST_LITERAL = re.compile(r"^(?P<text>[^\n]*\S)::[ \t]*$")


def plain(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with what rendering and other markups did to it undone, and notes saying what."""
    notes: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    decoded = _from_quoted_printable(text)
    if decoded != text:
        notes.append("the report is an email's quoted-printable source: read decoded")
        text = decoded
    text, found = notebook_json.as_markdown(text)
    if found:
        notes.append(
            "a notebook's JSON read as its cells: their `source` as code, their error outputs "
            "(`ename`, `evalue`, `traceback`) as the traceback"
        )
    html_text = _outside_fences(text, _from_html)
    escaped = _ESCAPED.search(html_text) is not None
    # Layout alone (a GitHub issue's `<details>`, `<img>`) goes without saying; blocks, line
    # breaks and entities change what is read.
    said = escaped or html_text.count("```") != text.count("```") or _BREAK.search(text)
    text = _ENTITY.sub(_character, html_text) if escaped else html_text
    if said:
        notes.append(
            "the report is HTML (a page's source or a scraped post): its tags read as "
            "Markdown and its entities (`&lt;`, `&#39;`, `&quot;`) as the characters they "
            "stand for, as Python printed them"
        )
    # After the entities: `&nbsp;` and a quoted-printable `=C2=A0` are such spaces too.
    invisible = text.translate(_INVISIBLE)
    invisible = _ZERO_WIDTH_JOINER.sub("", invisible)
    if invisible != text:
        notes.append("non-breaking and zero-width spaces read as spaces (copied from a web page)")
        text = invisible
    marked = _outside_fences(_outside_fences(text, _from_bbcode_and_jira), _from_rst)
    if marked != text:
        notes.append(
            "code blocks of another markup (`[code]`, `{code}`, `{noformat}`, "
            "`.. code-block::`, a `::` literal block) read as fenced blocks"
        )
        text = marked
    spans = _outside_fences(text, multiline_spans.fenced)
    if spans != text:
        notes.append("code pasted between single backticks over several lines read as a block")
        text = spans
    split = _JOINED_FRAME.sub(lambda m: f"{m['frame']}\n    {m['source']}", text)
    if split != text:
        notes.append("a frame's source line joined to it (rendered Markdown) read on its own line")
        text = split
    text, eaten = markdown_eaten.restored(text)
    notes.extend(eaten)
    text, straightened = typography.straightened(text)
    notes.extend(straightened)
    return text, tuple(notes)


def _from_quoted_printable(text: str) -> str:
    if len(_SOFT_BREAK.findall(text)) < 2 or not _QP_BYTE.search(text):
        return text
    try:
        return quopri.decodestring(text.encode("utf-8")).decode("utf-8")
    except (UnicodeError, ValueError):
        return text


def _character(match: re.Match[str]) -> str:
    entity = match[0]
    if entity.startswith("&#"):
        digits = entity[2:-1]
        number = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
        return chr(number) if 0 < number < 0x110000 and not 0xD800 <= number < 0xE000 else entity
    return html.entities.html5.get(entity[1:], entity)


def _outside_fences(text: str, change: Callable[[str], str]) -> str:
    """`change` applied to each run of lines outside Markdown's fenced blocks."""
    out: list[str] = []
    run: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            if run:
                out.append(change("\n".join(run)))
            run = []
            fence = match[1][0] * len(match[1])
            out.append(line)
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            out.append(line)
        else:
            run.append(line)
    if run:
        out.append(change("\n".join(run)))
    return "\n".join(out)


def _from_html(text: str) -> str:
    if "<" not in text:
        return text
    return _at_its_ends(text, _without_tags(text))


def _at_its_ends(text: str, changed: str) -> str:
    """`changed` without the line breaks a block's tag at the text's very start or end added."""
    if changed.startswith("\n") and not text.startswith("\n"):
        changed = changed[1:]
    if changed.endswith("\n") and not text.endswith("\n"):
        changed = changed[:-1]
    return changed


def _without_tags(text: str) -> str:

    def pre_open(match: re.Match[str]) -> str:
        language = _LANGUAGE.search(match[0])
        name = language["name"] if language and language["name"] != "auto" else ""
        return f"\n```{name}\n"

    text = _PRE_OPEN.sub(pre_open, text)
    text = _PRE_CLOSE.sub("\n```\n", text)
    text = _BREAK.sub("\n", text)
    text = _INLINE_CODE.sub(lambda m: f"`{m['body']}`", text)
    # A `<code>` left spans lines (a scraped question's block without `<pre>`): a block; one
    # closed before any opens began before the text does (a post scraped from inside it).
    opening, closing = _CODE_OPEN.search(text), _CODE_CLOSE.search(text)
    if closing and (opening is None or closing.start() < opening.start()):
        text = "```\n" + text
    text = _CODE_OPEN.sub("\n```\n", text)
    text = _CODE_CLOSE.sub("\n```\n", text)
    text = _LINK.sub(lambda m: f"[{m['text']}]({m['url']})", text)
    text = _quoted(text)
    text = _BLOCK_END.sub("\n", text)
    return _TAG.sub("", text)


def _quoted(text: str) -> str:
    """A `<blockquote>` (a forum's quote of another post) as Markdown's `> ` lines: someone
    else's words, which the report's reader tells from the reporter's."""
    out: list[str] = []
    position = 0
    lowered = text.lower()
    while (opening := _QUOTE_OPEN.search(text, position)) is not None:
        closing = lowered.find(_QUOTE_CLOSE, opening.end())
        if closing < 0:
            break
        inner = _BLOCK_END.sub("\n", text[opening.end() : closing])
        lines = [line for line in _TAG.sub("", inner).split("\n") if line.strip()]
        out.extend([text[position : opening.start()], "\n", *(f"> {line}\n" for line in lines)])
        position = closing + len(_QUOTE_CLOSE)
    out.append(text[position:])
    return "".join(out)


def _from_bbcode_and_jira(text: str) -> str:
    if "[" not in text and "{" not in text:
        return text
    original = text
    text = _BBCODE_OPEN.sub(lambda m: f"\n```{m['lang'] or ''}\n", text)
    text = _BBCODE_CLOSE.sub("\n```\n", text)
    opened = False

    def jira(match: re.Match[str]) -> str:
        # Jira's `{code}` both opens and closes; only the opening one names a language.
        nonlocal opened
        opened = not opened
        return f"\n```{match['lang'] or ''}\n" if opened else "\n```\n"

    return _at_its_ends(original, _JIRA.sub(jira, text))


def _from_rst(text: str) -> str:
    if "::" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _RST_DIRECTIVE.match(line)
        literal = None if directive else _RST_LITERAL.match(line)
        if directive is None and literal is None:
            out.append(line)
            index += 1
            continue
        start = index + 1
        while start < len(lines) and _RST_OPTION.match(lines[start]):
            start += 1
        indent = len(directive["indent"]) if directive else len(line) - len(line.lstrip())
        end = _indented_end(lines, start, indent)
        if end == start:
            out.append(line)
            index += 1
            continue
        while not lines[start].strip():
            start += 1
        body = lines[start:end]
        margin = min(len(b) - len(b.lstrip()) for b in body if b.strip())
        if literal is not None:
            out.append(literal["text"] + ":")
        out.extend(
            [
                f"```{directive['lang'] if directive else ''}",
                *(b[margin:] for b in body),
                "```",
            ]
        )
        index = end
    return "\n".join(out)


def _indented_end(lines: list[str], start: int, indent: int) -> int:
    """Where the block indented deeper than `indent` after a blank line at `start` ends
    (`start` itself when there is none)."""
    if start >= len(lines) or lines[start].strip():
        return start
    end = start
    seen = False
    while end < len(lines):
        line = lines[end]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        seen = seen or bool(line.strip())
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end if seen else start
