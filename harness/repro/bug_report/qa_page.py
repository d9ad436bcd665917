"""A question-and-answer page saved or copied as text (Stack Overflow, a forum thread, a Q&A
site in another language): the question is the report, and what others wrote under it is not.

Two marks tell the others' words apart, whatever the site:

- the heading that opens the answers, a line of its own: Stack Overflow's "10 Answers 10"
  (its count, and again beside the sort control), "2 answers", "Answer:", "Accepted answer",
  "Sorted by: Highest score (default)", and the same in other languages ("3 个回答",
  "回答 2 件", "2件の回答", "답변 2", "2 respuestas", "3 Antworten"). Everything below it is
  answers: a suggested `pip install` or a corrected snippet is not what the reporter ran.
- a comment under the question, which ends with its timestamp: "... Apr 15, 2019 at 12:30",
  or the older "– user Sep 10 '19 at 14:42" with the stamp on a line of its own. The comment
  runs back to its bullet (the line with its vote count, "• 2", or a "• " item) or to the
  blank line before it. The page's own stamps ("Asked Apr 22, 2024 at 9:14", "edited ...")
  are not comments: the question's is the report's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"

# Matched against the line stripped and with each run of blanks made one space (`_squeezed`):
# two optional runs side by side would be tried in every split of a long run of spaces.
_ANSWERS = re.compile(
    r"^(?:#{1,6} ?)?(?:\*\*|__)?(?:"
    r"\d+ answers?(?: \d+)?"
    r"|(?:(?:accepted|best|top) )?answers? ?[:：]?"
    r"|sorted by ?:.*"
    r"|\d+ ?(?:个|個|条|條|件の)?(?:回答|答案|解答)"
    r"|(?:回答|答案|解答) ?[:：]?(?: ?\d+(?: ?(?:个|個|件|条|條))?)?"
    r"|\d+ ?개의 ?답변|답변(?: ?\d+)?"
    r"|\d+ (?:respuestas?|réponses?|antworten|respostas?|risposte|ответ(?:а|ов)?)"
    r")(?:\*\*|__)?$",
    re.IGNORECASE,
)
# The stamp that closes a comment: "Apr 15, 2019 at 12:30", "Sep 10 '19 at 14:42".
_STAMP = re.compile(
    r"(?:^| )" + _MONTHS + r" \d{1,2}(?:, ?\d{4}| '\d\d)? at \d{1,2}:\d\d$", re.IGNORECASE
)
# The page's own stamps: "Asked Apr 22, 2024 at 9:14", "answered ...", "edited ...".
_PAGE_STAMP = re.compile(r"^(?:asked|modified|answered|edited|posted)\b", re.IGNORECASE)
# A comment's first line: its vote count alone ("• 2", "2"), or a bullet item.
_BULLET = re.compile(r"^(?:[•·*-] ?\d*|\d+)$|^[•·] \S")


def _squeezed(line: str) -> str:
    """The line stripped, each run of blanks one space."""
    return " ".join(line.split())


def opens_answers(line: str) -> bool:
    """The heading over the answers of a Q&A page ("10 Answers 10", "Answer:", "2件の回答")."""
    return _ANSWERS.match(_squeezed(line)) is not None


def comment_lines(lines: list[str], index: int) -> range | None:
    """The lines of a comment under the question whose timestamp ends line `index`, back to
    its bullet or to the blank line before it (at most 6 lines), or None."""
    last = _squeezed(lines[index])
    if not _STAMP.search(last) or _PAGE_STAMP.match(last):
        return None
    start = index
    while start > 0 and index - start < 6:
        if _BULLET.match(_squeezed(lines[start])):
            break
        if not lines[start - 1].strip():
            break
        start -= 1
    return range(start, index + 1)


@dataclass(frozen=True)
class OthersWords:
    """The lines (0-based) of a Q&A page that are others' words: its answers, from their
    heading to the end, and the comments under its question."""

    lines: set[int] = field(default_factory=set)
    answers_at: int | None = None  # 1-based line of the answers' heading
    comments_at: list[int] = field(default_factory=list)  # 1-based first line of each comment

    def count(self) -> int:
        """How many parts by others were left out."""
        return len(self.comments_at) + (self.answers_at is not None)

    def notes(self) -> list[str]:
        """The listing's words for what was left out."""
        said = []
        if self.answers_at is not None:
            said.append(
                f"the page's answers (from line {self.answers_at}) are others' words, not read "
                "as the report: their pip lines and code are suggestions, not what was run"
            )
        if self.comments_at:
            where = ", ".join(str(number) for number in self.comments_at)
            said.append(f"comments under the question (line {where}) are others' words, not read")
        return said


def others_words(lines: list[str]) -> OthersWords:
    """The answers and question comments of a Q&A page saved as text; none in other reports."""
    others: set[int] = set()
    comments: list[int] = []
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match[1][0] * 3
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None and opens_answers(line):
            others.update(range(index, len(lines)))
            return OthersWords(others, index + 1, comments)
        elif fence is None and (remark := comment_lines(lines, index)) is not None:
            others.update(remark)
            comments.append(remark.start + 1)
    return OthersWords(others, None, comments)
