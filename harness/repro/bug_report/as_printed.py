"""A report's text as its reporter's program printed it: markup a renderer, a scraper or a
typographer added undone first (rendered_text.py), then the mark a log puts on each line
(log_prefixes.py), then a notebook's links on its traceback's lines (notebook_links.py). Every
reader after this one reads Markdown."""

from __future__ import annotations

from harness.repro.bug_report import log_prefixes, notebook_links, rendered_text


def as_printed(text: str) -> tuple[str, tuple[str, ...]]:
    """The text to read, and what undoing its rendering changed, to say among the notes."""
    plain, rendered = rendered_text.plain(text)
    text, linked = notebook_links.unlinked(log_prefixes.readable(plain))
    return text, (*rendered, notebook_links.NOTE) if linked else tuple(rendered)
