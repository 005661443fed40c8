"""The topology "subsystem": the lab's picture as a plan artifact (`topology/lab.dot`); nothing to deploy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.model.errors import Fault
    from elenta.model.lab import Lab


class Topology(Subsystem):
    """The Graphviz text of the lab in every plan (`elenta topology` draws it)."""

    name = "topology"
    order = 95
    tasks = "elenta.tasks.topology"
    render = "elenta.topology.artifacts:topology_artifacts"

    def check(self, lab: Lab) -> list[Fault]:
        """Warn (`elenta check` prints `warning: …`) about wired interfaces on no switch port."""
        import warnings

        from elenta.topology.ports import CablingWarning, unplugged

        for fault in unplugged(lab):
            warnings.warn(str(fault), CablingWarning, stacklevel=2)
        return super().check(lab)


subsystem = Topology()
