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


def installed_elsewhere(
    name: str, installed_modules: tuple[str, ...], index: PackageIndex | None
) -> str | None:
    """Why distribution `name`, imported and unknown here, is installed, or None: the report's
    traceback shows its module under site-packages and PyPI has a project of that name."""
    module = next((m for m in installed_modules if canonicalize_name(m) == name), None)
    if module is None or index is None:
        return None
    try:
        releases = index.releases(name)
    except PackageIndexError:
        return None
    if not releases:
        return None
    return (
        f"the report's traceback shows `{module}` installed (its files in site-packages), "
        f"and PyPI has a {name}"
    )
