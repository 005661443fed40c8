"""The lab's picture to a file: `draw(lab, Path("lab.svg"))`.

`.svg` is elenta's own drawing (`elenta.topology.svg`, the plan's `topology/lab.svg`, byte for
byte); `.dot`/`.gv` the Graphviz text; `.png` that text laid out by Graphviz's `dot`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from elenta.model.errors import ElentaError
from elenta.model.lab import Lab

FORMATS = {".svg": "svg", ".png": "png", ".dot": None, ".gv": None}


class TopologyError(ElentaError):
    """The picture cannot be drawn (no Graphviz, unknown format, dot failed)."""

    exit_code = 2


def render_bytes(dot_text: str, fmt: str) -> bytes:
    """The picture in `fmt` (svg, png): `render_bytes(topology_dot(lab), "svg")`; raises TopologyError."""
    binary = shutil.which("dot")
    if binary is None:
        raise TopologyError("Graphviz's `dot` is not installed (Debian: graphviz; NixOS: pkgs.graphviz)")
    proc = subprocess.run([binary, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise TopologyError(f"dot -T{fmt} failed: {proc.stderr.decode(errors='replace').strip()[:500]}")
    return proc.stdout


def draw(lab: Lab, out: Path) -> Path:
    """Write the picture to `out`, its format chosen by the suffix (.svg, .png, .dot)."""
    from elenta.topology.graph import topology_dot
    from elenta.topology.svg import topology_svg

    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise TopologyError(f"{out}: unknown picture format {suffix or '(none)'} (use .svg, .png or .dot)")
    fmt = FORMATS[suffix]
    if fmt == "svg":
        data = topology_svg(lab).encode()
    elif fmt is None:
        data = topology_dot(lab).encode()
    else:
        data = render_bytes(topology_dot(lab), fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
