"""A host-side caching pip index, so that each file is downloaded from PyPI once per host.

docker-py builds with the classic builder, which has no cache mounts, and every image starts
with an empty pip cache. Builds therefore install through this mirror instead: it answers
`/simple/<project>/` from PyPI (small pages, always fresh, with file links rewritten to point
here; in the form pip asks for, so that the JSON API's upload times reach pip's
`--uploaded-prior-to`) and serves `/files/...` from a cache directory that it fills on the
first request. The same cache serves every image, every run and the benchmark's host venvs,
and it survives image rebuilds. It runs as a detached process on the Docker bridge gateway,
shared by concurrent harness runs, and exits after a while without requests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

UPSTREAM_INDEX = "https://pypi.org/simple/"
UPSTREAM_FILES = "https://files.pythonhosted.org/"
DEFAULT_PORT = 3141
IDLE_EXIT_S = 1800.0
IDENTITY_PATH = "/-/keras-matrix-mirror"
# What a running mirror speaks, in its identity: 2 passes the client's Accept header to PyPI
# (the JSON simple API). A mirror left running by an older harness is replaced, since pip's
# --uploaded-prior-to refuses an index without upload times.
PROTOCOL = 2
SIMPLE_HTML = "text/html"
LEDGER = "ledger.jsonl"
CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """Where the mirror keeps the files it fetched: ~/.cache/keras-matrix/wheelhouse."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "keras-matrix" / "wheelhouse"


@dataclass(frozen=True, kw_only=True)
class Mirror:
    """A running mirror, as builds and host pips see it."""

    url: str
    host: str
    cache_dir: Path

    @property
    def index_url(self) -> str:
        """The mirror's simple index, as pip's --index-url."""
        return f"{self.url}/simple/"

    @property
    def build_args(self) -> dict[str, str]:
        """The build arguments that point pip inside a build at the mirror."""
        return {"PIP_INDEX_URL": self.index_url, "PIP_TRUSTED_HOST": self.host}


@dataclass(frozen=True, kw_only=True)
class Traffic:
    """Bytes fetched from upstream and bytes served to pips, from the mirror's ledger."""

    fetched: int
    served: int

    @classmethod
    def read(cls, cache_dir: Path) -> Traffic:
        """The totals of the ledger in `cache_dir` (zero where there is none)."""
        fetched = served = 0
        path = cache_dir / LEDGER
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash: the ledger is advisory
                fetched += int(entry.get("fetched", 0))
                served += int(entry.get("served", 0))
        return cls(fetched=fetched, served=served)

    def __sub__(self, other: Traffic) -> Traffic:
        return Traffic(fetched=self.fetched - other.fetched, served=self.served - other.served)


@dataclass(frozen=True)
class Identity:
    """What a running mirror says of itself."""

    cache_dir: Path
    pid: int
    protocol: int


def identify(host: str, port: int, timeout: float = 2.0) -> Identity | None:
    """The mirror answering at host:port, or None if none does."""
    try:
        with urllib.request.urlopen(
            f"http://{host}:{port}{IDENTITY_PATH}", timeout=timeout
        ) as response:
            said = json.loads(response.read())
            return Identity(
                cache_dir=Path(said["cache_dir"]),
                pid=int(said["pid"]),
                protocol=int(said.get("protocol", 1)),
            )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _retire(found: Identity, host: str, port: int, wait_s: float) -> bool:
    """Stop a mirror of an older protocol; whether the port is free of it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(found.pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if identify(host, port, timeout=0.5) is None:
            return True
        time.sleep(0.1)
    return False


def ensure(
    host: str, *, port: int = DEFAULT_PORT, cache_dir: Path | None = None, wait_s: float = 10.0
) -> Mirror | None:
    """A mirror at host:port, started detached if none answers; None if another program has it."""
    cache_dir = (cache_dir or default_cache_dir()).resolve()
    found = identify(host, port)
    if found is not None and found.protocol < PROTOCOL and _retire(found, host, port, wait_s):
        found = None
    if found is None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # The launcher binds the port, forks the server off into its own session and exits: the
        # server outlives this process (a concurrent run's builds may still use it), and no child
        # is left unwaited here. Once it has exited the port is listening, ours or a concurrent
        # launcher's, or held by another program: one question settles which. A launcher that
        # outlives `wait_s` is killed, and the question is asked all the same.
        with (
            (cache_dir / "server.log").open("a", encoding="utf-8") as log,
            contextlib.suppress(subprocess.TimeoutExpired),
        ):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "harness.build.wheelhouse",
                    "--detach",
                    "--host",
                    host,
                    "--port",
                    str(port),
                    "--cache-dir",
                    str(cache_dir),
                ],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                check=False,
                timeout=wait_s,
            )
        found = identify(host, port)
    if found is None:
        return None
    return Mirror(url=f"http://{host}:{port}", host=host, cache_dir=found.cache_dir)


def build_args(gateway: str | None, port: int, say: Callable[[str], None]) -> dict[str, str]:
    """Build arguments that route pip through the mirror, or none (pip then uses PyPI)."""
    mirror = ensure(gateway, port=port) if gateway else None
    if mirror is None:
        say(f"no caching pip index on port {port}: builds download from PyPI directly")
        return {}
    say(f"builds install through {mirror.index_url} (cache: {mirror.cache_dir})")
    return mirror.build_args


class _Store:
    """The cache directory: each file fetched once, under a lock so parallel builds wait for it."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.last_request = time.monotonic()

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def record(self, **entry: object) -> None:
        with self._guard, (self.cache_dir / LEDGER).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def fetch(self, url: str, accept: str) -> tuple[bytes, str]:
        """The body PyPI sends for `url` and its Content-Type."""
        request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310
        with urllib.request.urlopen(request, context=self.context, timeout=120) as response:  # noqa: S310
            kind = response.headers.get("Content-Type") or SIMPLE_HTML
            return bytes(response.read()), kind

    def serve_file(self, relative: str, client: _Client) -> int:
        """Send a file from the cache, or from upstream while caching it; the bytes sent.

        A first download is streamed as it arrives: pip gives up on a silent socket after 15 s,
        sooner than a TensorFlow wheel takes to fetch.
        """
        target = (self.cache_dir / "files" / relative).resolve()
        if not target.is_relative_to(self.cache_dir / "files"):
            raise PermissionError(relative)
        with self.lock(relative):
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".partial")
                request = urllib.request.Request(UPSTREAM_FILES + relative)  # noqa: S310
                size = 0
                try:
                    with (
                        urllib.request.urlopen(  # noqa: S310 - fixed https upstream
                            request, context=self.context, timeout=300
                        ) as response,
                        partial.open("wb") as out,
                    ):
                        length = response.headers.get("Content-Length")
                        client.start(int(length) if length else None)
                        while chunk := response.read(CHUNK):
                            out.write(chunk)
                            client.send(chunk)
                            size += len(chunk)
                except BaseException:
                    # A download cut short (a full disk, a dropped connection) is never cached,
                    # and its part is not left to fill the disk further.
                    partial.unlink(missing_ok=True)
                    raise
                partial.replace(target)
                self.record(fetched=size, file=relative)
                return size if client.connected else 0
        size = target.stat().st_size
        client.start(size)
        with target.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                client.send(chunk)
        return size if client.connected else 0


class _Client:
    """The requesting pip. If it hangs up, the download still completes into the cache."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._handler = handler
        self.connected = True

    def start(self, length: int | None) -> None:
        self._handler.send_response(200)
        self._handler.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self._handler.send_header("Content-Length", str(length))
        else:
            self._handler.close_connection = True
        self._handler.end_headers()

    def send(self, chunk: bytes) -> None:
        if not self.connected:
            return
        try:
            self._handler.wfile.write(chunk)
        except OSError:
            self.connected = False


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        store = self.server.store
        store.last_request = time.monotonic()
        try:
            if self.path == IDENTITY_PATH:
                identity = {
                    "cache_dir": str(store.cache_dir),
                    "pid": os.getpid(),
                    "protocol": PROTOCOL,
                }
                self._send(json.dumps(identity).encode(), "application/json")
            elif self.path.startswith("/simple/"):
                # The page in the form pip asked for: the JSON API carries each file's upload
                # time, which HTML does not. Its file URLs are absolute in both forms.
                page, kind = store.fetch(
                    UPSTREAM_INDEX + self.path[len("/simple/") :],
                    accept=self.headers.get("Accept") or SIMPLE_HTML,
                )
                local = f"http://{self.headers.get('Host') or self.server.public}/files/"
                self._send(page.replace(UPSTREAM_FILES.encode(), local.encode()), kind)
            elif self.path.startswith("/files/"):
                relative = self.path[len("/files/") :].split("#", 1)[0]
                sent = store.serve_file(relative, _Client(self))
                store.record(served=sent, file=relative)
            else:
                self.send_error(404)
        except urllib.error.HTTPError as exc:
            self.send_error(exc.code, str(exc.reason))
        except (OSError, PermissionError) as exc:
            self.send_error(502, str(exc)[:200])

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, store: _Store) -> None:
        super().__init__((host, port), _Handler)
        self.store = store
        self.public = f"{host}:{port}"


def serve(
    host: str, port: int, cache_dir: Path, idle_exit_s: float = IDLE_EXIT_S, *, detach: bool = False
) -> None:
    """Serve the mirror on host:port until idle `idle_exit_s` seconds (detached if `detach`)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    server = _Server(host, port, _Store(cache_dir.resolve()))  # bound and listening from here on
    if detach:
        if os.fork():
            os._exit(0)  # the launcher's exit tells ensure() that the port is taken and served
        os.setsid()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    while time.monotonic() - server.store.last_request < idle_exit_s:
        time.sleep(5)
    server.shutdown()


def main(argv: list[str] | None = None) -> None:
    """`python -m harness.build.wheelhouse`: run the mirror."""
    parser = argparse.ArgumentParser(prog="python -m harness.build.wheelhouse", description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--idle-exit", type=float, default=IDLE_EXIT_S)
    parser.add_argument(
        "--detach", action="store_true", help="serve from a forked process in its own session"
    )
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.cache_dir, args.idle_exit, detach=args.detach)


if __name__ == "__main__":
    main()
