"""Helpers shared by the plan tests (`from conftest_plan import edit_constellation`)."""

from __future__ import annotations

from pathlib import Path


def edit_constellation(lab_dir: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in the example lab's constellation."""
    path = lab_dir / "constellations" / "homelab.toml"
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new))
