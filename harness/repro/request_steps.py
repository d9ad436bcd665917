"""The pip steps of a request: the reporter's own lines as written, bare names pinned, and
what pip's resolver would refuse in one step split into two."""

from __future__ import annotations

import re
import shlex

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from harness.repro.bug_report.distributions import brought_by
from harness.repro.bug_report.pip_lines import words as split_words


def step_pins(step: str) -> dict[str, str | None]:
    """name -> the version a step pins with `==` (None: no exact pin)."""
    found: dict[str, str | None] = {}
    for word in split_words(step):
        if word.startswith("-"):
            continue
        name = re.split(r"[\[<>=!~;]", word)[0]
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            continue
        match = re.search(r"===?([\w.+!-]+)$", word)
        exact = match[1] if match and "," not in word and "*" not in word else None
        found[str(canonicalize_name(name))] = exact
    return found


def step_ranges(step: str) -> dict[str, str]:
    """name -> the range a step installs within, where it pins no one release
    (`"tensorflow<2.16"`, `keras>=3,<3.5`, `tensorflow==2.15.*`): pip installs the newest
    release in it, so the Python and the other packages are chosen to fit that release."""
    found: dict[str, str] = {}
    for word in split_words(step):
        if word.startswith("-"):
            continue
        try:
            requirement = Requirement(word)
        except InvalidRequirement:
            continue
        specifier = requirement.specifier
        only = next(iter(specifier)) if len(specifier) == 1 else None
        if not specifier or (
            only is not None and only.operator in ("==", "===") and "*" not in only.version
        ):
            continue
        found[str(canonicalize_name(requirement.name))] = str(specifier)
    return found


# Builds of TensorFlow under names of their own; each is `import tensorflow`.
_TENSORFLOW_BUILDS = ("tensorflow-gpu", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos")


def pin_steps(
    steps: tuple[str, ...],
    exact: dict[str, str],
    assumed: list[str],
    *,
    shown: set[str],
    riders: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """The report's own pip lines as written, bare names pinned to the versions it reports.
    Packages it names but installs in none of its lines were there before them (a template's
    "TensorFlow version: 2.16.1" describes the environment the reporter started from), so
    they are installed first. `riders` are packages the report never names that pip brought
    with another (NumPy of the report's day): each is pinned in the first step that installs
    a package bringing it, where the reporter's pip chose it."""
    used: set[str] = set()
    out: list[str] = []
    for step in steps:
        words = []
        for word in split_words(step):
            bare = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?", word)
            name = str(canonicalize_name(re.split(r"[\[<>=!~;]", word)[0]))
            if bare and not word.startswith("-") and name in exact:
                if name in shown:
                    assumed.append(
                        f"`{bare[0]}` pinned to {exact[name]}, the version the report shows"
                    )
                words.append(f"{word}=={exact[name]}")
            else:
                words.append(word)
            used.add(name)
        out.append(shlex.join(words))
    for rider in sorted(riders - used):
        at = next((n for n, step in enumerate(steps) if rider in brought_by(step_pins(step))), None)
        if at is not None and rider in exact:
            out[at] = f"{out[at]} {rider}=={exact[rider]}"
            used.add(rider)
    before = {name: version for name, version in exact.items() if name not in used}
    build = next((name for name in _TENSORFLOW_BUILDS if name in used), None)
    if build is not None and "tensorflow" in before:
        # "TensorFlow version: 2.0-rc2" beside `pip install tensorflow-gpu==2.0.0-rc2`: the
        # field names the build the report installs, not a second TensorFlow under it.
        assumed.append(
            f"tensorflow {before.pop('tensorflow')} not installed on its own: the report "
            f"installs TensorFlow as {build}"
        )
    if not before:
        return tuple(out)
    first = order(before, assumed)
    assumed.append(
        f"{' '.join(first)} installed before the report's own pip lines "
        "(the report names these versions but installs them in none of its lines)"
    )
    return (*first, *out)


def order(exact: dict[str, str], assumed: list[str]) -> tuple[str, ...]:
    """One pip step, unless the versions are a mismatch pip refuses in one step (TensorFlow
    < 2.16 with Keras 3, TensorFlow >= 2.16 with Keras 2, TensorFlow 2.7-2.15 with a Keras 2
    of another minor, tf-keras of another minor than TensorFlow). Users reach those by
    installing the second package afterwards; so does this."""
    tf = next((exact[n] for n in ("tensorflow", "tensorflow-cpu") if n in exact), None)
    later: list[str] = []
    if tf is not None:
        tf_version = Version(tf)
        keras = exact.get("keras")
        if keras and _refused_together(tf_version, Version(keras)):
            later.append("keras")
        tf_keras = exact.get("tf-keras")
        if tf_keras and Version(tf_keras).release[:2] != tf_version.release[:2]:
            later.append("tf-keras")
    first = [f"{n}=={v}" for n, v in exact.items() if n not in later]
    for name in later:
        assumed.append(
            f"{name} {exact[name]} installed in a second pip step after TensorFlow {tf} "
            "(one step would be refused by pip's resolver)"
        )
    return (" ".join(first), *(f"{name}=={exact[name]}" for name in later))


def _refused_together(tf: Version, keras: Version) -> bool:
    """Whether pip refuses this TensorFlow and this Keras in one install: TensorFlow 2.16+
    requires Keras 3, and TensorFlow 2.7-2.15 each require the Keras 2 of their own minor
    (`keras<2.12,>=2.11.0` for 2.11). Earlier TensorFlow did not require a Keras at all."""
    if tf >= Version("2.16"):
        return keras.major < 3
    if keras.major >= 3:
        return True
    return tf >= Version("2.7") and keras.release[:2] != tf.release[:2]
