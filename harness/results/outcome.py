"""What happened in one cell, as recorded in cells.jsonl."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "error", "timeout", "crashed", "build_failed"]
STATUSES: tuple[Status, ...] = ("ok", "error", "timeout", "crashed", "build_failed")
SCHEMA_VERSION = 1

_NORMALIZERS = (
    (re.compile(r"0x[0-9a-fA-F]+"), "<addr>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+~-]+){2,}/?"), "<path>"),
    (re.compile(r"\b\d+(?:\.\d+)+(?:[-+._]?(?:post|dev|rc|a|b)\d*)?\b"), "<version>"),
    (re.compile(r"\b\d+\b"), "<n>"),
    (re.compile(r"\s+"), " "),
)


_LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def text_of(value: Any) -> str:
    """A recorded string as text UTF-8 can hold: `str(exc)` may carry lone surrogates
    (`ValueError("\\udc80")`), which JSON escapes but no table, hash or file could write."""
    return _LONE_SURROGATES.sub("\ufffd", str(value))


def normalize(message: str) -> str:
    """Strip what differs between cells of the same error: paths, addresses, versions, numbers."""
    for pattern, replacement in _NORMALIZERS:
        message = pattern.sub(replacement, message)
    return message.strip()[:400]


def signature_of(kind: str, message: str) -> str:
    """The signature of an error: its kind and its message with the varying parts normalised."""
    return f"{kind}: {normalize(message)}"


def signature_id(signature: str) -> str:
    """A short stable id for a signature (`S` and 8 hex digits)."""
    return "S" + hashlib.sha256(signature.encode()).hexdigest()[:8]


@dataclass(frozen=True, kw_only=True)
class Frame:
    """One frame of a traceback: file, line, function and its source line."""

    file: str
    line: int
    function: str
    code: str | None = None

    @classmethod
    def parse(cls, data: Any) -> Frame | None:
        """The frame a record holds, or None where it holds none."""
        if not isinstance(data, dict):
            return None
        code = data.get("code")
        return cls(
            file=text_of(data["file"]),
            line=int(data["line"]),
            function=text_of(data["function"]),
            code=None if code is None else text_of(code),
        )


@dataclass(frozen=True, kw_only=True)
class RaisedError:
    """The exception a scenario raised, and where."""

    type: str
    message: str
    raised_at: Frame | None
    scenario_line: Frame | None
    phase: Literal["import", "call"] | None
    traceback: str
    chain: tuple[dict[str, str], ...] = ()
    # The exception's last lines as the terminal shows them: `Type: message`, plus the
    # "Did you mean" Python 3.10+ appends and 3.11+'s notes. None in records made before it.
    display: str | None = None

    @property
    def short_type(self) -> str:
        """The exception's type without its module."""
        return self.type.rsplit(".", 1)[-1]

    @property
    def shown(self) -> str:
        """The message as the user saw it: `display` without its `Type: ` prefix."""
        if self.display:
            for prefix in (f"{self.type}: ", f"{self.short_type}: "):
                if self.display.startswith(prefix):
                    return self.display[len(prefix) :]
        return self.message

    @classmethod
    def parse(cls, data: Any) -> RaisedError | None:
        """The error a record holds, or None where it holds none."""
        if not isinstance(data, dict):
            return None
        return cls(
            type=text_of(data["type"]),
            message=text_of(data["message"]),
            raised_at=Frame.parse(data.get("raised_at")),
            scenario_line=Frame.parse(data.get("scenario_line")),
            phase=data.get("phase"),
            traceback=text_of(data.get("traceback", "")),
            chain=tuple(
                {text_of(k): text_of(v) for k, v in link.items()}
                for link in data.get("chain") or ()
                if isinstance(link, dict)
            ),
            display=None if data.get("display") is None else text_of(data["display"]),
        )


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One cell's record. `to_json`/`from_json` are the cells.jsonl schema (see README)."""

    run_id: str
    cell_id: str
    python: str
    environment: str
    backend: str
    scenario: str
    status: Status
    reason: str | None = None
    error: RaisedError | None = None
    signature: str | None = None
    claim_reproduced: bool | None = None
    image: str | None = None
    image_id: str | None = None
    versions: dict[str, str | None] = field(default_factory=dict)
    pip_check: str | None = None
    pip_conflicts: tuple[str, ...] = ()
    build_error: str | None = None
    exit_code: int | None = None
    duration_s: float | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    # The scenario's output exceeded the sandbox's limit: the tails keep its head and tail.
    output_truncated: bool = False
    # Processes the scenario left running when it ended, all killed before the record was made.
    leftovers_killed: int | None = None
    command: str | None = None
    # The run that actually ran this cell, when this record was taken from the result cache.
    cached_from: str | None = None

    @property
    def signature_id(self) -> str | None:
        """The signature's short id, if the cell has a signature."""
        return signature_id(self.signature) if self.signature else None

    def to_json(self) -> dict[str, Any]:
        """The outcome as one cells.jsonl line's object."""
        data = asdict(self)
        data["schema"] = SCHEMA_VERSION
        data["signature_id"] = self.signature_id
        data["pip_conflicts"] = list(self.pip_conflicts)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        """The outcome one cells.jsonl line's object records (unknown keys ignored)."""
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["error"] = RaisedError.parse(data.get("error"))
        values["pip_conflicts"] = tuple(data.get("pip_conflicts") or ())
        return cls(**values)
