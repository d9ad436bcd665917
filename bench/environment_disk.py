"""What the bench's environments take on disk, against the distinct installs they hold.

Images: the layers over their bases (`docker history`), a layer shared by several counted once.
Mounted environments (harness/build/mounted.py): their directories measured together with
`du -s`, so that a file hard-linked into an environment that extends another counts once, plus
their prefix images' layers over the bases.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import docker
from cell_floor import CellImage

from harness.config.matrix import Matrix


def image_disk(tags: list[str]) -> tuple[int, int]:
    """Bytes of the layers the environment images add over their bases: shared layers once."""
    client = docker.from_env()
    layers: dict[str, int] = {}
    per_image = 0
    for tag in tags:
        for entry in client.images.get(tag).history():
            if entry["Id"] != "<missing>":  # layers from the imported base have no ID of their own
                layers[entry["Id"]] = int(entry["Size"])
                per_image += int(entry["Size"])
    return sum(layers.values()), per_image


def distinct_installs(matrix: Matrix, venvs: dict[str, Path]) -> int:
    """Bytes of the distinct installs: an environment whose steps extend another's counts only
    what its last steps add, as its image adds only those layers."""
    steps = {name: matrix.environments[name].steps_for("3.11") for name in venvs}
    sizes = {name: du(venv / "lib") for name, venv in venvs.items()}
    total = 0
    for name in venvs:
        size = sizes[name]
        prefixes = [
            other
            for other in venvs
            if other != name and steps[name][: len(steps[other])] == steps[other]
        ]
        if prefixes:
            size -= sizes[max(prefixes, key=lambda other: len(steps[other]))]
        total += max(size, 0)
    return total


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def mounted_disk(images: list[CellImage]) -> tuple[int, int, int]:
    """Bytes of mounted environments: their directories together (`du -s`, a file hard-linked
    into several counted once), apparent size and disk blocks, and their prefix images' layers
    over the bases."""
    directories = sorted({str(i.environment_dir) for i in images if i.environment_dir})

    def du_total(*flags: str) -> int:
        argv = ["du", "-s", "-c", "--block-size=1", *flags, *directories]
        output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        return int(output.splitlines()[-1].split()[0])

    prefixes, _ = image_disk(sorted({i.tag for i in images}))
    return du_total("--apparent-size"), du_total(), prefixes


def disk_rows(
    images: list[CellImage], installs: int, judge: Callable[[float], str]
) -> list[tuple[str, str, str]]:
    """The environments' disk against the distinct installs (`judge`: the target's verdict on
    the ratio): image layers over the bases, or for mounted environments their directories and
    prefix images."""
    if any(image.environment_dir is not None for image in images):
        apparent, blocks, prefixes = mounted_disk(images)
        total = apparent + prefixes
        return [
            (
                "environment disk: `du -s --apparent-size` of the environment directories "
                "together (hard links once) + prefix images' layers",
                f"{total / 1e6:.0f} MB",
                f"{total / installs:.2f} x installs ({judge(total / installs)})",
            ),
            (
                "  of which prefix images' layers (`docker history`, counted as the image row "
                "counts layers)",
                f"{prefixes / 1e6:.0f} MB",
                f"{len({i.tag for i in images})} prefix image(s)",
            ),
            (
                "  the directories in disk blocks (`du -s`) + prefix images",
                f"{(blocks + prefixes) / 1e6:.0f} MB",
                f"{(blocks + prefixes) / installs:.2f} x installs",
            ),
            ("distinct installs (host venvs' lib/)", f"{installs / 1e6:.0f} MB", ""),
        ]
    shared, unshared = image_disk([image.tag for image in images])
    return [
        (
            "image disk over bases (shared layers once)",
            f"{shared / 1e6:.0f} MB",
            f"{shared / installs:.2f} x installs ({judge(shared / installs)})",
        ),
        ("image disk if layers were not shared", f"{unshared / 1e6:.0f} MB", ""),
        ("distinct installs (host venvs' lib/)", f"{installs / 1e6:.0f} MB", ""),
    ]
