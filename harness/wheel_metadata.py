"""A wheel's Requires-Dist, read from its METADATA without downloading the whole wheel.

For an index that serves no per-release JSON: first the METADATA file PEP 658 puts beside the
wheel (`<wheel url>.metadata`), else the wheel's zip central directory and its METADATA member,
read with HTTP Range requests as pip's lazy wheel does (a few kilobytes of a 400 MB wheel).
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from typing import Protocol

from harness.tls import https_context

# Read once from the end of a wheel: the end-of-central-directory record and, for most wheels,
# the whole central directory, so zipfile's small reads there cost no extra request.
_TAIL = 64 * 1024
_METADATA = ".dist-info/METADATA"


class RemoteFiles(Protocol):
    """Files on a web server: a whole small file, or a span of a file's bytes."""

    def get(self, url: str) -> bytes:
        """The whole file (a small one: PEP 658 metadata)."""
        ...

    def tail(self, url: str, length: int) -> tuple[bytes, int]:
        """The last `length` bytes (all, if fewer), and the file's size."""
        ...

    def get_range(self, url: str, start: int, stop: int) -> bytes:
        """Bytes `start` up to (not including) `stop`."""
        ...


class HttpsFiles:
    """RemoteFiles over HTTPS, trusting `ca_bundle` (the host's pip CA) when given."""

    def __init__(self, ca_bundle: Path | None) -> None:
        self._context = https_context(ca_bundle)

    def _open(self, url: str, byte_range: str | None = None) -> tuple[bytes, str | None]:
        """The body, and the Content-Range header (None: the server sent the whole file)."""
        headers = {"Range": f"bytes={byte_range}"} if byte_range else {}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - https URL from PyPI
        with urllib.request.urlopen(request, timeout=60, context=self._context) as response:  # noqa: S310
            body: bytes = response.read()
            return body, response.headers.get("Content-Range")

    def get(self, url: str) -> bytes:
        """The whole file."""
        return self._open(url)[0]

    def tail(self, url: str, length: int) -> tuple[bytes, int]:
        """The last `length` bytes, and the file's size."""
        # A suffix range answers the size too ('bytes 10-99/100'): no HEAD request, whose
        # Content-Length some mirrors leave out.
        body, span = self._open(url, f"-{length}")
        if span is None:
            return body[-length:], len(body)
        return body, int(span.rpartition("/")[2])

    def get_range(self, url: str, start: int, stop: int) -> bytes:
        """Bytes `start` up to `stop`; sliced from the whole file if the server ignores Range."""
        body, span = self._open(url, f"{start}-{stop - 1}")
        return body if span is not None else body[start:stop]


class RemoteFile(io.RawIOBase):
    """A file on a web server that zipfile can seek in; each read is one Range request,
    except within the tail read up front."""

    def __init__(self, url: str, files: RemoteFiles) -> None:
        self._url = url
        self._files = files
        self._pos = 0
        self._tail, self._size = files.tail(url, _TAIL)
        self._tail_start = self._size - len(self._tail)

    def seekable(self) -> bool:
        """Always: every byte can be asked for."""
        return True

    def readable(self) -> bool:
        """Always."""
        return True

    def tell(self) -> int:
        """The position of the next read."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the position; no request is made until a read."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = base + offset
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes from the position (all to the end if negative)."""
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        if self._pos >= self._tail_start:
            data = self._tail[self._pos - self._tail_start : end - self._tail_start]
        else:
            data = self._files.get_range(self._url, self._pos, end)
        self._pos += len(data)
        return data


def metadata_requires(text: str) -> tuple[str, ...]:
    """The Requires-Dist lines of a core metadata file (a wheel's METADATA)."""
    return tuple(HeaderParser().parsestr(text).get_all("Requires-Dist") or ())


def wheel_requires(url: str, files: RemoteFiles) -> tuple[str, ...]:
    """Requires-Dist of the wheel at `url`: from its PEP 658 metadata file when the index has
    one, else from the METADATA inside the wheel, read by ranges. Raises OSError (urllib's
    errors included) or ValueError when neither can be read."""
    try:
        return metadata_requires(files.get(url + ".metadata").decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
    try:
        with zipfile.ZipFile(RemoteFile(url, files)) as wheel:
            member = next(
                (n for n in wheel.namelist() if n.count("/") == 1 and n.endswith(_METADATA)),
                None,
            )
            if member is None:
                raise ValueError(f"{url}: no {_METADATA} in the wheel")
            return metadata_requires(wheel.read(member).decode("utf-8"))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{url}: not a zip file ({exc})") from None
