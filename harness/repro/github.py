"""A GitHub issue or pull request, read through the REST API as the text of a bug report.

Only what the reporter wrote counts: the title, the body, and the reporter's own later
comments. Others' comments are left out, because a maintainer asking "did you set
KERAS_BACKEND=jax?" is a question, not the reporter's setting.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import ConfigurationError, IssueTrackerError
from harness.tls import https_context

API = "https://api.github.com"
# At most 100 comments per page is the API's own limit.
PAGE_SIZE = 100

Fetch = Callable[[str], bytes]

_OWNER = r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))"
_REPO = r"(?P<repo>[A-Za-z0-9._-]{1,100})"
_URL = re.compile(
    rf"^https?://(?:www\.)?github\.com/{_OWNER}/{_REPO}/(?:issues|pull)/(?P<number>\d+)"
    r"(?:[/?#].*)?$"
)
_SHORT = re.compile(rf"^{_OWNER}/{_REPO}#(?P<number>\d+)$")
_SHORT_LIKE = re.compile(r"^[\w.-]+/[\w.-]+#")
USAGE = "write https://github.com/OWNER/REPO/issues/N (or /pull/N) or OWNER/REPO#N"


@dataclass(frozen=True, kw_only=True)
class IssueReference:
    """An issue or pull request: OWNER/REPO#N."""

    owner: str
    repo: str
    number: int

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


@dataclass(frozen=True, kw_only=True)
class Comment:
    """One comment of an issue."""

    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class Issue:
    """An issue or pull request with its comments, as the API gave them."""

    reference: IssueReference
    title: str
    body: str
    author: str
    created_at: datetime
    url: str
    own_comments: tuple[Comment, ...]  # the author's, oldest first
    others_comments: int  # comments by anyone else, left out

    def as_report(self) -> str:
        """Title, body and the author's own comments, as one Markdown report."""
        parts = [f"# {self.title}", self.body.strip()]
        # Marked as the author's, so that a `---` rule inside one is not read as the start of
        # somebody else's comment (harness.repro.bug_report.parse's convention for pasted threads).
        parts += [
            f"**Comment by {c.author} (author)**\n\n{c.body.strip()}" for c in self.own_comments
        ]
        # Text typed in the browser comes back with CRLF line ends.
        return "\n\n".join(p for p in parts if p).replace("\r\n", "\n") + "\n"


def parse_reference(text: str) -> IssueReference | None:
    """The issue `text` names, or None if it does not try to name one.

    A github.com URL or an OWNER/REPO#... that is not a valid reference is refused in one line
    rather than read as a file name.
    """
    match = _URL.match(text) or _SHORT.match(text)
    if match is None:
        if re.match(r"^https?://(?:www\.)?github\.com(?:/|$)", text) or _SHORT_LIKE.match(text):
            raise ConfigurationError(f"{text}: not an issue or pull request; {USAGE}")
        return None
    number = int(match["number"])
    if number < 1:
        raise ConfigurationError(f"{text}: issue numbers start at 1; {USAGE}")
    return IssueReference(owner=match["owner"], repo=match["repo"], number=number)


def api_request(url: str, token: str | None) -> urllib.request.Request:
    """GET `url` as the REST API asks to be called: JSON, a user agent, the token if any."""
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": f"keras-matrix-harness/{__version__}",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return urllib.request.Request(url, headers=headers)  # noqa: S310 - an http(s) API URL


def https_fetch(token: str | None, ca_bundle: Path | None) -> Fetch:
    """A fetcher for the API that sends `token` (GITHUB_TOKEN) and trusts `ca_bundle`."""
    context = https_context(ca_bundle)

    def fetch(url: str) -> bytes:
        request = api_request(url, token)
        with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310
            body: bytes = response.read()
            return body

    return fetch


def api_root() -> str:
    """The API's address: GITHUB_API_URL where set (GitHub Enterprise Server), else github.com's."""
    return os.environ.get("GITHUB_API_URL", "").rstrip("/") or API


def fetch_issue(
    reference: IssueReference, fetch: Fetch, *, api: str = API, page_size: int = PAGE_SIZE
) -> Issue:
    """The issue (a pull request's conversation is the same endpoint) and its author's comments."""
    base = f"{api}/repos/{reference.owner}/{reference.repo}/issues/{reference.number}"
    data = _get(fetch, base, reference, api)
    if not isinstance(data, dict):
        raise IssueTrackerError(f"{reference}: GitHub answered something other than an issue")
    author = _login(data, reference)
    expected = data.get("comments")
    comments: list[dict[str, Any]] = []
    page = 1
    # The issue says how many comments it has; pages are asked until they are all read, or
    # until a short page says there are no more (comments deleted meanwhile).
    while isinstance(expected, int) and len(comments) < expected:
        found = _get(fetch, f"{base}/comments?per_page={page_size}&page={page}", reference, api)
        if not isinstance(found, list):
            raise IssueTrackerError(f"{reference}: GitHub answered comments that are not a list")
        comments += [c for c in found if isinstance(c, dict)]
        if len(found) < page_size:
            break
        page += 1
    own = tuple(
        Comment(
            author=author,
            body=str(c.get("body") or ""),
            created_at=_time(c.get("created_at"), reference),
        )
        for c in comments
        if _login(c, reference) == author
    )
    return Issue(
        reference=reference,
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        author=author,
        created_at=_time(data.get("created_at"), reference),
        url=str(data.get("html_url") or ""),
        own_comments=own,
        others_comments=len(comments) - len(own),
    )


def _login(data: dict[str, Any], reference: IssueReference) -> str:
    user = data.get("user")
    # A deleted account shows as null; its text still counts as someone else's.
    if user is None:
        return "ghost"
    if not isinstance(user, dict) or not isinstance(user.get("login"), str):
        raise IssueTrackerError(f"{reference}: GitHub answered an issue or comment with no author")
    login: str = user["login"]
    return login


def _time(value: Any, reference: IssueReference) -> datetime:
    try:
        # 3.10's fromisoformat does not read the trailing Z the API writes.
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise IssueTrackerError(f"{reference}: GitHub answered a date {value!r}") from None


def _get(fetch: Fetch, url: str, reference: IssueReference, api: str) -> Any:
    try:
        return json.loads(fetch(url))
    except urllib.error.HTTPError as exc:
        raise _refusal(exc, reference) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise IssueTrackerError(f"{reference}: cannot reach GitHub ({api}): {reason}") from None
    except ValueError:
        raise IssueTrackerError(f"{reference}: GitHub's answer to {url} is not JSON") from None


def _refusal(exc: urllib.error.HTTPError, reference: IssueReference) -> Exception:
    """What an HTTP error means for the user: their reference (2), or GitHub's state (8)."""
    if exc.code in (404, 410):
        return ConfigurationError(
            f"{reference}: GitHub has no such issue or pull request (HTTP {exc.code}; "
            "a private repository needs GITHUB_TOKEN)"
        )
    if exc.code == 401:
        return ConfigurationError(f"{reference}: GitHub refused GITHUB_TOKEN (HTTP 401)")
    headers = exc.headers
    remaining = headers.get("X-RateLimit-Remaining") if headers is not None else None
    if exc.code == 429 or (exc.code == 403 and remaining == "0"):
        reset = headers.get("X-RateLimit-Reset") if headers is not None else None
        until = ""
        if reset and reset.isdigit():
            when = datetime.fromtimestamp(int(reset), tz=timezone.utc)
            until = f" until {when:%Y-%m-%d %H:%M} UTC"
        token = "" if os.environ.get("GITHUB_TOKEN") else "; set GITHUB_TOKEN for a higher limit"
        return IssueTrackerError(
            f"{reference}: GitHub's API rate limit is used up{until} (HTTP {exc.code}){token}"
        )
    return IssueTrackerError(f"{reference}: GitHub answered HTTP {exc.code} {exc.reason}")
