"""The dns subsystem: Zones and knot.conf for the machines whose roles ask for DNS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from elenta.subsystem import Subsystem

if TYPE_CHECKING:
    from elenta.model.errors import Fault
    from elenta.model.lab import Lab


class Dns(Subsystem):
    """Zones and knot.conf for the machines whose roles ask for DNS (`dns = true` on a role)."""

    name = "dns"
    order = 30
    deploy = "elenta.deploys.dns"
    tasks = "elenta.tasks.dns"
    render = "elenta.dns.render:dns_artifacts"
    role_flag = "dns"
    steps = "elenta.dns.deploy_step"
    nixos_part = "elenta.dns.nixos:knot_options"  # Knot serving the zones, on the DNS machines
    provides = {"dns_servers": "elenta.dns.nixos:dns_servers"}  # what DHCP hands out
    check_waits = True  # named-checkzone, one process per zone

    def check(self, lab: Lab) -> list[Fault]:
        """The rendered zones, then each zone through `named-checkzone` (where it is installed)."""
        from elenta.dns.check import zone_faults

        return super().check(lab) or zone_faults(lab)


subsystem = Dns()
