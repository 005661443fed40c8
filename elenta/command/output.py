"""Where output goes: results on stdout (text or `--json`), everything else on stderr.

`emit_json({"machines": [...]})`; `note("built 2 systems")` (progress, warnings, notes).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(value: Any) -> str:
    """Stable, indented JSON for a result: `to_json({"ok": True})`."""
    return json.dumps(value, indent=2, sort_keys=True, default=_plain)


def emit_json(value: Any) -> None:
    """Print a result as JSON on stdout: `emit_json([{"canon": "toto.canon"}])`."""
    print(to_json(value))


def note(message: str) -> None:
    """A line for the person watching, never for a pipe: `note("warning: ...")` goes to stderr."""
    print(message, file=sys.stderr, flush=True)
