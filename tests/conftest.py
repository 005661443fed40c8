"""Shared helpers for every test: where the example lab is, and a way to write a lab of one's own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_LAB = REPO / "examples" / "lab"


@pytest.fixture
def example_lab_copy(tmp_path: Path) -> Path:
    """A private copy of the example lab that a test may edit (its state dir stays inside it)."""
    target = tmp_path / "lab"
    shutil.copytree(EXAMPLE_LAB, target, ignore=shutil.ignore_patterns(".elenta", "result*"))
    return target
