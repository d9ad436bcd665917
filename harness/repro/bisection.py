"""`harness bisect`: the first release of a package where a snippet's outcome changes.

The search is over releases, not commits: it observes the range's two ends, then halves
the releases between the last one that behaves like the low end and the first that does
not. A release that cannot be installed is skipped, as `git bisect skip` would, and said.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from harness.config.scenarios import Claim, load_scenario
from harness.errors import ConfigurationError
from harness.pypi import PackageIndex
from harness.repro.session import NEVER
from harness.results.markdown_escape import code_span, escape_text, one_line
from harness.results.outcome import Outcome


@dataclass(frozen=True, kw_only=True)
class Observation:
    """What one release did: a comparable key, or None when it could not be installed."""

    version: Version
    key: str | None
    outcome: Outcome | None = None
    skipped: str | None = None

    @classmethod
    def of(cls, version: Version, outcome: Outcome) -> Observation:
        """What one release did, read from its cell's outcome."""
        if outcome.status == "build_failed":
            reason = (outcome.build_error or "the install failed").splitlines()[0]
            return cls(
                version=version,
                key=None,
                outcome=outcome,
                skipped=f"could not be installed: {reason}",
            )
        # Status plus normalized signature: versions, paths and numbers in messages do not count.
        return cls(version=version, key=outcome.signature or outcome.status, outcome=outcome)


@dataclass(frozen=True, kw_only=True)
class Result:
    """A bisection's answer: the releases either side of the change, and what was seen."""

    before: Observation | None  # last release behaving like the range's low end
    after: Observation | None  # first release that does not
    observations: tuple[Observation, ...]
    skipped: tuple[
        tuple[Version, str], ...
    ]  # not installable, never built (Requires-Python, yanked, ...)

    def to_json(self) -> dict[str, Any]:
        """The search as data, for `harness bisect --json`: the boundary and every release."""

        def seen(o: Observation | None) -> dict[str, Any] | None:
            if o is None:
                return None
            out = o.outcome
            error = out.error if out is not None else None
            return {
                "version": str(o.version),
                "status": out.status if out is not None else None,
                "error": None if error is None else {"type": error.type, "message": error.message},
                "signature": out.signature if out is not None else None,
                "skipped": o.skipped,
                "cell": out.cell_id if out is not None else None,
                "run_id": out.run_id if out is not None else None,
            }

        return {
            "changed": self.before is not None and self.after is not None,
            "before": seen(self.before),
            "after": seen(self.after),
            "tried": [seen(o) for o in sorted(self.observations, key=lambda o: o.version)],
            "skipped": [{"version": str(v), "why": why} for v, why in self.skipped],
        }

    @property
    def changed(self) -> bool:
        """Whether the outcome changed within the range."""
        return self.before is not None and self.after is not None


def parse_range(text: str) -> tuple[Version, Version]:
    """LOW..HIGH as two versions; a ConfigurationError for anything else."""
    low, sep, high = text.partition("..")
    usage = f"range {text!r}: write LOW..HIGH, e.g. 3.0.0..3.12.0"
    if not sep:
        raise ConfigurationError(usage)
    try:
        lo, hi = Version(low.strip()), Version(high.strip())
    except InvalidVersion:
        raise ConfigurationError(usage) from None
    if lo >= hi:
        raise ConfigurationError(f"range {text!r}: {lo} is not below {hi}")
    return lo, hi


def candidates(
    index: PackageIndex, package: str, lo: Version, hi: Version, *, python: str, pre: bool = False
) -> tuple[list[Version], list[tuple[Version, str]]]:
    """Releases in [lo, hi] installable on `python`, and the others with the reason."""
    usable: list[Version] = []
    skipped: list[tuple[Version, str]] = []
    for release in index.releases(package):
        if not lo <= release.version <= hi or (release.version.is_prerelease and not pre):
            continue
        if release.installable_on(python):
            usable.append(release.version)
        else:
            skipped.append((release.version, release.why_not(python)))
    return usable, skipped


def search(
    versions: Sequence[Version],
    observe: Callable[[Version], Observation],
    skipped: Sequence[tuple[Version, str]] = (),
) -> Result:
    """Binary search for the first version whose key differs from the lowest usable one's."""
    seen: dict[Version, Observation] = {}

    def look(i: int) -> Observation:
        if versions[i] not in seen:
            seen[versions[i]] = observe(versions[i])
        return seen[versions[i]]

    def result(before: Observation | None, after: Observation | None) -> Result:
        gone = [*skipped, *((o.version, o.skipped or "") for o in seen.values() if o.key is None)]
        return Result(
            before=before,
            after=after,
            observations=tuple(seen.values()),
            skipped=tuple(sorted(gone)),
        )

    low = next((i for i in range(len(versions)) if look(i).key is not None), None)
    if low is None:
        return result(None, None)
    high = next(
        (i for i in reversed(range(low + 1, len(versions))) if look(i).key is not None), None
    )
    if high is None or look(high).key == look(low).key:
        return result(None, None)
    reference = look(low).key
    while True:
        between = [
            i
            for i in range(low + 1, high)
            if versions[i] not in seen or seen[versions[i]].key is not None
        ]
        if not between:
            return result(look(low), look(high))
        middle = between[len(between) // 2]
        found = look(middle)
        if found.key is None:
            continue
        if found.key == reference:
            low = middle
        else:
            high = middle


def side_by_side(package: str, result: Result) -> str:
    """The boundary as a Markdown table: the two releases and what each did."""
    if result.before is None or result.after is None:
        return "no change"
    before, after = result.before, result.after
    rows = [
        ("outcome", _what(before), _what(after)),
        ("raised at", _where(before), _where(after)),
        ("installed", _installed(before), _installed(after)),
        ("image", _cell(before), _cell(after)),
    ]
    lines = [f"| | {package} {before.version} | {package} {after.version} |", "|---|---|---|"]
    lines += [f"| {name} | {a} | {b} |" for name, a, b in rows]
    return "\n".join(lines)


def _what(observation: Observation) -> str:
    outcome = observation.outcome
    if outcome is None:
        return "—"
    if outcome.error is not None:
        message = f"{outcome.error.type}: {outcome.error.message}"
        return code_span(one_line(message)[:200], in_table=True)
    return (
        outcome.status
        if outcome.status == "ok"
        else f"{outcome.status}: {escape_text(one_line(outcome.reason or '')[:200])}"
    )


def _where(observation: Observation) -> str:
    outcome = observation.outcome
    if outcome is None or outcome.error is None or outcome.error.raised_at is None:
        return "—"
    frame = outcome.error.raised_at
    return code_span(f"{frame.file.rsplit('-packages/', 1)[-1]}:{frame.line}", in_table=True)


def _installed(observation: Observation) -> str:
    versions = observation.outcome.versions if observation.outcome else {}
    return ", ".join(f"{escape_text(k)} {escape_text(v)}" for k, v in versions.items() if v) or "—"


def _cell(observation: Observation) -> str:
    return (
        f"`{observation.outcome.image}`"
        if observation.outcome and observation.outcome.image
        else "—"
    )


def snippet_target(target: str) -> tuple[Path, Claim]:
    """A scenario name (scenarios/NAME.py, its claim kept) or a path to any Python file."""
    path = Path(target)
    named = Path("scenarios") / f"{target}.py"
    if not path.is_file() and named.is_file():
        path = named
    if not path.is_file():
        raise ConfigurationError(
            f"{target}: no such snippet file or scenario (looked for {path} and {named})"
        )
    try:
        return path.resolve(), load_scenario(path.stem, path).claim
    except ConfigurationError:
        # A plain snippet has no metadata: no claim, so every outcome is told apart by itself.
        return path.resolve(), Claim(summary="none", pattern=NEVER)
