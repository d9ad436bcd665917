"""GitHub's REST API answered from recorded responses (tests/data/github/), in process or
over a local HTTP server for the `harness` subprocess (GITHUB_API_URL points at it)."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit

from harness.repro.github import Fetch

RECORDED = Path(__file__).parent / "data" / "github"
NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest/issues/issues#get-an-issue",
    "status": "404",
}
_PATH = re.compile(
    r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/(?P<number>\d+)(?P<comments>/comments)?$"
)


def answer(url: str) -> tuple[int, bytes]:
    """The status and body GitHub gave for `url`, paginating recorded comments as it does."""
    parts = urlsplit(url)
    match = _PATH.match(parts.path)
    if match is None:
        return 404, json.dumps(NOT_FOUND).encode()
    stem = RECORDED / f"{match['owner']}__{match['repo']}__{match['number']}"
    if not match["comments"]:
        issue = stem.with_suffix(".issue.json")
        return (
            (200, issue.read_bytes()) if issue.is_file() else (404, json.dumps(NOT_FOUND).encode())
        )
    query = parse_qs(parts.query)
    per_page = int(query.get("per_page", ["30"])[0])
    page = int(query.get("page", ["1"])[0])
    comments = json.loads(stem.with_suffix(".comments.json").read_text(encoding="utf-8"))
    return 200, json.dumps(comments[(page - 1) * per_page : page * per_page]).encode()


def recorded_fetch(asked: list[str] | None = None) -> Fetch:
    """A Fetch (url -> bytes) over the recordings; refusals raise HTTPError as urllib does."""

    def fetch(url: str) -> bytes:
        if asked is not None:
            asked.append(url)
        status, body = answer(url)
        if status != 200:
            raise HTTPError(url, status, "Not Found", Message(), io.BytesIO(body))
        return body

    return fetch


@dataclass
class Served:
    url: str
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """Variables that send the harness's API calls here, past any HTTP proxy."""
        return {"GITHUB_API_URL": self.url, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}


@contextmanager
def serve() -> Iterator[Served]:
    """The recordings on http://127.0.0.1:PORT, recording each request's path and headers."""
    served = Served(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.paths.append(self.path)
            served.headers.append(dict(self.headers.items()))
            status, body = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - its signature
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
