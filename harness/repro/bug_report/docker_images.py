"""TensorFlow's official images as reports name them: `FROM tensorflow/tensorflow:2.16.1`, a
`docker run`/`docker pull` of one, a compose file's `image:`. An image is an install: its tag's
release of TensorFlow, with the Python that image line ships.

What each tag line ships (the images' own labels, and TensorFlow's Docker Hub notes: "Versioned
images <= 1.15.0 (1.x) and <= 2.1.0 (2.x) have Python 3 (3.5 for Ubuntu 16-based images; 3.6 for
Ubuntu 18-based images) in images tagged -py3 and Python 2.7 in images without py in the tag"):
Ubuntu 16.04 and Python 3.5 up to 1.13, Ubuntu 18.04 and Python 3.6 from 1.14 to 2.6, Ubuntu
20.04 and Python 3.8 from 2.7 to 2.13, Ubuntu 22.04 and Python 3.11 from 2.14. A `-gpu` tag
installs `tensorflow-gpu` up to 2.0 (its own distribution then) and `tensorflow` from 2.1,
whose wheels carry the GPU kernels; `latest` is the newest release, `nightly` tf-nightly. A
`-devel` image builds TensorFlow from source and has no release installed, so it gives none.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

# Where a line runs an image: a Dockerfile's `FROM` (with `--platform=...`; also as a code span
# in a sentence, "with `FROM tensorflow/tensorflow:2.15.0` it fails"), Singularity's `From:`, a
# compose file's `image:`, or a `docker run`/`pull`/`create` (`nvidia-docker`, `podman`), whose
# options come before the image.
_RUNS = (
    r"(?:(?:^[ \t]*|`)(?:FROM|From:|(?:-[ \t]*)?image:)[ \t]+(?:--platform=\S+[ \t]+)?"
    r"|\b(?:docker|nvidia-docker|podman)[ \t]+(?:container[ \t]+)?(?:run|pull|create)\b"
    r"[^\n]{0,400}?)"
)
_IMAGE = re.compile(
    _RUNS + r"['\"]?(?:docker\.io/)?tensorflow/tensorflow(?::(?P<tag>[\w.-]+))?(?![\w/.:-])",
    re.IGNORECASE | re.MULTILINE,
)
# NVIDIA's NGC image (`nvcr.io/nvidia/tensorflow:23.03-tf2-py3`) carries NVIDIA's own build of
# TensorFlow (`2.11.0+nv23.3`), not a PyPI release, and its tag names NVIDIA's monthly release,
# not TensorFlow's: which TensorFlow and Python each month shipped is only in NVIDIA's release
# notes, not kept here, so the tag is not read, and the listing says so.
_NGC = re.compile(
    _RUNS + r"['\"]?(?P<image>nvcr\.io/nvidia/tensorflow(?::[\w.-]+)?)(?![\w/.:-])",
    re.IGNORECASE | re.MULTILINE,
)
_TAG = re.compile(r"^(?P<version>\d+\.\d+(?:\.\d+)?(?:rc\d+)?)?(?P<flavour>(?:-[a-z0-9]+)*)$")


def image_tag(line: str) -> str | None:
    """The tag of the TensorFlow image a line runs (`latest` when it names none)."""
    match = _IMAGE.search(line)
    if match is None:
        return None
    return (match["tag"] or "latest").lower()


def image_step(tag: str) -> str | None:
    """The pip requirement the image's tag stands for, or None for a tag that installs no
    release (`-devel`) or that is not a TensorFlow release."""
    parts = _TAG.match(tag)
    if parts is None:
        return "tf-nightly" if tag.startswith("nightly") else _latest(tag)
    flavours = parts["flavour"].split("-")
    if "devel" in flavours or parts["version"] is None:
        return None
    version = _version(parts["version"])
    if version is None:
        return None
    gpu = "gpu" in flavours and version < Version("2.1")
    return f"{'tensorflow-gpu' if gpu else 'tensorflow'}=={parts['version']}"


def _latest(tag: str) -> str | None:
    flavours = tag.split("-")
    if flavours[0] != "latest" or "devel" in flavours:
        return None
    return "tensorflow"


# The Python of each image line, by the first release that no longer ships it.
_PYTHONS = (("1.14", "3.5"), ("2.7", "3.6"), ("2.14", "3.8"))


def image_python(tag: str) -> str | None:
    """The Python the image of that tag runs, where its tag names a release."""
    parts = _TAG.match(tag)
    version = _version(parts["version"]) if parts is not None and parts["version"] else None
    if parts is None or version is None:
        return None
    if version <= Version("2.1.0") and "py3" not in parts["flavour"].split("-"):
        return "2.7"  # Python 3 only in the `-py3` tags until then
    return next((python for until, python in _PYTHONS if version < Version(until)), "3.11")


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def first_image_python(readable: str) -> tuple[str, str, int] | None:
    """The Python of the first TensorFlow image the report runs, the words it was read from and
    where they are."""
    for match in _IMAGE.finditer(readable):
        tag = (match["tag"] or "latest").lower()
        python = image_python(tag)
        if python is not None:
            return python, f"tensorflow/tensorflow:{tag}", match.start()
    return None


def image_notes(readable: str) -> tuple[str, ...]:
    """What each TensorFlow image the report runs was read as."""
    notes: list[str] = []
    for match in _IMAGE.finditer(readable):
        tag = (match["tag"] or "latest").lower()
        step = image_step(tag)
        said = (
            f"the image tensorflow/tensorflow:{tag} installs `{step}` (its TensorFlow, as the "
            "image's own build installed it), a step before those the report runs in it"
            if step is not None
            else f"the image tensorflow/tensorflow:{tag} installs no TensorFlow release "
            "(a -devel image builds it from source)"
        )
        if said not in notes:
            notes.append(said)
    for match in _NGC.finditer(readable):
        said = (
            f"the image {match['image']} is not read: NVIDIA's images carry NVIDIA's own build "
            "of TensorFlow, not a PyPI release, and their tags name NVIDIA's monthly release; "
            "the TensorFlow and Python the report names elsewhere are used, else chosen as for "
            "a report that names none"
        )
        if said not in notes:
            notes.append(said)
    return tuple(notes)
