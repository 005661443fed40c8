"""`elenta topology [--out FILE.svg|.png|.dot]`: the lab drawn with Graphviz."""

from __future__ import annotations

from pathlib import Path

from invoke import Context, task

from elenta.tasks._common import open_lab, reports_errors


@task(
    help={
        "out": "write the picture here; the suffix picks the format: .svg (elenta's drawing, as in the "
        "plan), .png (Graphviz), .dot; default: print the DOT text",
        "lab": "the lab folder (default: $ELENTA_LAB or examples/lab)",
    },
)
@reports_errors
def topology(c: Context, out: str = "", lab: str = "") -> None:
    """Draw networks and VLANs, switches and their ports, machines with addresses and roles."""
    from elenta.topology.draw import draw
    from elenta.topology.graph import topology_dot

    loaded = open_lab(lab or None)
    if not out:
        print(topology_dot(loaded), end="")
        return
    print(f"wrote {draw(loaded, Path(out))}")
