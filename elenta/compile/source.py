"""Naming input files inside artifacts without making the artifact depend on the working directory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from elenta.model.lab import Lab


def lab_relative(lab: Lab, file: str) -> str:
    """A constellation file relative to the lab folder: `lab_relative(lab, "/l/constellations/h.toml")`
    gives `"constellations/h.toml"` (the bare name when the file lies outside the lab)."""
    return _relative(str(lab.root), file)


@lru_cache(maxsize=1024)
def _relative(root: str, file: str) -> str:
    try:
        return Path(file).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(file).name
