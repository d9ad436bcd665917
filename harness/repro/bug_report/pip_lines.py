"""`pip install` lines as reports write them: behind shell prompts, in notebooks (`!pip`,
`%pip`), mid-sentence, after `python -m`, with options that change nothing dropped."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from harness.repro.bug_report.aliases import ALIASES, PACKAGING_TOOLS
from harness.repro.bug_report.docker_images import image_step, image_tag
from harness.repro.bug_report.model import GitInstall
from harness.repro.bug_report.other_languages import CJK, LATIN_WORD
from harness.repro.bug_report.project_files import POETRY_INSTALL, PROJECT_WORD
from harness.repro.bug_report.requirements_files import shown_requirements

_PIP = re.compile(
    # "执行pip install ...": a CJK word may come right before it; so may Markdown's bold or
    # italic underscores where they open a line or follow a space ("I ran __pip install x__")
    r"(?<![./-])(?:(?<=^__)|(?<=\s__)|(?<=^_)|(?<=\s_)|(?<!" + LATIN_WORD + r"))"
    r"(?:(?:python[\d.]*|py(?:\s+-3[\d.]*)?)(?:\.exe)?\s+-m\s+)?"
    r"pip(?:3(?:\.\d+)?)?(?:\.exe)?\s+(?P<opts>(?:-{1,2}[\w-]+\s+)*)install\b(?P<rest>[^\n]*)"
)
# Where a `pip install` starts, its arguments left to the caller.
_PIP_HEAD = re.compile(_PIP.pattern.removesuffix(r"(?P<rest>[^\n]*)"))
# `uv run --with keras_cv --with tensorflow-cpu python -c ...`, `uvx --with X` (and `uv tool
# run`, which uvx is short for): the packages
# that run's environment gets (`uv pip install` reads as a pip line).
_UV_WITH = re.compile(r"(?<![\w./-])(?:uv\s+(?:tool\s+)?run|uvx)\b(?P<rest>[^\n]*?--with\b[^\n]*)")
_CHAIN = re.compile(r"(?<!\s)\s*(?:&&|\|\|)\s*|;\s+")
_PIP_NOISE = re.compile(r"\[notice\]|consider upgrading|You are using pip version", re.IGNORECASE)
# An exception's line, also as a title (`# ImportError: ...`), quoted or in bold: a `pip install`
# in it is the library's advice ("Install TensorFlow via `pip install tensorflow`"), not a run.
ERROR_LINE = re.compile(r"^\s*(?:#+\s+|>\s*|\*\*)?[A-Za-z_][\w.]*(?:Error|Exception)\b")
# An exception's line with its message (not IPython's header, `KeyError   Traceback (...)`).
_MESSAGE_START = re.compile(r"^[^:\n]*?(?:Error|Exception)\s*:")
# A line that starts with a command: a prompt, or pip itself.
_COMMAND_START = re.compile(r"^\s*(?:\S*[$>%!#]\s*)?(?:python3?\s+-m\s+)?(?:pip3?|uv|conda)\b")
# An issue template's checklist says how to update before reporting ("Check that you are
# up-to-date with the master branch of Keras. You can update with:" then its `pip install`):
# what the template advises everyone, not what this reporter ran.
_ADVICE = re.compile(r"\byou\s+can\s+(?:update|upgrade|install)\b[^\n]*:\s*$", re.IGNORECASE)
# The same advice as a traceback shows the library's source: a string literal on its own line,
# possibly behind IPython's line number (`      7         'Install TensorFlow via ...')`).
_STRING_LINE = re.compile(
    r"^\s*(?:-*>\s*)?(?:\d+\s+)?(?P<quote>['\"])[^'\"\n]*\bpip\b[^\n]*(?P=quote)\s*[),]*\s*$"
)
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[\w,.-]+\])?"
    r"(?:(?:===?|~=|!=|<=?|>=?)[\w.*+!-]+(?:,(?:===?|~=|!=|<=?|>=?)[\w.*+!-]+)*)?$"
)
# `git+https://github.com/ORG/REPO.git@REF#egg=NAME`, `NAME@git+...`: an install from a
# repository, which names its distribution by its `#egg=`, the name before `@`, or the repository.
_GIT = re.compile(
    r"^(?:(?P<named>[A-Za-z0-9][\w.-]*)@)?git\+(?P<url>(?:https?|ssh|git)://[^@#\s]+?/"
    r"(?P<repo>[A-Za-z0-9][\w.-]*?)(?:\.git)?/?)(?:@(?P<ref>[^#\s]+))?"
    r"(?:#egg=(?P<egg>[A-Za-z0-9][\w.-]*))?$"
)
# Names that stand for any package in a sentence about how one installs packages.
_PLACEHOLDER = re.compile(
    r"^(?:x{2,}|y{2,}|\.{3}|<[^>]*>?|[<{\[].*|(?:your|some|the|any)[-_]?\w*"
    r"|package(?:[-_]?name)?|pkg|module(?:[-_]?name)?|name|foo|bar|lib(?:rary)?)$",
    re.IGNORECASE,
)
# "pip install 2.0-rc issues", "after pip install 2.16": a release number where a distribution's
# name would be is the sentence's subject, not an install (no distribution on PyPI is one).
_VERSION_WORD = re.compile(r"^v?\d+(?:\.\d+)*(?:[.-]?(?:a|b|rc|dev|post)\d*)?$", re.IGNORECASE)
_DROPPED_OPTIONS = {"-q", "-qq", "-qqq", "--quiet", "-v", "--verbose", "--user", "--no-cache-dir"}
_DROPPED_WITH_ARG = {"--progress-bar", "--root-user-action", "--cache-dir"}
_DROPPED_OPTIONS |= {"--disable-pip-version-check", "--no-warn-script-location"}
_DROPPED_OPTIONS |= {"--break-system-packages", "--no-input"}
_KEPT_WITH_ARG = {"--index-url", "-i", "--extra-index-url", "-f", "--find-links"}
_KEPT_WITH_ARG |= {"--upgrade-strategy"}
_UNREPRODUCIBLE = {"-r", "--requirement", "-e", "--editable", "-c", "--constraint"}
_STOP_WORDS = frozenset(
    [
        "and",
        "then",
        "but",
        "with",
        "on",
        "in",
        "to",
        "it",
        "which",
        "after",
        "before",
        "because",
        "so",
        "the",
        "a",
        "an",
        "i",
        "or",
        "from",
        "again",
        "first",
        "as",
        "is",
        "was",
        "did",
        "does",
        "fails",
        "failed",
        "works",
        "worked",
        "gives",
        "gave",
        "via",
        "using",
        "inside",
        "into",
        "for",
        "command",
        "still",
        "also",
        "too",
        "now",
        "when",
        "while",
        "it's",
        "doesn't",
        "didn't",
        "that",
        "this",
        "my",
        "your",
        "same",
    ]
)


def canonical(name: str) -> str:
    """A distribution's canonical name, after the aliases reports use ('tf' -> tensorflow)."""
    return str(canonicalize_name(ALIASES.get(re.sub(r"\s+", " ", name.lower()), name)))


def step_names(step: str) -> list[str]:
    """The distributions a pip step names ('Tensorflow==2.11 -U jax[cpu]' -> tensorflow, jax)."""
    return [
        canonical(re.split(r"[\[<>=!~;]", word)[0])
        for word in words(step)
        if not word.startswith("-") and _REQUIREMENT.match(word)
    ]


def words(step: str) -> list[str]:
    """A pip step's words, split as a shell would (or on spaces when its quotes do not close)."""
    try:
        return shlex.split(step)
    except ValueError:
        return step.split()


def git_install(word: str) -> GitInstall | None:
    """The install from git that a pip argument is, if it is one."""
    match = _GIT.match(word.strip("`'\""))
    if match is None:
        return None
    name = match["egg"] or match["named"] or match["repo"]
    return GitInstall(name=canonical(name), ref=match["ref"], url=match[0].strip("`'\""))


def git_installs(readable: str) -> tuple[GitInstall, ...]:
    """Every install from git on the report's `pip install` lines, in order."""
    found: list[GitInstall] = []
    lines = re.sub(r"\\[ \t]*\n", " ", readable).splitlines()
    run = [
        line for line, above in zip(lines, ["", *lines], strict=False) if not _ADVICE.search(above)
    ]
    for match in _PIP.finditer("\n".join(run)):
        for word in match["rest"].split():
            install = git_install(word)
            if install is not None and install not in found:
                found.append(install)
    return tuple(found)


def pip_steps(readable: str, files: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """Every `pip install` the reporter ran, in order, as the arguments of a matrix step:
    behind shell prompts, in notebooks (`!pip`, `%pip`), mid-sentence, after `python -m`. A
    `-r FILE` of a requirements file the report shows (`files`, by base name; read from
    `readable` when not given) installs that file's lines in the same step."""
    files = shown_requirements(readable) if files is None else files
    steps: list[str] = []
    readable = re.sub(r"\\[ \t]*\n", " ", readable)  # a shell line continued with `\`
    previous = ""
    in_message = False
    for line in readable.splitlines():
        advised, previous = bool(_ADVICE.search(previous)), line if line.strip() else previous
        # An exception's message runs on over the lines right below it (transformers':
        # "RuntimeError: Failed to import ..." then "Please install ... `pip install tf-keras`"):
        # its advice is no run either, unless a line starts with the command itself.
        in_message = bool(line.strip()) and (
            bool(ERROR_LINE.match(line) and _MESSAGE_START.search(line))
            or (in_message and not _COMMAND_START.match(line))
        )
        if advised or in_message:
            continue
        # `FROM tensorflow/tensorflow:2.16.1`, `docker run ... tensorflow/tensorflow:2.15.0-gpu`:
        # the image installed its TensorFlow before anything the line or the next ones run.
        tag = image_tag(line)
        image = image_step(tag) if tag is not None else None
        if image is not None and image not in steps:
            steps.append(image)
        uv = _UV_WITH.search(line)
        if uv is not None:
            step = _step([], " ".join(re.findall(r"--with[= ]\s*(\S+)", uv["rest"])), files)
            if step and step not in steps:
                steps.append(step)
        if _PIP_NOISE.search(line) or ERROR_LINE.match(line) or _STRING_LINE.match(line):
            continue
        if POETRY_INSTALL.search(line) and (step := _step([], ".", files)) and step not in steps:
            steps.append(step)  # Poetry installs the project's table, as `pip install .` would
        # `pip install -U pip && pip install tf-nightly && python -c ...`: each command of a
        # chain is its own line (one pip's arguments end where the next command starts).
        for command in _CHAIN.split(line):
            for opts, rest in _pip_commands(command):
                step = _step(opts.split(), rest, files)
                if step and step not in steps:
                    steps.append(step)
    return tuple(steps)


def _pip_commands(command: str) -> list[tuple[str, str]]:
    """Each `pip install` of a line as (its options, its arguments), a sentence's several too
    ("I ran `pip install tensorflow==2.16.1`, then `pip install tf-keras==2.16.0`"): one's
    arguments run to where the next starts (found in one pass: a line stays linear)."""
    heads = list(_PIP_HEAD.finditer(command))
    ends = [head.start() for head in heads[1:]] + [len(command)] * bool(heads)
    return [
        (head["opts"], command[head.end() : end]) for head, end in zip(heads, ends, strict=True)
    ]


_EMPHASIS_END = re.compile(r"(?<=[^\s.*_])(?:\*+|_+)[.,;:!?)]*$")
_EMPHASIS_START = re.compile(r"^(?:\*+|_+)(?=[A-Za-z0-9])")
_GLUED_END = re.compile("[`\u3000-\u303f\uff01-\uff5e" + CJK + "]")


def _step(options: list[str], rest: str, files: dict[str, tuple[str, ...]]) -> str | None:
    kept: list[str] = []
    words = options + [w for w in re.split(r"\s+", rest.strip()) if w]
    words = _with_files(words, files)
    index = 0
    requirements = 0
    while index < len(words):
        raw = words[index]
        # A code span closed, or a sentence in Chinese or Japanese going on, inside the word:
        # "`pip install 'h5py==2.10.0' --force-reinstall`后重新运行" ends at the backtick.
        glued = _GLUED_END.search(raw, 1)
        raw = raw[: glued.start()] + "`" if glued is not None else raw
        # Markdown's emphasis around the command in prose ("**pip install tensorflow==2.3.1**",
        # "*pip install keras*"): its markers close a span as a code span's backtick does. Not
        # a wildcard's `*` after a dot (`keras==2.*`); no name nor version ends in `_`.
        emphasis = _EMPHASIS_END.search(raw)
        raw = raw[: emphasis.start()] + "`" if emphasis is not None else raw
        raw = _EMPHASIS_START.sub("", raw)
        word = raw.strip("`'\"")
        if word in ("&&", "||", ";", "|", ">", "2>&1") or word.startswith("#"):
            break
        ends_sentence = raw.endswith(("`", ".", ",", ":", ")", ";")) or (
            raw.endswith(("'", '"')) and not raw.startswith(("'", '"'))
        )
        word = word.rstrip(".,:);`'\"")
        # An install from git is written as its distribution's bare name; the request decides
        # what to install for it (harness/repro/git_installs.py).
        install = git_install(word)
        word = install.name if install is not None else word
        if word.lower() in _STOP_WORDS:
            break
        if word in _DROPPED_OPTIONS or word.split("=")[0] in _DROPPED_WITH_ARG:
            index += 1
            continue
        if word in _DROPPED_WITH_ARG | _UNREPRODUCIBLE:
            index += 2
            continue
        if word.startswith("-"):
            kept.append(word)
            if word in _KEPT_WITH_ARG and index + 1 < len(words):
                kept.append(words[index + 1])
                index += 1
        elif _PLACEHOLDER.match(word) or _VERSION_WORD.match(word):
            break  # "pip install --upgrade xxx", "pip install <package>": a pattern, not a run
        elif _REQUIREMENT.match(word):
            kept.append(word)
            requirements += 1
        else:
            break
        index += 1
        if ends_sentence:
            break
    names = [canonical(re.split(r"[\[<>=!~;]", w)[0]) for w in kept if not w.startswith("-")]
    if not requirements or all(name in PACKAGING_TOOLS for name in names):
        return None
    return " ".join(kept)


def _bare(word: str) -> str:
    """A word without the code span's closing backtick and the sentence's mark after it."""
    return re.sub(r"`[.,;:!?)]*$", "", word).rstrip(",;:")


def _with_files(words: list[str], files: dict[str, tuple[str, ...]]) -> list[str]:
    """The words with each `-r FILE` of a file the report shows replaced by its lines, and
    `.` / `-e .` by the requirements of the project it shows (kept under ".")."""
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index].strip("`'\"")
        shown, taken = None, 2
        following = words[index + 1].strip("`'\"") if index + 1 < len(words) else ""
        if word in ("-r", "--requirement") and following:
            shown = files.get(following.rsplit("/", 1)[-1])
        # a code span closed mid-sentence: "with `pip install -e .`, then"
        elif word in ("-e", "--editable") and PROJECT_WORD.match(_bare(following)):
            shown = files.get(".")
        elif PROJECT_WORD.match(_bare(word)):
            shown, taken = files.get("."), 1
        if shown is None:
            out.append(words[index])
            index += 1
            continue
        out.extend(shown)
        index += taken
    return out


def with_dependencies(
    readable: str, steps: tuple[str, ...], dependencies: list[tuple[str, str, int]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each step with the dependencies pip's output after it shows (`Downloading
    tensorflow_text-2.13.0-...whl`, `Successfully installed ...`: (name, version, where)),
    pinned in that same step as pip installed them, and a note for each step so extended. They
    are the same command's: an earlier step of their own would install them before it, and
    left out, today's pip would resolve them to other releases than the report's."""
    added: dict[str, list[str]] = {}
    files = shown_requirements(readable)
    commands = [
        (m.start(), readable.rfind("\n", 0, m.start()) + 1) for m in _PIP.finditer(readable)
    ]
    for name, version, where in dependencies:
        starts = [line for start, line in commands if start < where]
        if not starts:
            continue
        line = readable[starts[-1] : (readable.find("\n", starts[-1]) + 1 or len(readable) + 1) - 1]
        printed_by = pip_steps(line, files)
        step = printed_by[-1] if printed_by else ""
        pinned = added.setdefault(step, []) if step in steps else None
        if pinned is not None and name not in step_names(" ".join([step, *pinned])):
            pinned.append(f"{name}=={version}")
    notes = tuple(
        f"{', '.join(pins)} added to `pip install {step}`: pip's output after it shows them "
        "installed as its dependencies"
        for step, pins in added.items()
        if pins
    )
    return tuple(" ".join([step, *added.get(step, [])]) for step in steps), notes


_WHEEL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][\w.]*-\d[\w.+!]*(?:-\d\w*)?-[\w.]+-[\w.]+-[\w.]+\.whl)"
)
# The lines pip prints while it installs, before the file each names.
_PIP_PROGRESS = re.compile(
    r"^\W*(?:Collecting|Downloading|Using cached|Processing|Saved|File was already downloaded"
    r"|Obtaining)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, kw_only=True)
class Wheel:
    """A wheel file a report names: its distribution, version, file name and, when pip's
    progress names it (`Downloading x-1.2-py3-none-any.whl`), where, for the step it is of."""

    name: str
    version: str
    file: str
    where: int | None


def wheels(readable: str) -> list[Wheel]:
    """Every wheel file name in the text."""
    found: list[Wheel] = []
    for match in _WHEEL.finditer(readable):
        try:
            name, version, _, _ = parse_wheel_filename(match[1])
        except InvalidWheelFilename:
            continue
        line = readable[readable.rfind("\n", 0, match.start()) + 1 : match.start()]
        where = match.start() if _PIP_PROGRESS.match(line) else None
        found.append(Wheel(name=str(name), version=str(version), file=match[1], where=where))
    return found
