"""Reading a GitHub issue as a bug report, from recorded API responses: references, the
author's own comments, pagination, the token, and every way the API can refuse."""

from __future__ import annotations

import io
import urllib.error
from datetime import date, datetime, timezone
from email.message import Message

import pytest

from harness.errors import ConfigurationError, HarnessError, IssueTrackerError
from harness.repro.bug_report.parse import extract
from harness.repro.github import (
    API,
    Fetch,
    IssueReference,
    api_request,
    fetch_issue,
    parse_reference,
)
from tests.github_fake import recorded_fetch

BACKEND_ISSUE = IssueReference(owner="acme-ml", repo="keras-issues", number=1207)
PULL = IssueReference(owner="acme-ml", repo="keras-issues", number=1311)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://github.com/acme-ml/keras-issues/issues/1207", BACKEND_ISSUE),
        ("https://github.com/acme-ml/keras-issues/issues/1207/", BACKEND_ISSUE),
        ("https://github.com/acme-ml/keras-issues/issues/1207#issuecomment-2701001", BACKEND_ISSUE),
        ("https://www.github.com/acme-ml/keras-issues/issues/1207?q=1", BACKEND_ISSUE),
        ("https://github.com/acme-ml/keras-issues/pull/1311", PULL),
        ("https://github.com/acme-ml/keras-issues/pull/1311/files", PULL),
        ("acme-ml/keras-issues#1207", BACKEND_ISSUE),
        ("issue.md", None),
        ("reports/bug.md", None),
        ("-", None),
    ],
)
def test_references_name_an_issue_or_nothing(text: str, expected: IssueReference | None) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/acme-ml/keras-issues",
        "https://github.com/acme-ml/keras-issues/issues/abc",
        "https://github.com/acme-ml/keras-issues/discussions/12",
        "https://github.com/",
        "acme-ml/keras-issues#",
        "acme-ml/keras-issues#12a",
        "acme-ml/keras-issues#0",
    ],
)
def test_a_malformed_reference_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_reference(text)
    assert str(caught.value).startswith(f"{text}: ")
    assert "OWNER/REPO#N" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.return_code == 2


def test_the_report_is_the_title_body_and_the_author_s_own_comments() -> None:
    asked: list[str] = []
    issue = fetch_issue(BACKEND_ISSUE, recorded_fetch(asked))
    assert asked == [
        f"{API}/repos/acme-ml/keras-issues/issues/1207",
        f"{API}/repos/acme-ml/keras-issues/issues/1207/comments?per_page=100&page=1",
    ]
    assert issue.author == "mlopez-dev"
    assert issue.created_at == datetime(2025, 11, 4, 9, 58, 12, tzinfo=timezone.utc)
    assert issue.url == "https://github.com/acme-ml/keras-issues/issues/1207"
    assert [c.body[:20] for c in issue.own_comments] == [
        "Forgot the log, sorr",
        "Same on a second mac",
    ]
    assert issue.others_comments == 1
    text = issue.as_report()
    assert text.startswith("# ValueError: Unable to import backend with KERAS_BACKEND")
    assert "ValueError: Unable to import backend : pytorch" in text  # the author's follow-up
    assert "KERAS_BACKEND=jax" not in text  # the maintainer's question
    assert "keras==3.13.0" not in text
    # What the extraction makes of it: the reporter's settings only.
    extraction = extract(text)
    assert extraction.env == {"KERAS_BACKEND": "pytorch"}
    assert extraction.pip_steps == ("keras==3.12.0",)
    assert extraction.reported_error is not None
    assert extraction.reported_error.message == "Unable to import backend : pytorch"


def test_comments_are_read_page_by_page_until_the_issue_s_count() -> None:
    asked: list[str] = []
    issue = fetch_issue(PULL, recorded_fetch(asked), page_size=2)
    assert [url.rsplit("/", 1)[-1] for url in asked] == [
        "1311",
        "comments?per_page=2&page=1",
        "comments?per_page=2&page=2",
        "comments?per_page=2&page=3",
    ]
    # Five comments: the author's two, a bot, a maintainer, and a deleted account (user: null).
    assert [c.body for c in issue.own_comments] == [
        "Also fails with `export TF_USE_LEGACY_KERAS=1`.",
        "Rebased on main.",
    ]
    assert issue.others_comments == 3
    assert issue.url == "https://github.com/acme-ml/keras-issues/pull/1311"
    assert issue.created_at.date() == date(2024, 4, 10)


def test_an_issue_without_comments_asks_for_none() -> None:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return (
            b'{"title": "t", "body": null, "comments": 0, "user": {"login": "a"},'
            b' "created_at": "2024-01-02T03:04:05Z", "html_url": "h"}'
        )

    issue = fetch_issue(BACKEND_ISSUE, fetch)
    assert len(asked) == 1
    assert (issue.body, issue.own_comments, issue.as_report()) == ("", (), "# t\n")


def test_the_token_is_sent_as_a_bearer_token_with_the_api_s_headers() -> None:
    request = api_request(f"{API}/repos/o/r/issues/1", "ghp_example")
    assert request.get_header("Authorization") == "Bearer ghp_example"
    assert request.get_header("Accept") == "application/vnd.github+json"
    assert request.get_header("X-github-api-version") == "2022-11-28"
    assert (request.get_header("User-agent") or "").startswith("keras-matrix-harness/")
    assert api_request(f"{API}/repos/o/r/issues/1", None).get_header("Authorization") is None


def _refusing(code: int, headers: dict[str, str] | None = None, reason: str = "Forbidden") -> Fetch:
    message = Message()
    for key, value in (headers or {}).items():
        message[key] = value

    def fetch(url: str) -> bytes:
        raise urllib.error.HTTPError(url, code, reason, message, io.BytesIO(b"{}"))

    return fetch


def _unreachable(url: str) -> bytes:
    raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))


@pytest.mark.parametrize(
    ("fetch", "kind", "code", "words"),
    [
        (
            recorded_fetch(),
            ConfigurationError,
            2,
            "GitHub has no such issue or pull request (HTTP 404",
        ),
        (
            _refusing(401, reason="Unauthorized"),
            ConfigurationError,
            2,
            "refused GITHUB_TOKEN (HTTP 401)",
        ),
        (
            _refusing(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1762250400"}),
            IssueTrackerError,
            8,
            "rate limit is used up until 2025-11-04 10:00 UTC (HTTP 403)",
        ),
        (_refusing(429), IssueTrackerError, 8, "rate limit is used up (HTTP 429)"),
        (
            _refusing(503, reason="Service Unavailable"),
            IssueTrackerError,
            8,
            "HTTP 503 Service Unavailable",
        ),
        (_unreachable, IssueTrackerError, 8, "cannot reach GitHub (https://api.github.com): "),
        (lambda url: b"<html>", IssueTrackerError, 8, "is not JSON"),
        (lambda url: b"[]", IssueTrackerError, 8, "something other than an issue"),
    ],
)
def test_refusals_are_one_line_with_the_right_exit_code(
    fetch: Fetch, kind: type[HarnessError], code: int, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    missing = IssueReference(owner="acme-ml", repo="keras-issues", number=9)
    with pytest.raises(kind) as caught:
        fetch_issue(missing, fetch)
    text = str(caught.value)
    assert text.startswith("acme-ml/keras-issues#9: ")
    assert words in text
    assert "\n" not in text
    assert caught.value.return_code == code


def test_a_rate_limit_suggests_a_token_only_when_none_was_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limited = _refusing(403, {"X-RateLimit-Remaining": "0"})
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with pytest.raises(IssueTrackerError, match="set GITHUB_TOKEN for a higher limit"):
        fetch_issue(BACKEND_ISSUE, limited)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_example")
    with pytest.raises(IssueTrackerError) as caught:
        fetch_issue(BACKEND_ISSUE, limited)
    assert "GITHUB_TOKEN" not in str(caught.value)
