"""The plan carries the lab's picture: `topology/lab.dot` (lab-wide), the DOT text of `topology_dot`.

The DOT text is pure and byte-stable, so it belongs to the hashed plan; `elenta plan --out DIR`
also draws it as `DIR/topology.svg` when Graphviz is installed (an SVG depends on the Graphviz
version, so it stays outside the hash).
"""

from __future__ import annotations

from collections.abc import Iterator

from elenta.compile.artifacts import Artifact, artifact_builder
from elenta.model.lab import Lab
from elenta.topology.graph import topology_dot

DOT_PATH = "topology/lab.dot"


@artifact_builder("topology")
def topology_artifacts(lab: Lab) -> Iterator[Artifact]:
    """`[a.path for a in topology_artifacts(lab)] == ["topology/lab.dot"]`."""
    yield Artifact("topology", None, DOT_PATH, topology_dot(lab).encode())
