"""The TLS context of the harness's own HTTPS requests (PyPI's JSON, wheels' METADATA)."""

from __future__ import annotations

import functools
import ssl
from pathlib import Path


@functools.cache
def https_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """A context that trusts `ca_bundle` (the host's pip CA) when given, else the system's.

    Made once per bundle: reading a CA bundle costs milliseconds, and a repro asks PyPI and its
    wheels many times.
    """
    return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
