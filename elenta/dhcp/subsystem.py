"""The dhcp subsystem: Kea or dnsmasq configurations for the machines whose roles serve DHCP."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from elenta.subsystem import DeployRun, Subsystem, role_asks

if TYPE_CHECKING:
    from elenta.compile.artifacts import Artifact
    from elenta.model.lab import Lab


class Dhcp(Subsystem):
    """DHCP reservations, ranges and options from the cadaster (`dhcp = {server, networks}` on a role)."""

    name = "dhcp"
    order = 35  # after DNS (the DNS servers it hands out), before NFS and netboot
    deploy = "elenta.deploys.dhcp"
    tasks = "elenta.tasks.dhcp"

    def wants(self, lab: Lab, machine: str) -> bool:
        return role_asks(lab, machine, "dhcp")

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        from elenta.dhcp.artifacts import dhcp_artifacts

        return dhcp_artifacts(lab)

    def deploy_check(self, run: DeployRun) -> None:
        """The servers' own parsers (`kea-dhcp4 -t`, `dnsmasq --test`) on the deployer, before any host."""
        if run.action != "rollback" and run.selected(self.name):
            from elenta.dhcp.apply import check

            check(run.lab)


subsystem = Dhcp()
