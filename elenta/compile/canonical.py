"""The one byte form of JSON data in a plan: sorted keys, no timestamps, the same bytes every time.

The outer levels are written one key per line (readable, diffable with line tools), the rest
compactly, through the C-accelerated encoder (indentation would force Python's slow one):

    >>> canonical_bytes({"b": {"x": [1, 2]}, "a": 1}, depth=1)
    b'{\\n "a": 1,\\n "b": {"x":[1,2]}\\n}\\n'
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_COMPACT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(value: Any, depth: int, indent: int) -> str:
    if depth > 0 and isinstance(value, dict) and value:
        pad = " " * (indent + 1)
        items = [
            f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {_text(value[k], depth - 1, indent + 1)}"
            for k in sorted(value)
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return _COMPACT.encode(value)


def canonical_bytes(value: Any, depth: int = 3) -> bytes:
    """Canonical JSON bytes, the outer `depth` levels one key per line, with a final newline."""
    return (_text(value, depth, 0) + "\n").encode()


def sha256(data: bytes) -> str:
    """`sha256(b"")` -> `'sha256:e3b0c442…'`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()
