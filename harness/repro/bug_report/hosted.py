"""Where a report's code lives when it is not in the report (a Colab notebook, a gist), and the
hosted notebook service it ran on. Neither is fetched: a Colab notebook needs its owner's
Google sign-in, and the harness reaches no site but PyPI's mirror."""

from __future__ import annotations

import re

# Links to code: a notebook on Colab (its own, a gist or a GitHub file opened there), a gist,
# a Kaggle notebook, a notebook file on GitHub.
_CODE_LINK = re.compile(
    r"https?://(?:colab\.research\.google\.com/(?:drive|gist|github)/"
    r"|colab\.sandbox\.google\.com/|gist\.github\.com/|(?:www\.)?kaggle\.com/code/"
    r"|github\.com/[\w.-]+/[\w.-]+/blob/[^\s)\]]+\.ipynb)[^\s)\]>`'\"]*",
    re.IGNORECASE,
)
# "on Colab", "Google Colaboratory", "google collab"; Kaggle's notebooks ("in a Kaggle notebook").
_HOSTED = (
    (re.compile(r"\bcoll?ab(?:oratory)?\b", re.IGNORECASE), "Colab"),
    (re.compile(r"\bkaggle\b", re.IGNORECASE), "Kaggle"),
)


def code_links(text: str) -> tuple[str, ...]:
    """The links to notebooks and gists in `text`, in order, each once."""
    return tuple(dict.fromkeys(match[0].rstrip(".,;:") for match in _CODE_LINK.finditer(text)))


# A service named to say the report did not run there: "locally, not on Google Colab", "I don't
# use Colab", "outside of Kaggle".
_NOT_THERE = re.compile(
    r"(?:\bnot|n't|\bwithout|\boutside(?:\s+of)?|\binstead\s+of)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)


def hosted_on(text: str) -> str:
    """The hosted notebook service the report says it ran on ("Colab", "Kaggle"), else ''."""
    for pattern, name in _HOSTED:
        for match in pattern.finditer(text):
            if not _NOT_THERE.search(text[max(0, match.start() - 40) : match.start()]):
                return name
    return ""
