"""An environment's Dockerfile cut in two: the instructions before its install steps (the
"prefix", built as an image), and each install step's `RUN` command as the builder would run it
(build/mounted.py runs those in containers of the prefix)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from harness.build.dockerfile import ImageSpec, constraints_material

PREFIX_TAG = "keras-matrix-env:py{python}-prefix-{digest}"
_CONTINUATION = re.compile(r"\\[ \t]*\n")
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.DOTALL)


@dataclass(frozen=True, kw_only=True)
class Split:
    """An environment's Dockerfile cut before its install steps."""

    prefix: str  # the Dockerfile's text up to its first install step
    # The prefix's instructions without comments: what its image depends on, shared by every
    # environment of one base (each Dockerfile's first comment names its own environment).
    instructions: tuple[str, ...]
    shell: tuple[str, ...]  # what the builder runs a shell-form RUN with
    installs: tuple[str, ...]  # each install step's RUN command, as the builder would run it
    args: frozenset[str]  # the build arguments the Dockerfile declares


def split(spec: ImageSpec) -> Split | None:
    """The Dockerfile as a prefix and one `RUN` per install step, or None where it is not that
    shape (a template with something after its installs, or an exec-form RUN)."""
    lines = spec.dockerfile.splitlines(keepends=True)
    starts: list[tuple[int, str, str]] = []  # (first line, keyword, arguments)
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            index += 1
            continue
        first, text = index, line
        while text.rstrip("\n").rstrip().endswith("\\") and index + 1 < len(lines):
            index += 1
            text += lines[index]
        index += 1
        found = _INSTRUCTION.match(_CONTINUATION.sub("", text))
        if found is None:
            return None
        starts.append((first, found.group(1).upper(), found.group(2).strip()))
    count = max(len(spec.steps), 1)
    tail = starts[-count:]
    if len(starts) <= count or any(kw != "RUN" or args.startswith("[") for _, kw, args in tail):
        return None
    head = starts[:-count]
    shell: tuple[str, ...] = ("/bin/sh", "-c")
    declared: set[str] = set()
    for _, keyword, arguments in head:
        if keyword == "SHELL":
            shell = tuple(json.loads(arguments))
        elif keyword == "ARG":
            declared |= {word.split("=", 1)[0] for word in arguments.split()}
    return Split(
        prefix="".join(lines[: tail[0][0]]),
        instructions=tuple(f"{keyword} {arguments}" for _, keyword, arguments in head),
        shell=shell,
        installs=tuple(arguments for _, _, arguments in tail),
        args=frozenset(declared),
    )


def prefix_tag(spec: ImageSpec, cut: Split) -> str:
    """The prefix image's tag: the instructions up to the installs, the files they copy, and
    the base image's ID."""
    material = hashlib.sha256("\n".join(cut.instructions).encode())
    pins = constraints_material(spec.constraints)
    for extra in (spec.ca_bundle, pins, (spec.base.image_id or "").encode()):
        material.update(hashlib.sha256(extra or b"").digest())
    return PREFIX_TAG.format(python=spec.python, digest=material.hexdigest()[:12])
