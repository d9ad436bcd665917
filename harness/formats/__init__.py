"""The published formats of a `Report`: Markdown, HTML, JSON and CSV."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from harness.formats import csvdoc, html, jsondoc, markdown
from harness.views import Report

Renderer = Callable[[Report], str]
# format name -> (file extension, renderer)
FORMATS: MappingProxyType[str, tuple[str, Renderer]] = MappingProxyType(
    {
        "md": ("md", markdown.render),
        "html": ("html", html.render),
        "json": ("json", jsondoc.render),
        "csv": ("csv", csvdoc.render),
    }
)


def render(report: Report, name: str) -> str:
    return FORMATS[name][1](report)


def extension(name: str) -> str:
    return FORMATS[name][0]
