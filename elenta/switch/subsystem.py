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
    host_part = "elenta.switch.bonds:bond_entries"  # `bonds` of the machines on a port-channel
    provides = {
        "switch_ports": "elenta.switch.ports:port_map",  # what the topology draws
        "switched_networks": "elenta.switch.ports:switched_networks",
        "switch_port_readers": "elenta.switch.verify:port_readers",  # what `elenta doctor` reads
    }

    def check(self, lab: Lab) -> list[Fault]:
        """The switches' desired states only: rendering their text is left to the plan.

        Warns (`elenta check` prints `warning: …`) about wired interfaces on no switch port.
        """
        import warnings

        from elenta.switch.check import switch_faults
        from elenta.switch.ports import CablingWarning, unplugged

        for fault in unplugged(lab):
            warnings.warn(str(fault), CablingWarning, stacklevel=2)
        return switch_faults(lab)

    def ssh_endpoints(self, lab: Lab) -> list[tuple[str, str, int]]:
        """Each managed switch at its management address and SSH port (its CLI or NETCONF)."""
        from elenta.switch.session import management_address

        machines = lab.cadaster.machines
        return [
            (n, management_address(lab, n), m.ssh.port) for n, m in machines.items() if m.switch is not None
        ]


subsystem = Switch()
