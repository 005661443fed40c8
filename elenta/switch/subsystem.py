"""The switch subsystem: managed switches configured from the cadaster (netmiko, or NETCONF for Junos)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.model.errors import Fault
    from elenta.model.lab import Lab


class Switch(Subsystem):
    """Each managed switch's configuration (`elenta net ...`); pushed after the hosts in a full deploy."""

    name = "switch"
    order = 90
    tasks = "elenta.tasks.net"
    render = "elenta.switch.render:switch_artifacts"
    steps = "elenta.switch.deploy_step"

    def check(self, lab: Lab) -> list[Fault]:
        """The switches' desired states only: rendering their text is left to the plan."""
        from elenta.switch.check import switch_faults

        return switch_faults(lab)


subsystem = Switch()
