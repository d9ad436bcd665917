"""The published formats of a `Report`: Markdown, HTML, JSON, CSV, and for CI and READMEs
JUnit XML, a compact Markdown summary and an SVG picture."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from harness.results.formats import csvdoc, html, jsondoc, junit, markdown, summary, svg
from harness.results.views import Report

Renderer = Callable[[Report], str]
# format name -> (file extension, renderer)
FORMATS: MappingProxyType[str, tuple[str, Renderer]] = MappingProxyType(
    {
        "md": ("md", markdown.render),
        "html": ("html", html.render),
        "json": ("json", jsondoc.render),
        "csv": ("csv", csvdoc.render),
        "junit": ("junit.xml", junit.render),
        "summary": ("summary.md", summary.render),
        "svg": ("svg", svg.render),
    }
)


def render(report: Report, name: str) -> str:
    """The report in format `name` (md, html, json, csv, junit, svg)."""
    return FORMATS[name][1](report)


def extension(name: str) -> str:
    """The file extension of format `name`."""
    return FORMATS[name][0]
