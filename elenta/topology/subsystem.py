"""The topology "subsystem": the lab's picture as a plan artifact (`topology/lab.dot`); nothing to deploy."""

from elenta.subsystem import Subsystem


class Topology(Subsystem):
    """The Graphviz text of the lab in every plan (`elenta topology` draws it)."""

    name = "topology"
    order = 95
    tasks = "elenta.tasks.topology"
    render = "elenta.topology.artifacts:topology_artifacts"


subsystem = Topology()
