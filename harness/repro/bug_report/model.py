"""What a bug report says, each value with where it was read (see bug_report.parse)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, kw_only=True)
class CodeBlock:
    """Code found in a report: its info string (or where it came from), text, the line
    (1-based) its text starts on, and the prose just above it, which often says what it is."""

    info: str
    text: str
    line: int
    before: str = ""
    origin: str = "block"  # block | python -c | unfenced | traceback

    @property
    def language(self) -> str:
        """The block's language, from its fence's info string."""
        return (self.info.split() or [""])[0].lower()


@dataclass(frozen=True, kw_only=True)
class Pin:
    """A distribution and the version a report gives it, with where it was read."""

    name: str
    version: str  # possibly partial ('2.16'), resolved later
    source: str  # where it was read, for the "extracted" listing


@dataclass(frozen=True, kw_only=True)
class GitInstall:
    """A `pip install git+URL[@REF]` of the report: the distribution it names (`#egg=`, else
    the repository's name), the ref (None: the default branch), and the URL as written."""

    name: str
    ref: str | None
    url: str


@dataclass(frozen=True, kw_only=True)
class ReportedError:
    """The error a report says it got."""

    type: str
    message: str
    source: str = "traceback"  # traceback | error line | title

    @property
    def short_type(self) -> str:
        """The exception's type without its module."""
        return self.type.rsplit(".", 1)[-1]

    @property
    def missing_module(self) -> str | None:
        """The top-level module the error says is missing. Python names the first part of a
        dotted import it cannot find: "No module named 'keras.legacy'" means keras is there."""
        if self.short_type not in ("ModuleNotFoundError", "ImportError"):
            return None
        # Keras 2.4 says so when `import tensorflow` fails (absent, or older than 2.2 and
        # without the module it imports): TensorFlow absent shows the same error.
        if re.match(r"Keras requires TensorFlow \d", self.message):
            return "tensorflow"
        # Python 2 wrote the name without quotes: "No module named tensorflow".
        match = re.search(r"No module named '(\w+)'", self.message) or re.search(
            r"No module named (\w+)\s*$", self.message
        )
        return match[1] if match else None


@dataclass(frozen=True, kw_only=True)
class Extraction:
    """What a report says, each value with where it was read."""

    python: tuple[str, str] | None = None  # (version, source)
    pins: tuple[Pin, ...] = ()
    pip_steps: tuple[str, ...] = ()  # `pip install ...` arguments, in order
    conda_installs: tuple[str, ...] = ()  # distributions `conda install` lines name
    # Installs from git in those steps, each written there as its distribution's bare name.
    git_installs: tuple[GitInstall, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    keras_json: dict[str, Any] | None = None
    code: CodeBlock | None = None
    other_code: tuple[CodeBlock, ...] = ()
    reported_error: ReportedError | None = None
    ignored_packages: tuple[str, ...] = ()
    # The versions listed (pip freeze, pip list) of ignored packages, used if the code imports them.
    listed: tuple[Pin, ...] = ()
    # Distributions the code imports that the report never names (`import torch`).
    imports: tuple[str, ...] = ()
    # Distributions the pasted traceback runs through (`site-packages/tensorflow/...`).
    traceback_packages: tuple[str, ...] = ()
    # Every top-level module the pasted traceback shows installed (`site-packages/voxnet/...`),
    # known to this or not: such a module came from an installed distribution.
    installed_modules: tuple[str, ...] = ()
    # Distributions an installed library imported before the line its traceback fails at.
    imported_before: tuple[str, ...] = ()
    # Distributions whose modules the claimed error names (`module 'keras.utils' has no ...`).
    error_packages: tuple[str, ...] = ()
    # The Keras family a pasted traceback's file layout shows ("2": keras/src/engine/), and how.
    keras_layout: tuple[str, str] | None = None
    # (distribution, first release without it, what shows it): see traceback_facts
    old_layouts: tuple[tuple[str, str, str], ...] = ()
    code_backend: str = ""  # the KERAS_BACKEND the code sets (`os.environ[...] = "torch"`)
    # The backend a multi-backend Keras reports it ran on ("Using Theano backend."), and where.
    shown_backend: tuple[str, str] | None = None
    as_of: date | None = None  # the day the report was written, when known
    # Notebooks and gists the report links (its code may be there rather than in the report).
    code_links: tuple[str, ...] = ()
    hosted: str = ""  # the hosted notebook service it ran on ("Colab"), else empty
    # The day its own resolver stopped at (uv's --exclude-newer), which wins over `as_of`.
    resolved_on: date | None = None
    # Packages named as "the latest" without a version ("the latest tensorflow"): (name, words).
    latest: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()  # what reading it took (code derived from a traceback, ...)
    no_code: str = ""  # why the report has no code to run, when it has none and that is known
