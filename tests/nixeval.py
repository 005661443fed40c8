"""Evaluating a Nix expression from a test, strictly, to JSON: one helper for every test."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from elenta.nix import nix_environment


def instantiate(expression: str, cwd: Path) -> Any:
    """`instantiate("1 + 1", folder)` -> 2: `nix-instantiate --eval --strict --json -E EXPR` in `cwd`."""
    proc = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", "-E", expression],
        cwd=cwd,
        env=nix_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
