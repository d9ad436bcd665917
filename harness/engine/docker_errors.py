"""Docker's failures in the harness's words: why no engine answers, and what an API error says.

Read from the OS error under docker-py's wrapping and from the API's explanation, never by
guessing from message text.
"""

from __future__ import annotations

import errno

import docker.errors


def unavailable_reason(exc: BaseException) -> str:
    """Why no engine answers, from the OS error under docker-py's wrapping (never its text)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException) and id(arg) not in seen:
                found = _os_reason(arg)
                if found:
                    return found
        found = _os_reason(current)
        if found:
            return found
        current = current.__cause__ or current.__context__
    return f"no Docker engine answers: {reason(exc) if isinstance(exc, Exception) else exc}"


def _os_reason(exc: BaseException) -> str | None:
    if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
        return (
            "permission denied on the Docker socket: add your user to the 'docker' group "
            "(then log in again) or set DOCKER_HOST"
        )
    if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
        return (
            "Docker is not installed or not running: no Docker socket "
            "(start the daemon or set DOCKER_HOST)"
        )
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return (
            "the Docker daemon is not running: its socket refuses connections "
            "(start it, e.g. `systemctl start docker`)"
        )
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, BaseException) and arg is not exc:
            found = _os_reason(arg)
            if found:
                return found
    return None


def reason(exc: Exception) -> str:
    """The one line an engine error is reported with."""
    if isinstance(exc, docker.errors.APIError):
        return str(exc.explanation or exc)
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
