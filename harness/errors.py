"""One error hierarchy; `cli.main` catches it once and exits with `return_code`."""

from __future__ import annotations

# Exit code of a harness bug (an exception outside this hierarchy), as sysexits' EX_SOFTWARE:
# 1 means "cells changed" to `harness diff`, so a crash must not look like it.
INTERNAL_ERROR = 70


class HarnessError(Exception):
    """An error the user can act on: printed as one line, never as a traceback."""

    return_code = INTERNAL_ERROR


class ConfigurationError(HarnessError):
    """matrix.yaml (or a scenario's metadata) is not valid."""

    return_code = 2


class EngineUnavailableError(HarnessError):
    """No Docker engine answers, or it refuses us."""

    return_code = 3


class EngineError(HarnessError):
    """The engine answered, but an action failed in a way that is not a result."""

    return_code = 4


class BaseImageError(HarnessError):
    """A base image could not be had (no registry and no way to bootstrap one)."""

    return_code = 5


class ResultsError(HarnessError):
    """A results directory is missing or unreadable."""

    return_code = 6


class NetworkError(HarnessError):
    """An install could not reach the package index, even after retries: not a result."""

    return_code = 7


class HostResourceError(HarnessError):
    """This host ran out of something an action needed (disk space): not a result."""

    return_code = 9


class PackageIndexError(HarnessError):
    """PyPI could not be asked about releases, or does not know the package (repro, bisect)."""

    return_code = 8


class IssueTrackerError(HarnessError):
    """GitHub could not be asked for an issue (unreachable, rate-limited): try again later."""

    return_code = 8


class Interrupted(HarnessError):  # noqa: N818 - reads as a state, like KeyboardInterrupt
    """The user stopped the run; finished cells are on disk."""

    return_code = 130
