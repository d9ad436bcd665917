"""The host-side pip mirror: started detached, shared, and downloading each file once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.build import wheelhouse

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _pid(mirror: wheelhouse.Mirror) -> int:
    url = mirror.url + wheelhouse.IDENTITY_PATH
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - http on loopback
        return int(json.loads(response.read())["pid"])


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[wheelhouse.Mirror]:
    started = wheelhouse.ensure(HOST, port=_free_port(), cache_dir=tmp_path / "cache")
    assert started is not None
    yield started
    os.kill(_pid(started), signal.SIGTERM)


def test_the_mirror_outlives_its_launcher_and_is_shared(mirror: wheelhouse.Mirror) -> None:
    pid = _pid(mirror)
    # Detached: the server is not a child of this process, so nothing here must reap it.
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    port = int(mirror.url.rsplit(":", 1)[1])
    again = wheelhouse.ensure(HOST, port=port, cache_dir=Path("/elsewhere"))
    assert again == mirror  # the running mirror is reused, with its own cache directory
    assert _pid(again) == pid


def test_a_port_held_by_another_program_gives_no_mirror(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind((HOST, 0))
        other.listen()
        port = int(other.getsockname()[1])
        assert wheelhouse.ensure(HOST, port=port, cache_dir=tmp_path, wait_s=3) is None
    assert "Address already in use" in (tmp_path / "server.log").read_text()


def test_each_file_is_fetched_from_pypi_once(mirror: wheelhouse.Mirror, tmp_path: Path) -> None:
    for attempt in ("first", "second"):
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                *("--no-cache-dir", "--index-url", mirror.index_url),
                *("--trusted-host", mirror.host, "--dest", str(tmp_path / attempt)),
                "six==1.16.0",
            ],
            check=True,
            timeout=120,
        )
    wheel = tmp_path / "first" / "six-1.16.0-py2.py3-none-any.whl"
    size = wheel.stat().st_size
    assert (tmp_path / "second" / wheel.name).read_bytes() == wheel.read_bytes()
    traffic = wheelhouse.Traffic.read(mirror.cache_dir)
    assert (traffic.fetched, traffic.served) == (size, 2 * size)


class _CutShort:
    """An upstream response that gives one chunk, then fails as a full disk would."""

    def __init__(self) -> None:
        self.headers = {"Content-Length": "2048"}
        self.reads = 0

    def __enter__(self) -> _CutShort:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self, size: int) -> bytes:
        self.reads += 1
        if self.reads > 1:
            raise OSError(28, "No space left on device")
        return b"x" * 1024


class _Pip:
    connected = True

    def start(self, length: int | None) -> None:
        pass

    def send(self, chunk: bytes) -> None:
        pass


def test_a_download_cut_short_leaves_nothing_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = wheelhouse._Store(tmp_path / "cache")
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: _CutShort())
    relative = "ab/cd/keras-3.12.0-py3-none-any.whl"
    with pytest.raises(OSError, match="No space left"):
        store.serve_file(relative, _Pip())  # type: ignore[arg-type]
    files = tmp_path / "cache" / "files"
    assert [p.name for p in files.rglob("*") if p.is_file()] == []


def _get(url: str, accept: str) -> tuple[str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return str(response.headers["Content-Type"]), bytes(response.read())


def test_simple_pages_come_in_the_form_pip_asks_for(mirror: wheelhouse.Mirror) -> None:
    kind, body = _get(mirror.index_url + "six/", "application/vnd.pypi.simple.v1+json")
    assert kind.startswith("application/vnd.pypi.simple.v1+json")
    files = json.loads(body)["files"]
    six = next(f for f in files if f["filename"] == "six-1.16.0-py2.py3-none-any.whl")
    # The upload time is what pip's --uploaded-prior-to reads; HTML pages have none.
    assert six["upload-time"].startswith("2021-05-05")
    assert six["url"].startswith(mirror.url + "/files/")
    kind, body = _get(mirror.index_url + "six/", "text/html")
    assert kind.startswith("text/html")
    assert (mirror.url + "/files/").encode() in body
    assert b"files.pythonhosted.org" not in body


def test_pip_sees_pypi_as_of_a_day_through_the_mirror(
    mirror: wheelhouse.Mirror, tmp_path: Path
) -> None:
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    if int(pip.stdout.split()[1].split(".")[0]) < 26:
        pytest.skip(f"this venv's pip has no --uploaded-prior-to: {pip.stdout.strip()}")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
            *("--no-cache-dir", "--index-url", mirror.index_url, "--trusted-host", mirror.host),
            *("--uploaded-prior-to", "2021-09-02T00:00:00Z", "--dest", str(tmp_path / "got")),
            *("--only-binary", ":all:", "--python-version", "3.9", "--platform", "any"),
            "protobuf",
        ],
        check=True,
        timeout=120,
    )
    # protobuf 3.17.3 was the newest on 2021-09-01 (3.18.0 came out on 2021-09-15).
    got = [p.name for p in (tmp_path / "got").iterdir()]
    assert got == ["protobuf-3.17.3-py2.py3-none-any.whl"]


_OLD_MIRROR = """
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"cache_dir": sys.argv[2], "pid": os.getpid()}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_a_mirror_left_by_an_older_harness_is_replaced(tmp_path: Path) -> None:
    port = _free_port()
    old = subprocess.Popen(  # a mirror whose identity names no protocol: pages only as HTML
        [sys.executable, "-c", _OLD_MIRROR, str(port), str(tmp_path / "old")]
    )
    try:
        deadline = time.monotonic() + 10
        while wheelhouse.identify(HOST, port) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert wheelhouse.identify(HOST, port) == wheelhouse.Identity(
            cache_dir=tmp_path / "old", pid=old.pid, protocol=1
        )
        mirror = wheelhouse.ensure(HOST, port=port, cache_dir=tmp_path / "new")
        assert mirror is not None
        assert old.wait(timeout=10) == -signal.SIGTERM
        found = wheelhouse.identify(HOST, port)
        assert found is not None
        assert (found.protocol, found.cache_dir) == (wheelhouse.PROTOCOL, tmp_path / "new")
        os.kill(found.pid, signal.SIGTERM)
    finally:
        if old.poll() is None:
            old.kill()
