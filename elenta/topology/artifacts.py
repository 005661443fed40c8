"""The plan carries the lab's picture: `topology/lab.dot` (lab-wide), the DOT text of `topology_dot`.

The DOT text is pure and byte-stable, so it belongs to the hashed plan; an SVG depends on the
Graphviz version, so it is drawn on demand (`elenta topology --out`), never hashed.
"""

from __future__ import annotations

from collections.abc import Iterator

from elenta.compile.artifacts import Artifact
from elenta.model.lab import Lab
from elenta.topology.graph import topology_dot

DOT_PATH = "topology/lab.dot"


def topology_artifacts(lab: Lab) -> Iterator[Artifact]:
    """`[a.path for a in topology_artifacts(lab)] == ["topology/lab.dot"]`."""
    yield Artifact("topology", None, DOT_PATH, topology_dot(lab).encode())
