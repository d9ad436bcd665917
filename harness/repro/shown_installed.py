"""A library the code imports that this does not know, which the report shows installed.

Distributions are added by name only where the import is known to map to one (`cv2` is
opencv-python), because an import is as often a module of the reporter's own. A pasted
traceback through `site-packages/voxnet/models.py` settles that: voxnet was installed from a
distribution. Where PyPI has a project of the module's own name it is taken, said so; a
module installed under another distribution's name is still left out, said so.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from harness.errors import PackageIndexError
from harness.pypi import PackageIndex
from harness.repro.bug_report.model import Extraction


def installed_elsewhere(
    name: str, extraction: Extraction, index: PackageIndex | None, assumed: list[str]
) -> str | None:
    """Why distribution `name`, imported and unknown here, is installed: the report's
    traceback shows its module under site-packages and PyPI has a project of that name. None,
    said in `assumed`, otherwise."""
    module = next((m for m in extraction.installed_modules if canonicalize_name(m) == name), None)
    try:
        releases = index.releases(name) if module is not None and index is not None else ()
    except PackageIndexError:
        releases = ()
    if not releases:
        assumed.append(f"{name} not installed: imported, but not a known PyPI distribution")
        return None
    return (
        f"the report's traceback shows `{module}` installed (its files in site-packages), "
        f"and PyPI has a {name}"
    )
