"""The plan carries the lab's picture: `topology/lab.svg`, and its Graphviz text `topology/lab.dot`.

Both are pure and byte-stable (the SVG is drawn by `elenta.topology.svg`, not by Graphviz, whose
output depends on its version and the machine's fonts), so both belong to the hashed plan.
"""

from __future__ import annotations

from collections.abc import Iterator

from elenta.compile.artifacts import Artifact
from elenta.model.lab import Lab
from elenta.topology.graph import topology_dot
from elenta.topology.svg import topology_svg

DOT_PATH = "topology/lab.dot"
SVG_PATH = "topology/lab.svg"


def topology_artifacts(lab: Lab) -> Iterator[Artifact]:
    """`[a.path for a in topology_artifacts(lab)] == ["topology/lab.dot", "topology/lab.svg"]`."""
    yield Artifact("topology", None, DOT_PATH, topology_dot(lab).encode())
    yield Artifact("topology", None, SVG_PATH, topology_svg(lab).encode())
