"""Finding the lab like git finds its repository: the nearest folder upward that holds one.

`find_lab(Path.cwd())` -> the folder, or None. A lab folder holds `elenta.toml` (lab settings,
written by `elenta init`) or a cadaster file.
"""

from __future__ import annotations

from pathlib import Path

from elenta.model.loading import SUFFIXES
from elenta.model.settings import SETTINGS_FILE


def is_lab_folder(folder: Path) -> bool:
    """True when `folder` holds `elenta.toml` or a cadaster: `is_lab_folder(Path("examples/lab"))`."""
    names = [SETTINGS_FILE, *(f"cadaster{suffix}" for suffix in SUFFIXES)]
    return any((folder / name).is_file() for name in names)


def find_lab(start: Path) -> Path | None:
    """The nearest folder from `start` upward that is a lab folder, or None.

    `find_lab(Path("examples/lab/constellations").resolve())` -> `.../examples/lab`.
    """
    start = start.absolute()
    for folder in (start, *start.parents):
        if is_lab_folder(folder):
            return folder
    return None
