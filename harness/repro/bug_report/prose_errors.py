"""An error a report writes into its prose rather than pasting: a sentence that names one
with its message ("I meet AttributeError: module 'tensorflow' has no attribute 'keras'"), or
a message whose type goes without saying in a sentence that says it came."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.repro.bug_report.model import ReportedError
from harness.repro.bug_report.other_languages import CJK

# Messages whose exception type goes without saying, as titles give them without it.
UNTYPED_MESSAGES = (
    # A title's capital is the title's, not Python's: "Module 'x' has no attribute 'y'".
    (re.compile(r"\b[Mm]odule '[\w.]+' has no attribute '\w+'"), "AttributeError"),
    # with Python's aside when the parent is a module: "; 'keras.backend' is not a package"
    (
        re.compile(r"\bNo module named '[\w.]+'(?:; '[\w.]+' is not a package)?"),
        "ModuleNotFoundError",
    ),
    (re.compile(r"'\w+' object has no attribute '\w+'"), "AttributeError"),
    # A call's arguments not fitting its signature, and objects used as what they are not.
    (
        re.compile(
            r"(?<![\w.])[A-Za-z_][\w.]*\(\) (?:missing \d+ required (?:positional|keyword-only) "
            r"arguments?: '\w+'(?:, '\w+')*(?:,? and '\w+')?|got an unexpected keyword "
            r"argument '\w+'|got multiple values for argument '\w+'|takes (?:from \d+ to )?\d+ "
            r"positional arguments? but \d+ (?:were|was) given)"
            r"|'\w+' object is not (?:callable|subscriptable|iterable)"
        ),
        "TypeError",
    ),
    (
        re.compile(
            r"\b[Cc]annot import name '\w+'(?: from (?:partially initialized module )?'[\w.]+')?"
        ),
        "ImportError",
    ),
    # Python 2's words, and a reporter's retelling of them: "No module named keras".
    (
        re.compile(r"\bNo module named [A-Za-z_][\w.]*(?=[\s`'\".,;:!?)]|$)", re.IGNORECASE),
        "ImportError",
    ),
)

# An error written into a sentence: "I meet AttributeError: module 'tensorflow' has no
# attribute 'keras'. I think ...". Only a type ending in Error or Exception, after a space.
# After a word of a language written without spaces ("出现ValueError: x") or a full-width
# colon or comma, as well ("报错：ValueError: x").
_PROSE_ERROR = re.compile(
    # (ASCII names: `\w` would run on through the CJK text from every start after it)
    # also in brackets: "How do I resolve this error(ModuleNotFoundError: ...)?"
    r"(?:^|(?<=[\s(（：，\"“" + CJK + r"]))"
    r"(?P<type>(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Z][A-Za-z0-9_]*(?:Error|Exception))"
    r"(?::[ \t]+|[ \t]*：[ \t]*)(?P<msg>\S[^\n]*)"
)
_PROSE_QUOTED_ERROR = re.compile(
    r"(?:^|(?<=\s))(?P<type>(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Z][A-Za-z0-9_]*(?:Error|Exception))"
    r'[ \t]+["“`](?P<msg>[^"”`\n]{3,300})["”`]'
)


def _prose_lines(text: str) -> Iterator[str]:
    """The lines outside fences and indented code: `except ValueError: pass` names no error
    anyone got."""
    fence = ""
    for line in text.splitlines():
        marker = re.match(r"^\s{0,3}(`{3,}|~{3,})", line)
        if marker:
            fence = "" if fence and marker[1].startswith(fence) else fence or marker[1]
        elif not fence and not line.startswith(("    ", "\t")):
            yield line


def in_prose(text: str) -> ReportedError | None:
    """The first error a sentence names with its message, when nothing else gives one."""
    for line in _prose_lines(text):
        match = _PROSE_ERROR.search(line) or _PROSE_QUOTED_ERROR.search(line)
        if match is None or re.search(r"\b(?:except|raise)\s+$", line[: match.start()]):
            continue
        message = without_full_stop(sentence_message(match["msg"]).strip().strip('`*"'))
        return ReportedError(type=match["type"], message=message, source="sentence")
    return None


# A sentence that says it reports the message: Chinese, Japanese or Korean prose around it
# ("该句会报 No module named 'x' 错误", "No module named 'x' というエラーが出ます"), or English
# words of getting one ("I get No module named 'x' when ...").
_REPORTS = re.compile(
    r"[" + CJK + r"]|\b(?:get|gets|got|getting|shows?|says?|throws?|raises?|gives?|errors?)\b",
    re.IGNORECASE,
)


def untyped_in_prose(text: str) -> ReportedError | None:
    """A message whose type goes without saying (`No module named 'x.y'`), written into a
    sentence that says it was reported, when the report gives no typed error anywhere."""
    for raw in _prose_lines(text):
        line = re.sub(f"(?<=[{CJK}])(?=[A-Za-z])", " ", raw)  # "报错No module named"
        for pattern, kind in UNTYPED_MESSAGES:
            match = pattern.search(line)
            if match is not None and _REPORTS.search(line[: match.start()] + line[match.end() :]):
                return ReportedError(type=kind, message=match[0], source="sentence")
    return None


def sentence_message(message: str) -> str:
    """A message quoted in a sentence ends where a message of a known form ends ("module
    'x' has no attribute 'y'" then " when I call it") or where the sentence ends."""
    for pattern, _ in UNTYPED_MESSAGES:
        known = pattern.match(message)
        if known is not None:  # with Python's own aside: "(most likely due to a circular import)"
            aside = re.match(r"\s*\([^)\n]*\)", message[known.end() :])
            return known[0] + (aside[0] if aside else "")
    unclosed = _UNCLOSED.match(message)
    if unclosed is not None:
        closed = unclosed["message"] + "'"
        if any(pattern.fullmatch(closed) for pattern, _ in UNTYPED_MESSAGES):
            return closed
    end = re.search(r"(?<=[\w'\")\]])\.\s+(?=[A-Z])", message)
    return message[: end.start()] if end else message


# A message retold without its closing quote where the sentence goes on in Chinese, Japanese
# or Korean ("has no attribute 'Model 吗 我装了keras也没用"): the quoted name ends at that prose,
# and the message is the known form it completes. ASCII names only: `\w` is CJK too.
_UNCLOSED = re.compile(
    rf"(?P<message>[^\n'{CJK}]*(?:'[\w.]*'[^\n'{CJK}]*)*'[A-Za-z0-9_.]+)[ \t]*[{CJK}]"
)


def without_full_stop(message: str) -> str:
    """A message quoted in a sentence or a title, the sentence's closing period left out."""
    return message[:-1] if re.search(r"['\")\]\w][.。]$", message) else message
